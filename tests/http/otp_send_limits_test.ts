/**
 * The per-phone and per-client limits and the resend cool-down on sending login codes, as a
 * victim or a hurried patient meets them: one client cannot spend another's budget, and one phone
 * gets one code at a time. In-process app, on both places OTP state can live: Deno KV, and
 * Upstash (a real redis-server behind the local REST bridge). Each client is its own address
 * through TRUSTED_PROXY_HEADER.
 */
import assert from "node:assert/strict";
import { type Api, randomPhone } from "../_harness/api.ts";
import { startApp } from "../_harness/app.ts";
import { startRedis, startUpstashBridge } from "../_harness/redis.ts";

const from = (ip: string) => ({ "x-client-ip": ip });

/** Runs `fn` with the app's environment for OTP state in KV, then in Upstash. */
async function onEachStore(
  t: Deno.TestContext,
  fn: (env: Record<string, string>) => Promise<void>,
) {
  await t.step("kv", () => fn({}));
  await t.step("upstash", async () => {
    const redis = await startRedis();
    const bridge = await startUpstashBridge(redis.port);
    try {
      await fn({ UPSTASH_REDIS_REST_URL: bridge.url, UPSTASH_REDIS_REST_TOKEN: bridge.token });
    } finally {
      await bridge.stop();
      await redis.stop();
    }
  });
}

Deno.test("POST /v1/auth/otp refused by the per-IP limit does not spend the phone's own budget", async (t) => {
  await onEachStore(t, async (env) => {
    await using app = await startApp({
      ...env,
      TRUSTED_PROXY_HEADER: "X-Client-IP",
      OTP_SENDS_PER_IP_PER_HOUR: "2",
      OTP_SENDS_PER_PHONE_PER_HOUR: "3",
    });
    const { api } = app;
    const attacker = from("203.0.113.7");
    for (let i = 0; i < 2; i++) {
      const r = await api.request("POST", "/v1/auth/otp", {
        body: { phone: randomPhone() },
        headers: attacker,
      });
      assert.equal(r.status, 202);
    }
    // The attacker's address is spent: asking for codes to the victim sends nothing...
    const victim = randomPhone();
    for (let i = 0; i < 3; i++) {
      const r = await api.request("POST", "/v1/auth/otp", {
        body: { phone: victim },
        headers: attacker,
      });
      assert.equal(r.status, 429);
    }
    // ...so it must not have used up the victim's hourly allowance either.
    const own = await api.request("POST", "/v1/auth/otp", {
      body: { phone: victim },
      headers: from("198.51.100.9"),
    });
    assert.equal(own.status, 202, JSON.stringify(own.body));
  });
});

Deno.test("POST /v1/auth/otp: simultaneous requests for one phone send one code, the others wait", async (t) => {
  await onEachStore(t, async (env) => {
    await using app = await startApp({ ...env, OTP_SENDS_PER_PHONE_PER_HOUR: "10" });
    const { api } = app;
    const phone = randomPhone();
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => api.request("POST", "/v1/auth/otp", { body: { phone } })),
    );
    const statuses = answers.map((r) => r.status).sort();
    assert.deepEqual(statuses, [202, 429, 429, 429, 429, 429, 429, 429]);
    const waits = answers.filter((r) => r.status === 429).map((r) => r.headers.get("retry-after"));
    assert.ok(waits.every((s) => Number(s) > 0), JSON.stringify(waits));
    // The one code sent is the one that logs in: no second message made it stale.
    const res = await api.request<{ messages: { code: string | null }[] }>(
      "GET",
      `/v1/dev/outbox?to=${encodeURIComponent(phone)}`,
    );
    assert.equal(res.body.messages.filter((m) => m.code).length, 1);
    const code = await api.latestCode(phone);
    const login = await api.request("POST", "/v1/auth/verify", { body: { phone, code } });
    assert.equal(login.status, 200);
  });
});

/** How many times the app has looked a phone up among patients (from /metrics). */
async function patientLookups(api: Api): Promise<number> {
  const res = await api.request<string>("GET", "/metrics");
  const line = res.body.split("\n").find((l) =>
    l.startsWith("vaidya_store_call_duration_seconds_count{") &&
    l.includes('store="patients"') && l.includes('op="findByPhoneIndex"') &&
    l.includes('outcome="ok"')
  );
  return line ? Number(line.split(" ").at(-1)) : 0;
}

