/**
 * The refresh reuse grace (REFRESH_REUSE_GRACE_SECONDS) on the real server: a refresh retried
 * after its answer was lost, or two refreshes of one token at the same moment (two tabs, two
 * instances), get a new pair in the same session instead of ending it; a second use after the
 * grace still ends the session and every token of it; logout, session revocation and erasure win
 * over the grace; and the grace never lengthens a session. The same on a `denokv` server.
 */
import assert from "node:assert/strict";
import { Api, randomPhone, type Session } from "../_harness/api.ts";
import { startApp } from "../_harness/app.ts";
import { startDenoKv } from "../_harness/denokv.ts";
import { startServer } from "../_harness/server.ts";
import { MAX_GRACED_REISSUES } from "../../src/domain/refresh_reuse.ts";
import { sessionKey } from "../../src/stores/kv/keys.ts";

const refresh = (api: Api, refreshToken: string) =>
  api.request<Session & { code?: string }>("POST", "/v1/auth/refresh", { body: { refreshToken } });

/** The status of a call with `accessToken`: 200 while its session stands, 401 once it ended. */
const callWith = async (api: Api, accessToken: string) =>
  (await api.request("GET", "/v1/appointments", { token: accessToken })).status;

function sessionOf(accessToken: string): string {
  const payload = accessToken.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(payload)).sid;
}

/** Every pair still works: its access token calls, and its refresh token refreshes. */
async function assertAllWork(api: Api, pairs: Session[], what: string) {
  for (const [i, p] of pairs.entries()) {
    assert.equal(await callWith(api, p.accessToken), 200, `${what}: access token ${i}`);
    const next = await refresh(api, p.refreshToken);
    assert.equal(next.status, 200, `${what}: refresh ${i}: ${JSON.stringify(next.body)}`);
    assert.equal(await callWith(api, next.body.accessToken), 200, `${what}: refreshed ${i}`);
  }
}

async function assertAllEnded(api: Api, pairs: Session[], what: string) {
  for (const [i, p] of pairs.entries()) {
    assert.equal(await callWith(api, p.accessToken), 401, `${what}: access token ${i}`);
    assert.equal((await refresh(api, p.refreshToken)).status, 401, `${what}: refresh ${i}`);
  }
}

// Without limits: the per-IP limiter's commits make two requests at once take turns, and then the
// refreshes would never race.
/** The grace is off by default (the contract: a reused token is 401); these run with 10 s. */
const LOGINS = {
  OTP_RESEND_COOLDOWN_SECONDS: "0",
  RATE_LIMIT_DISABLED: "true",
  REFRESH_REUSE_GRACE_SECONDS: "10",
};

Deno.test("refresh reuse grace on the real server (the default grace)", async (t) => {
  await using server = await startServer({ env: LOGINS });
  // A second instance on the same KV file: two instances behind the balancer.
  await using second = await startServer({ env: LOGINS, kvPath: server.kvPath });
  const api = new Api(server.url);
  const api2 = new Api(second.url);

  await t.step(
    "two refreshes of one token at once both answer 200, and both sessions go on",
    async () => {
      for (const [a, b] of [[api, api], [api, api2]]) {
        const s = await api.login(randomPhone(), true);
        const [one, two] = await Promise.all([
          refresh(a, s.refreshToken),
          refresh(b, s.refreshToken),
        ]);
        assert.equal(one.status, 200, JSON.stringify(one.body));
        assert.equal(two.status, 200, JSON.stringify(two.body));
        assert.notEqual(one.body.refreshToken, two.body.refreshToken);
        assert.equal(sessionOf(one.body.accessToken), sessionOf(s.accessToken), "same session");
        assert.equal(sessionOf(two.body.accessToken), sessionOf(s.accessToken), "same session");
        await assertAllWork(api, [s, one.body, two.body], "after two refreshes at once");
      }
    },
  );

  await t.step(
    "a refresh retried within the grace gets a new pair in the same session",
    async () => {
      const s = await api.login(randomPhone(), true);
      const first = await refresh(api, s.refreshToken);
      assert.equal(first.status, 200);
      const retried = await refresh(api2, s.refreshToken);
      assert.equal(retried.status, 200, JSON.stringify(retried.body));
      assert.equal(retried.body.user.id, s.user.id);
      assert.notEqual(retried.body.refreshToken, first.body.refreshToken);
      const sessions = await api.request<{ items: { id: string }[] }>("GET", "/v1/auth/sessions", {
        token: retried.body.accessToken,
      });
      assert.equal(sessions.status, 200);
      const items = sessions.body.items.map((x) => x.id);
      assert.deepEqual(items, [sessionOf(s.accessToken)], "the retry opened no second session");
      await assertAllWork(api, [first.body, retried.body], "after a retry");
    },
  );

  await t.step(
    "logout within the grace wins: the used token is not graced afterwards",
    async () => {
      const s = await api.login(randomPhone(), true);
      const first = await refresh(api, s.refreshToken);
      const out = await api.request("POST", "/v1/auth/logout", {
        token: first.body.accessToken,
        body: { refreshToken: first.body.refreshToken },
      });
      assert.equal(out.status, 204);
      const retried = await refresh(api, s.refreshToken);
      assert.equal(retried.status, 401, JSON.stringify(retried.body));
      await assertAllEnded(api, [s, first.body], "after logout");
    },
  );

  await t.step(
    "a session revoked from another device is not revived by a graced reuse",
    async () => {
      const phone = randomPhone();
      const s = await api.login(phone, true);
      const other = await api.login(phone, true);
      const first = await refresh(api, s.refreshToken);
      const del = await api.request("DELETE", `/v1/auth/sessions/${sessionOf(s.accessToken)}`, {
        token: other.accessToken,
      });
      assert.equal(del.status, 204);
      assert.equal((await refresh(api2, s.refreshToken)).status, 401);
      await assertAllEnded(api, [s, first.body], "after revocation");
      assert.equal(await callWith(api, other.accessToken), 200, "the other device goes on");
    },
  );

  await t.step("erasure within the grace wins", async () => {
    const s = await api.login(randomPhone(), true);
    const first = await refresh(api, s.refreshToken);
    const erased = await api.request("DELETE", "/v1/me", { token: first.body.accessToken });
    assert.equal(erased.status, 204, JSON.stringify(erased.body));
    assert.equal((await refresh(api, s.refreshToken)).status, 401);
    await assertAllEnded(api, [s, first.body], "after erasure");
  });

  await t.step(
    `more than ${MAX_GRACED_REISSUES} graced uses of one token are reuse: the session ends`,
    async () => {
      const s = await api.login(randomPhone(), true);
      const pairs = [(await refresh(api, s.refreshToken)).body];
      for (let i = 0; i < MAX_GRACED_REISSUES; i++) {
        const again = await refresh(api, s.refreshToken);
        assert.equal(again.status, 200, `graced use ${i + 1}: ${JSON.stringify(again.body)}`);
        pairs.push(again.body);
      }
      assert.equal((await refresh(api, s.refreshToken)).status, 401);
      await assertAllEnded(api, pairs, "after too many uses");
    },
  );
});

