/**
 * Attacks on the identity layer, against the real server with known signing keys: forged, expired
 * and mis-addressed tokens, key rotation, code brute force and sprays, purpose binding of codes,
 * oversized and hostile input; and that no phone, code, token or medical text is stored in the
 * clear or written to the logs.
 */
import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { Api, createDoctor, firstSlots, randomPhone } from "../_harness/api.ts";
import { startServer } from "../_harness/server.ts";

type Body = Record<string, unknown>;

async function signingKey(kid: string) {
  const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const jwk: JWK = { ...(await exportJWK(privateKey)), kid, alg: "EdDSA" };
  return { jwk, privateKey };
}

function b64url(value: unknown): string {
  return btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
}

Deno.test("tokens: rotation, forgery, expiry, issuer and audience", async (t) => {
  const current = await signingKey("k2");
  const previous = await signingKey("k1");
  const attacker = await signingKey("k1");
  await using server = await startServer({
    env: { JWT_PRIVATE_JWKS: JSON.stringify([current.jwk, previous.jwk]) },
  });
  const api = new Api(server.url);
  const patient = await api.login(randomPhone());
  const sid =
    JSON.parse(atob(patient.accessToken.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))).sid;
  const sign = (key: CryptoKey, kid: string, claims: Record<string, unknown> = {}, exp = "5m") =>
    new SignJWT({ role: "patient", sid, ...claims })
      .setProtectedHeader({ alg: "EdDSA", kid })
      .setSubject(patient.user.id)
      .setIssuer((claims.iss as string) ?? "https://vaidya.local")
      .setAudience((claims.aud as string) ?? "vaidya-api")
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(key);
  const call = (token: string) => api.request("GET", "/v1/appointments", { token });

  await t.step("JWKS publishes both keys; the new one signs", async () => {
    const jwks = await api.request<{ keys: Body[] }>("GET", "/.well-known/jwks.json");
    assert.deepEqual(jwks.body.keys.map((k) => k.kid), ["k2", "k1"]);
    const header = JSON.parse(atob(patient.accessToken.split(".")[0]));
    assert.equal(header.kid, "k2");
    assert.equal(header.alg, "EdDSA");
  });

  await t.step("a token signed by the previous key still verifies", async () => {
    assert.equal((await call(await sign(previous.privateKey, "k1"))).status, 200);
  });

  await t.step("a token signed by another key with a known kid is 401", async () => {
    assert.equal((await call(await sign(attacker.privateKey, "k1"))).status, 401);
  });

  await t.step("alg none, HS256 with the public key, and a tampered payload are 401", async () => {
    const [, payload, sig] = patient.accessToken.split(".");
    assert.equal((await call(`${b64url({ alg: "none", typ: "JWT" })}.${payload}.`)).status, 401);
    const jwks = await api.request<{ keys: Body[] }>("GET", "/.well-known/jwks.json");
    const hsKey = await crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(JSON.stringify(jwks.body.keys[0])),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const hs = await new SignJWT({ role: "admin" }).setProtectedHeader({ alg: "HS256", kid: "k2" })
      .setSubject(patient.user.id).setIssuer("https://vaidya.local").setAudience("vaidya-api")
      .setExpirationTime("5m").sign(hsKey);
    assert.equal((await call(hs)).status, 401);
    const claims = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/")));
    const tampered = `${patient.accessToken.split(".")[0]}.${
      b64url({ ...claims, role: "admin" })
    }.${sig}`;
    assert.equal((await call(tampered)).status, 401);
  });

  await t.step("expired tokens and wrong issuer or audience are 401", async () => {
    const expired = await new SignJWT({ role: "patient" })
      .setProtectedHeader({ alg: "EdDSA", kid: "k2" }).setSubject(patient.user.id)
      .setIssuer("https://vaidya.local").setAudience("vaidya-api")
      .setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(current.privateKey);
    assert.equal((await call(expired)).status, 401);
    assert.equal(
      (await call(await sign(current.privateKey, "k2", { iss: "https://evil" }))).status,
      401,
    );
    assert.equal(
      (await call(await sign(current.privateKey, "k2", { aud: "other-api" }))).status,
      401,
    );
    assert.equal((await call(await sign(current.privateKey, "k2", { role: "root" }))).status, 401);
  });

  await t.step("sessions are listable and revocable by their owner only", async () => {
    const other = await api.login(randomPhone());
    const list = await api.request<{ items: Body[] }>("GET", "/v1/auth/sessions", {
      token: patient.accessToken,
    });
    assert.equal(list.status, 200);
    assert.equal(list.body.items.length, 1);
    const id = list.body.items[0].id;
    const foreign = await api.request("DELETE", `/v1/auth/sessions/${id}`, {
      token: other.accessToken,
    });
    assert.equal(foreign.status, 404);
    const mine = await api.request("DELETE", `/v1/auth/sessions/${id}`, {
      token: patient.accessToken,
    });
    assert.equal(mine.status, 204);
    const refresh = await api.request("POST", "/v1/auth/refresh", {
      body: { refreshToken: patient.refreshToken },
    });
    assert.equal(refresh.status, 401, "a revoked session cannot refresh");
  });
});

