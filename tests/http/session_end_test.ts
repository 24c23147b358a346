/**
 * Issue 17, items 1 and 9: a session ends for real. A revoked admin cannot refresh into admin
 * again; logout, session revocation, refresh-token reuse and admin revocation end the access
 * tokens of that session at once (not when they expire); tokens with a future `iat` or a
 * lifetime longer than ACCESS_TOKEN_TTL_SECONDS are refused even when signed by our key.
 */
import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { Api, randomPhone, type Session } from "../_harness/api.ts";
import { startServer } from "../_harness/server.ts";
import { runTask } from "../scripts/_run_task.ts";

const ADMIN_ROUTE = "/v1/admin/audit";

async function signingKey() {
  const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const jwk: JWK = { ...(await exportJWK(privateKey)), kid: "k1", alg: "EdDSA" };
  return { jwk, privateKey };
}

function claimsOf(token: string): Record<string, unknown> {
  const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(payload));
}

const refresh = (api: Api, s: Session) =>
  api.request<Session>("POST", "/v1/auth/refresh", { body: { refreshToken: s.refreshToken } });

Deno.test("refresh re-derives the role: an admin removed from ADMIN_PHONES cannot refresh into admin", async () => {
  const phone = randomPhone();
  await using server = await startServer({
    env: { ADMIN_PHONES: phone, OTP_RESEND_COOLDOWN_SECONDS: "0" },
  });
  const api = new Api(server.url);
  const admin = await api.login(phone);
  assert.equal(admin.user.role, "admin");
  server.env.ADMIN_PHONES = randomPhone();
  await server.restart();
  const res = await refresh(api, admin);
  assert.equal(res.status, 401, JSON.stringify(res.body));
  const again = await api.login(phone, true);
  assert.equal(again.user.role, "patient", "a fresh login gets the role the phone has now");
  assert.equal((await api.request("GET", ADMIN_ROUTE, { token: again.accessToken })).status, 403);
});

Deno.test("admin:create --revoke ends the admin's sessions and access tokens at once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vaidya-revoke-" });
  const kvPath = `${dir}/data/vaidya.kv`;
  await Deno.mkdir(`${dir}/data`);
  const phone = randomPhone();
  const granted = await runTask("admin:create", ["--phone", phone], dir);
  assert.equal(granted.code, 0, granted.stderr);
  await using server = await startServer({
    kvPath,
    env: { ADMIN_PHONES: "", OTP_RESEND_COOLDOWN_SECONDS: "0" },
  });
  const api = new Api(server.url);
  const admin = await api.login(phone);
  assert.equal(admin.user.role, "admin");
  assert.equal((await api.request("GET", ADMIN_ROUTE, { token: admin.accessToken })).status, 200);

  const revoked = await runTask("admin:create", ["--phone", phone, "--revoke", "--yes"], dir);
  assert.equal(revoked.code, 0, revoked.stderr);
  assert.equal((await api.request("GET", ADMIN_ROUTE, { token: admin.accessToken })).status, 401);
  assert.equal((await refresh(api, admin)).status, 401);
  assert.equal((await api.login(phone, true)).user.role, "patient");
});

Deno.test("access tokens end with their session: logout, revocation, reuse", async (t) => {
  await using server = await startServer({ env: { OTP_RESEND_COOLDOWN_SECONDS: "0" } });
  const api = new Api(server.url);
  const call = (s: Session | string) =>
    api.request("GET", "/v1/appointments", {
      token: typeof s === "string" ? s : s.accessToken,
    });

  await t.step("logout", async () => {
    const s = await api.login(randomPhone());
    assert.equal((await call(s)).status, 200);
    const out = await api.request("POST", "/v1/auth/logout", {
      token: s.accessToken,
      body: { refreshToken: s.refreshToken },
    });
    assert.equal(out.status, 204);
    assert.equal((await call(s)).status, 401);
  });

  await t.step(
    "logout with a refresh token that is not the session's still ends the caller's session",
    async () => {
      const phone = randomPhone();
      const s = await api.login(phone);
      const other = await api.login(randomPhone(), true);
      for (const refreshToken of ["not-a-token-at-all-0123456789", other.refreshToken]) {
        const before = await api.login(phone, true);
        const out = await api.request("POST", "/v1/auth/logout", {
          token: before.accessToken,
          body: { refreshToken },
        });
        // A 204 says "logged out": the session of the token that asked must be over.
        assert.equal(out.status, 204);
        assert.equal((await call(before)).status, 401, refreshToken);
        assert.equal((await refresh(api, before)).status, 401, refreshToken);
      }
      // Someone else's token names no session of the caller's: theirs goes on.
      assert.equal((await call(other)).status, 200);
      assert.equal((await call(s)).status, 200);
    },
  );

  await t.step("revoking a session from another device", async () => {
    const phone = randomPhone();
    const a = await api.login(phone);
    const b = await api.login(phone, true);
    const sessionOfA = claimsOf(a.accessToken).sid;
    assert.equal(typeof sessionOfA, "string");
    const del = await api.request("DELETE", `/v1/auth/sessions/${sessionOfA}`, {
      token: b.accessToken,
    });
    assert.equal(del.status, 204);
    assert.equal((await call(a)).status, 401);
    assert.equal((await call(b)).status, 200, "the other device's session lives on");
  });

  await t.step("a reused refresh token ends the family and its access tokens", async () => {
    const s = await api.login(randomPhone());
    const next = await refresh(api, s);
    assert.equal(next.status, 200);
    assert.equal((await refresh(api, s)).status, 401, "reuse");
    assert.equal((await call(next.body.accessToken)).status, 401);
    assert.equal((await call(s)).status, 401);
  });

  await t.step("erasure", async () => {
    const s = await api.login(randomPhone());
    const erase = await api.request("DELETE", "/v1/me", { token: s.accessToken });
    assert.ok(erase.status === 204 || erase.status === 200, JSON.stringify(erase.body));
    assert.equal((await call(s)).status, 401);
  });
});

Deno.test("access tokens with a future iat or a lifetime over the maximum are 401", async () => {
  const key = await signingKey();
  await using server = await startServer({
    env: { JWT_PRIVATE_JWKS: JSON.stringify([key.jwk]), ACCESS_TOKEN_TTL_SECONDS: "900" },
  });
  const api = new Api(server.url);
  const s = await api.login(randomPhone());
  const { sub, sid } = claimsOf(s.accessToken);
  const nowS = Math.floor(Date.now() / 1000);
  const sign = (iat: number, exp: number) =>
    new SignJWT({ role: "patient", sid })
      .setProtectedHeader({ alg: "EdDSA", kid: "k1" })
      .setSubject(String(sub)).setIssuer("https://vaidya.local").setAudience("vaidya-api")
      .setIssuedAt(iat).setExpirationTime(exp).sign(key.privateKey);
  const call = async (token: string) =>
    (await api.request("GET", "/v1/appointments", { token })).status;

  assert.equal(await call(await sign(nowS, nowS + 900)), 200, "a normal token verifies");
  assert.equal(await call(await sign(nowS + 3600, nowS + 4000)), 401, "iat in the future");
  assert.equal(await call(await sign(nowS, nowS + 10 * 365 * 86400)), 401, "a 10-year token");
  assert.equal(await call(await sign(nowS - 10, nowS + 901)), 401, "longer than the TTL");
});