Deno.test("a reuse after the grace ends the session and every token of it, as theft", async () => {
  await using server = await startServer({
    env: { ...LOGINS, REFRESH_REUSE_GRACE_SECONDS: "1" },
  });
  const api = new Api(server.url);
  const s = await api.login(randomPhone(), true);
  const [one, two] = await Promise.all([
    refresh(api, s.refreshToken),
    refresh(api, s.refreshToken),
  ]);
  assert.equal(one.status, 200, JSON.stringify(one.body));
  assert.equal(two.status, 200, JSON.stringify(two.body));
  await new Promise((r) => setTimeout(r, 1_500));
  // `one` is used now, within its own grace; then the first token comes back too late.
  const three = await refresh(api, one.body.refreshToken);
  assert.equal(three.status, 200);
  const late = await refresh(api, s.refreshToken);
  assert.equal(late.status, 401, JSON.stringify(late.body));
  assert.equal(late.body.code, "unauthenticated");
  // A token of the ended session is never graced, even one just rotated.
  await assertAllEnded(api, [one.body, two.body, three.body], "after a late reuse");
});

Deno.test("the grace ends exactly on time and never lengthens a session (in-process clock)", async () => {
  const clock = { now: Date.now() };
  await using app = await startApp({ ...LOGINS, REFRESH_TOKEN_TTL_DAYS: "1" }, () => clock.now);
  const { api, runtime } = app;
  const ttl = 86_400_000;
  const s = await api.login(randomPhone());
  clock.now += 60_000;
  const rotatedAt = clock.now;
  const first = await refresh(api, s.refreshToken);
  assert.equal(first.status, 200);
  clock.now += 9_999; // a grace of 10 s
  const [late1, late2] = [await refresh(api, s.refreshToken), await refresh(api, s.refreshToken)];
  assert.equal(late1.status, 200, JSON.stringify(late1.body));
  assert.equal(late2.status, 200);
  const session = await runtime.kv.get<{ expiresAtMs: number }>(
    sessionKey(sessionOf(s.accessToken)),
  );
  assert.equal(session.value?.expiresAtMs, rotatedAt + ttl, "a graced use moved the session's end");

  // Just before the pair of the first use ends, a sibling still refreshes (and that rotation
  // renews the session as any would); once it has ended, a sibling is expired like that pair.
  clock.now = rotatedAt + ttl - 1_000;
  assert.equal((await refresh(api, late2.body.refreshToken)).status, 200);
  clock.now = rotatedAt + ttl + 1;
  assert.equal(
    (await refresh(api, late1.body.refreshToken)).status,
    401,
    "the grace lengthened it",
  );
  assert.equal((await refresh(api, first.body.refreshToken)).status, 401);

  // The boundary: 10 s after a rotation the token is reuse, and the session ends.
  const t = await api.login(randomPhone());
  const next = await refresh(api, t.refreshToken);
  clock.now += 10_000;
  assert.equal((await refresh(api, t.refreshToken)).status, 401);
  assert.equal((await refresh(api, next.body.refreshToken)).status, 401);
});

Deno.test("on a denokv server, the grace answers two refreshes at once and a late reuse still ends all", async () => {
  const denokv = await startDenoKv();
  try {
    const clock = { now: Date.now() };
    await using app = await startApp({ ...LOGINS, KV_PATH: denokv.url }, () => clock.now);
    const { api } = app;
    const s = await api.login(randomPhone());
    const [one, two] = await Promise.all([
      refresh(api, s.refreshToken),
      refresh(api, s.refreshToken),
    ]);
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.equal(two.status, 200, JSON.stringify(two.body));
    assert.equal(await callWith(api, one.body.accessToken), 200);
    assert.equal(await callWith(api, two.body.accessToken), 200);
    clock.now += 10_000;
    assert.equal((await refresh(api, s.refreshToken)).status, 401);
    await assertAllEnded(api, [one.body, two.body], "on denokv after a late reuse");
  } finally {
    await denokv.stop();
  }
});