Deno.test("codes: brute force locks the phone, sprays hit per-IP limits, purposes don't mix", async (t) => {
  await using server = await startServer({
    env: {
      OTP_LOCKOUT_FAILURES: "7",
      OTP_SENDS_PER_IP_PER_HOUR: "12",
      OTP_VERIFIES_PER_IP_PER_HOUR: "30",
      OTP_RESEND_COOLDOWN_SECONDS: "0",
    },
  });
  const api = new Api(server.url);
  const admin = await api.loginAdmin();
  const doctor = await createDoctor(api, admin);

  await t.step(
    "5 wrong tries withdraw the code; more failures lock the phone with 429",
    async () => {
      const phone = randomPhone();
      assert.equal((await api.request("POST", "/v1/auth/otp", { body: { phone } })).status, 202);
      const code = await api.latestCode(phone);
      const wrong = code === "000000" ? "111111" : "000000";
      for (let i = 0; i < 5; i++) {
        const r = await api.request<Body>("POST", "/v1/auth/verify", {
          body: { phone, code: wrong },
        });
        assert.equal(r.status, 422);
        assert.equal(r.body.code, "invalid_code");
      }
      const late = await api.request("POST", "/v1/auth/verify", { body: { phone, code } });
      assert.equal(late.status, 422, "the right code no longer works after 5 wrong tries");
      // Only wrong guesses at an outstanding code count towards the lock-out (issue 17 item 3):
      // two more at a new code make 7.
      assert.equal((await api.request("POST", "/v1/auth/otp", { body: { phone } })).status, 202);
      const second = await api.latestCode(phone);
      const wrong2 = second === "000000" ? "111111" : "000000";
      for (let i = 0; i < 2; i++) {
        await api.request("POST", "/v1/auth/verify", { body: { phone, code: wrong2 } });
      }
      const locked = await api.request<Body>("POST", "/v1/auth/verify", {
        body: { phone, code: second },
      });
      assert.equal(locked.status, 429, "locked: even the right code is refused");
      assert.equal(locked.body.code, "rate_limited");
      assert.ok(Number(locked.headers.get("retry-after")) > 0);
      const send = await api.request("POST", "/v1/auth/otp", { body: { phone } });
      assert.equal(send.status, 429, "no new codes while locked");
    },
  );

  await t.step("a login code cannot confirm a hold, and a hold code cannot log in", async () => {
    const patient = await api.login(randomPhone());
    const [slot] = await firstSlots(api, doctor.id);
    const hold = await api.request<Body>("POST", "/v1/holds", {
      token: patient.accessToken,
      body: { doctorId: doctor.id, start: slot.start },
    });
    assert.equal(hold.status, 201);
    const holdCode = await api.latestCode(patient.phone);
    const loginSent = await api.request("POST", "/v1/auth/otp", { body: { phone: patient.phone } });
    assert.equal(loginSent.status, 202);
    const loginCode = await api.latestCode(patient.phone);
    if (loginCode !== holdCode) {
      const viaLogin = await api.request<Body>("POST", `/v1/holds/${hold.body.id}/confirm`, {
        token: patient.accessToken,
        body: { code: loginCode },
      });
      assert.equal(viaLogin.status, 422);
      const viaHold = await api.request<Body>("POST", "/v1/auth/verify", {
        body: { phone: patient.phone, code: holdCode },
      });
      assert.equal(viaHold.status, 422);
    }
    const right = await api.request("POST", `/v1/holds/${hold.body.id}/confirm`, {
      token: patient.accessToken,
      body: { code: holdCode },
    });
    assert.equal(right.status, 201);
  });

  await t.step("a code spray across many phones from one IP is cut off with 429", async () => {
    const statuses: number[] = [];
    let limited: Headers | null = null;
    for (let i = 0; i < 14; i++) {
      const r = await api.request("POST", "/v1/auth/otp", { body: { phone: randomPhone() } });
      statuses.push(r.status);
      if (r.status === 429) limited = r.headers;
    }
    assert.ok(statuses.includes(429), JSON.stringify(statuses));
    assert.ok(limited?.get("retry-after"));
    assert.ok(limited?.get("ratelimit-limit"));
    const verifies: number[] = [];
    for (let i = 0; i < 35; i++) {
      const r = await api.request("POST", "/v1/auth/verify", {
        body: { phone: randomPhone(), code: "123456" },
      });
      verifies.push(r.status);
    }
    assert.ok(verifies.includes(429), "code checks per IP are limited too");
  });
});