Deno.test("POST /v1/auth/otp refused by a limit or the cool-down reads no record, registered or not", async (t) => {
  await onEachStore(t, async (env) => {
    await using app = await startApp({
      ...env,
      TRUSTED_PROXY_HEADER: "X-Client-IP",
      OTP_SENDS_PER_IP_PER_HOUR: "2",
    });
    const { api } = app;
    const client = from("203.0.113.7");
    const ask = (phone: string) =>
      api.request("POST", "/v1/auth/otp", { body: { phone }, headers: client });
    // A registered patient, whose phone is now in its cool-down (the login sent a code).
    const registered = (await api.login(randomPhone())).phone;
    let lookups = await patientLookups(api);
    assert.equal((await ask(registered)).status, 429);
    assert.equal(await patientLookups(api), lookups, "the cool-down refused after a lookup");
    // The client spends its allowance; then every phone is refused by the per-IP limit.
    for (let i = 0; i < 2; i++) assert.equal((await ask(randomPhone())).status, 202);
    lookups = await patientLookups(api);
    assert.equal((await ask(registered)).status, 429);
    assert.equal((await ask(randomPhone())).status, 429);
    // Whether a phone is a patient's shows in no refused answer's timing: nothing was looked up
    // (a registered phone costs one more records read than an unknown one).
    assert.equal(await patientLookups(api), lookups, "the per-IP limit refused after a lookup");
  });
});

Deno.test("POST /v1/auth/otp: +91 with extra trunk zeros is the same phone, with the same cool-down and budget", async () => {
  await using app = await startApp();
  const { api } = app;
  const phone = "+9170" + randomPhone().slice(-8);
  const national = phone.slice(3);
  assert.equal((await api.request("POST", "/v1/auth/otp", { body: { phone } })).status, 202);
  for (const zeros of ["0", "00", "000"]) {
    const spelled = `+91${zeros}${national}`;
    const r = await api.request("POST", "/v1/auth/otp", { body: { phone: spelled } });
    assert.equal(r.status, 429, `${spelled} got a code of its own`);
  }
});

Deno.test("POST /v1/auth/otp: OTP_SENDS_PER_HOUR caps the codes sent to all phones together (SMS pumping spreads over phones and addresses)", async (t) => {
  await onEachStore(t, async (env) => {
    await using app = await startApp({
      ...env,
      TRUSTED_PROXY_HEADER: "X-Client-IP",
      OTP_SENDS_PER_HOUR: "3",
      OTP_SENDS_PER_IP_PER_HOUR: "2",
    });
    const { api } = app;
    // Codes to many phones from many addresses (SMS pumping spreads over both): three go out.
    const sent = [];
    for (let i = 0; i < 5; i++) {
      const phone = randomPhone();
      const r = await api.request("POST", "/v1/auth/otp", {
        body: { phone },
        headers: from(`198.51.100.${i + 1}`),
      });
      sent.push(r.status);
      if (r.status === 429) {
        assert.equal(r.headers.get("content-type"), "application/problem+json");
        assert.ok(Number(r.headers.get("retry-after")) > 0);
        // Nothing went to the refused phone.
        const box = await api.request<{ messages: unknown[] }>(
          "GET",
          `/v1/dev/outbox?to=${encodeURIComponent(phone)}`,
        );
        assert.equal(box.body.messages.length, 0);
      }
    }
    assert.deepEqual(sent, [202, 202, 202, 429, 429]);
  });
});

Deno.test("OTP_SENDS_PER_HOUR is optional and must be a positive whole number", async () => {
  const { loadConfig } = await import("../../src/config/config.ts");
  assert.equal(loadConfig({}).OTP_SENDS_PER_HOUR, undefined);
  assert.equal(loadConfig({ OTP_SENDS_PER_HOUR: "5000" }).OTP_SENDS_PER_HOUR, 5000);
  assert.throws(() => loadConfig({ OTP_SENDS_PER_HOUR: "0" }), /OTP_SENDS_PER_HOUR/);
});