Deno.test("hostile input: oversized, unicode and very long strings in every text field", async () => {
  await using server = await startServer({ env: { BODY_LIMIT_BYTES: "4096" } });
  const api = new Api(server.url);
  const admin = await api.loginAdmin();
  const big = await api.request<Body>("POST", "/v1/admin/doctors", {
    token: admin.accessToken,
    body: { name: "x".repeat(10_000) },
  });
  assert.equal(big.status, 413);
  assert.equal(big.body.code, "payload_too_large");
  const base = {
    name: "डॉ. अनन्या शर्मा 🌿",
    phone: randomPhone(),
    specializations: ["पंचकर्म"],
    languages: ["hi"],
    city: "वाराणसी",
    timezone: "Asia/Kolkata",
    slotMinutes: 30,
    bio: "आयुर्वेद ‮ RTL \u0000 nul",
  };
  const ok = await api.request<Body>("POST", "/v1/admin/doctors", {
    token: admin.accessToken,
    body: base,
  });
  assert.equal(ok.status, 201);
  assert.equal(ok.body.name, base.name);
  for (
    const [field, value] of Object.entries({
      name: "न".repeat(121),
      city: "c".repeat(81),
      bio: "b".repeat(2001),
      specializations: ["s".repeat(61)],
      languages: ["l".repeat(41)],
      timezone: "Mars/Olympus_Mons",
    })
  ) {
    const r = await api.request<Body>("POST", "/v1/admin/doctors", {
      token: admin.accessToken,
      body: { ...base, phone: randomPhone(), [field]: value },
    });
    assert.equal(r.status, 400, field);
    assert.ok(JSON.stringify(r.body.errors).includes(field), field);
  }
  const patient = await api.login(randomPhone());
  const me = await api.request<Body>("PUT", "/v1/me", {
    token: patient.accessToken,
    body: { name: "n".repeat(121) },
  });
  assert.equal(me.status, 400);
});

Deno.test("privacy: profile, erasure, nothing personal in raw records or logs", async () => {
  const server = await startServer({ env: { OTP_RESEND_COOLDOWN_SECONDS: "0" } });
  const api = new Api(server.url);
  const admin = await api.loginAdmin();
  const doctor = await createDoctor(api, admin);
  const patient = await api.login(randomPhone());
  const secretNote = "Vata imbalance; history of migraine";
  const secretReason = "Recurring headaches since childhood";
  const name = "Meera Pillai";

  const put = await api.request<Body>("PUT", "/v1/me", {
    token: patient.accessToken,
    body: {
      name,
      language: "ml",
      channel: "whatsapp",
      dateOfBirth: "1988-04-12",
      medicalHistory: secretNote,
    },
  });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  const got = await api.request<Body>("GET", "/v1/me", { token: patient.accessToken });
  assert.equal(got.body.name, name);
  assert.equal(got.body.phone, patient.phone);
  assert.equal(got.body.medicalHistory, secretNote);

  const [slot] = await firstSlots(api, doctor.id);
  const hold = await api.request<Body>("POST", "/v1/holds", {
    token: patient.accessToken,
    body: { doctorId: doctor.id, start: slot.start },
  });
  const code = await api.latestCode(patient.phone);
  const booked = await api.request<{ appointment: Body }>(
    "POST",
    `/v1/holds/${hold.body.id}/confirm`,
    {
      token: patient.accessToken,
      body: { code, reason: secretReason },
    },
  );
  assert.equal(booked.status, 201);
  const doc = await api.login(doctor.phone);
  await api.request("PATCH", `/v1/appointments/${booked.body.appointment.id}`, {
    token: doc.accessToken,
    body: { notes: secretNote },
  });
  await server.stop();

  const logs = server.logs();
  for (
    const needle of [
      patient.phone,
      patient.phone.slice(1),
      code,
      patient.accessToken,
      patient.refreshToken,
      secretNote,
      secretReason,
      name,
    ]
  ) {
    assert.ok(!logs.includes(needle), `logs must not contain ${needle.slice(0, 6)}…`);
  }

  const kv = await Deno.openKv(server.kvPath);
  try {
    const leaks: string[] = [];
    // Keys and values alike, the dev outbox included: its messages are under the phone's blind
    // index, and a message names the doctor and the time only.
    for await (const e of kv.list({ prefix: [] })) {
      const text = JSON.stringify([e.key.map(String), e.value]);
      for (
        const needle of [patient.phone, patient.phone.slice(3), secretNote, secretReason, name]
      ) {
        if (text.includes(needle)) leaks.push(`${String(e.key[0])}: ${needle.slice(0, 4)}…`);
      }
    }
    assert.deepEqual(leaks, [], "no personal data stored in the clear");
  } finally {
    kv.close();
  }

  await server.restart();
  const erase = await api.request("DELETE", "/v1/me", { token: patient.accessToken });
  assert.equal(erase.status, 204);
  // Erasure ends every session, so the old access token no longer works (issue 17 item 9).
  assert.equal((await api.request("GET", "/v1/me", { token: patient.accessToken })).status, 401);
  const asDoctor = await api.request<Body>(
    "GET",
    `/v1/appointments/${booked.body.appointment.id}`,
    {
      token: doc.accessToken,
    },
  );
  assert.equal(asDoctor.status, 200);
  assert.equal(asDoctor.body.status, "cancelled", "a future appointment is cancelled at erasure");
  assert.equal(asDoctor.body.reason, undefined, "medical text is gone");
  assert.equal(asDoctor.body.notes, undefined);
  const again = await api.login(patient.phone, true);
  assert.notEqual(
    again.user.id,
    patient.user.id,
    "the phone is no longer linked to the old record",
  );
  await server.stop();
});
