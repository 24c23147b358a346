/**
 * The real server process on Upstash (a real redis-server behind the local REST bridge): OTP
 * limits and lock-outs answer 429 with Retry-After and RateLimit-* headers and keep their state in
 * Redis with TTLs; cached slot lists never offer a slot confirmed before the listing began, under
 * concurrent bookings; and with Redis stopped OTP fails closed (503) while doctors and slots are
 * still served from the source of truth, and everything recovers after a restart.
 */
import assert from "node:assert/strict";
import { Api, createDoctor, dateInDays, randomPhone } from "../_harness/api.ts";
import { startRedis, startUpstashBridge } from "../_harness/redis.ts";
import { startServer } from "../_harness/server.ts";

type Slot = { start: string; end: string };

Deno.test("upstash: limits, lock-outs, cache invalidation and a Redis outage over HTTP", async (t) => {
  const redis = await startRedis();
  const bridge = await startUpstashBridge(redis.port);
  const redisCmd = async <T>(...cmd: (string | number)[]): Promise<T> => {
    const res = await fetch(bridge.url, {
      method: "POST",
      headers: { authorization: `Bearer ${bridge.token}` },
      body: JSON.stringify(cmd),
    });
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    return body.result as T;
  };
  const keysWithTtl = async (pattern: string) => {
    const keys = await redisCmd<string[]>("KEYS", pattern);
    return await Promise.all(
      keys.map(async (k) => ({ k, ttl: await redisCmd<number>("PTTL", k) })),
    );
  };

  try {
    await using server = await startServer({
      env: {
        UPSTASH_REDIS_REST_URL: bridge.url,
        UPSTASH_REDIS_REST_TOKEN: bridge.token,
        REDIS_TIMEOUT_MS: "1000",
        OTP_SENDS_PER_PHONE_PER_HOUR: "2",
        OTP_RESEND_COOLDOWN_SECONDS: "0",
        OTP_LOCKOUT_FAILURES: "3",
        OTP_LOCKOUT_SECONDS: "600",
        OTP_SENDS_PER_IP_PER_HOUR: "10000",
        API_REQUESTS_PER_MINUTE_PER_IP: "100000",
        API_REQUESTS_PER_MINUTE_PER_USER: "100000",
        HOLDS_PER_PATIENT_PER_HOUR: "1000",
      },
    });
    const api = new Api(server.url);

    await t.step(
      "OTP sends per phone: the third is 429 with Retry-After and RateLimit-*",
      async () => {
        const phone = randomPhone();
        for (let i = 0; i < 2; i++) {
          const ok = await api.request("POST", "/v1/auth/otp", { body: { phone } });
          assert.equal(ok.status, 202, JSON.stringify(ok.body));
        }
        const res = await api.request("POST", "/v1/auth/otp", { body: { phone } });
        assert.equal(res.status, 429, JSON.stringify(res.body));
        assert.equal(res.body.code, "rate_limited");
        assert.match(res.headers.get("content-type") ?? "", /application\/problem\+json/);
        assert.ok(Number(res.headers.get("retry-after")) >= 1, "Retry-After in seconds");
        assert.equal(res.headers.get("ratelimit-limit"), "2");
        assert.equal(res.headers.get("ratelimit-remaining"), "0");
        assert.ok(Number(res.headers.get("ratelimit-reset")) >= 1);

        const windows = await keysWithTtl("vaidya:rl:otp_send_phone:*");
        assert.ok(windows.length >= 1, "the per-phone window lives in Redis");
        assert.ok(windows.every((w) => w.ttl > 0), "with a TTL");
        const codes = await keysWithTtl("vaidya:eph:otp:*");
        assert.ok(codes.length >= 1, "the code hash lives in Redis");
        assert.ok(codes.every((c) => c.ttl > 0 && c.ttl <= 300_000), JSON.stringify(codes));
        assert.ok(codes.every((c) => !c.k.includes(phone.slice(1))), "keys hold no phone numbers");
      },
    );

    await t.step("3 wrong codes lock the phone: even the right code is then 429", async () => {
      const phone = randomPhone();
      assert.equal((await api.request("POST", "/v1/auth/otp", { body: { phone } })).status, 202);
      const code = await api.latestCode(phone);
      const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
      for (let i = 0; i < 3; i++) {
        const res = await api.request("POST", "/v1/auth/verify", { body: { phone, code: wrong } });
        assert.equal(res.status, 422, JSON.stringify(res.body));
      }
      const locked = await api.request("POST", "/v1/auth/verify", { body: { phone, code } });
      assert.equal(locked.status, 429, JSON.stringify(locked.body));
      assert.ok(Number(locked.headers.get("retry-after")) > 500, "locked for OTP_LOCKOUT_SECONDS");
      const resend = await api.request("POST", "/v1/auth/otp", { body: { phone } });
      assert.equal(resend.status, 429);
      const locks = await keysWithTtl("vaidya:eph:otp_lock:*");
      assert.equal(locks.length, 1);
      assert.ok(locks[0].ttl > 0 && locks[0].ttl <= 600_000, JSON.stringify(locks));
    });

    const admin = await api.loginAdmin();
    const doctor = await createDoctor(api, admin);
    const day = dateInDays(3);
    const slotsPath = `/v1/doctors/${doctor.id}/slots?from=${day}&to=${day}`;
    const confirmedAt = new Map<string, number>();

    await t.step(
      "20 patients race for 16 slots; listings never offer a confirmed slot",
      async () => {
        const patients = await Promise.all(
          Array.from({ length: 20 }, () => api.login(randomPhone())),
        );
        let listings = 0;
        const violations: string[] = [];

        async function book(p: (typeof patients)[number]) {
          for (let attempt = 0; attempt < 4; attempt++) {
            const list = await api.request<{ slots: Slot[] }>("GET", slotsPath);
            assert.equal(list.status, 200);
            if (list.body.slots.length === 0) return;
            const slot = list.body.slots[Math.floor(Math.random() * list.body.slots.length)];
            const hold = await api.request<{ id: string }>("POST", "/v1/holds", {
              token: p.accessToken,
              body: { doctorId: doctor.id, start: slot.start },
            });
            if (hold.status === 409) continue;
            assert.equal(hold.status, 201, JSON.stringify(hold.body));
            const code = await api.latestCode(p.phone);
            const done = await api.request("POST", `/v1/holds/${hold.body.id}/confirm`, {
              token: p.accessToken,
              body: { code },
            });
            assert.equal(done.status, 201, JSON.stringify(done.body));
            assert.ok(!confirmedAt.has(slot.start), `double booking at ${slot.start}`);
            confirmedAt.set(slot.start, performance.now());
            return;
          }
        }

        async function watch() {
          for (let i = 0; i < 40; i++) {
            const startedAt = performance.now();
            const before = new Set(
              [...confirmedAt].filter(([, at]) => at < startedAt).map(([start]) => start),
            );
            const list = await api.request<{ slots: Slot[] }>("GET", slotsPath);
            assert.equal(list.status, 200);
            listings++;
            for (const s of list.body.slots) {
              if (before.has(s.start)) violations.push(`listing ${i} offered confirmed ${s.start}`);
            }
          }
        }

        await Promise.all([...patients.map(book), ...Array.from({ length: 5 }, watch)]);
        assert.deepEqual(violations, []);
        assert.ok(confirmedAt.size >= 1 && confirmedAt.size <= 16, `${confirmedAt.size} booked`);
        assert.equal(listings, 200);
        const after = await api.request<{ slots: Slot[] }>("GET", slotsPath);
        assert.equal(after.body.slots.length, 16 - confirmedAt.size);
        assert.ok(after.body.slots.every((s) => !confirmedAt.has(s.start)));
        // Listings come from the in-process calendar view, exact on every instance: no copy of
        // a slot list in Redis to go stale.
        assert.deepEqual(await keysWithTtl("vaidya:cache:slots:*"), []);
      },
    );

    await t.step(
      "Redis down: OTP 503, doctors and slots 200, readiness 503; then recovery",
      async () => {
        const patient = await api.login(randomPhone());
        const phone = randomPhone();
        await redis.restart(async () => {
          const send = await api.request("POST", "/v1/auth/otp", { body: { phone } });
          assert.equal(send.status, 503, JSON.stringify(send.body));
          assert.equal(send.body.code, "service_unavailable");
          assert.ok(send.headers.get("retry-after"));
          const verify = await api.request("POST", "/v1/auth/verify", {
            body: { phone, code: "123456" },
          });
          assert.equal(verify.status, 503);
          const list = await api.request<{ items: { id: string }[] }>("GET", "/v1/doctors");
          assert.equal(list.status, 200);
          assert.ok(list.body.items.some((d) => d.id === doctor.id));
          assert.equal((await api.request("GET", `/v1/doctors/${doctor.id}`)).status, 200);
          const slots = await api.request<{ slots: Slot[] }>("GET", slotsPath);
          assert.equal(slots.status, 200);
          assert.equal(slots.body.slots.length, 16 - confirmedAt.size, "from the source of truth");
          const mine = await api.request("GET", "/v1/appointments", { token: patient.accessToken });
          assert.equal(mine.status, 200, "per-user API limit fails open");
          const ready = await api.request<{ checks: Record<string, string> }>("GET", "/readyz");
          assert.equal(ready.status, 503);
          assert.equal(ready.body.checks.redis, "unavailable");
        });
        const ready = await api.request<{ checks: Record<string, string> }>("GET", "/readyz");
        assert.equal(ready.status, 200, JSON.stringify(ready.body));
        assert.equal(ready.body.checks.redis, "ok");
        const session = await api.login(phone);
        assert.equal(session.user.role, "patient");
        assert.equal((await api.request("GET", slotsPath)).status, 200);
        assert.match(server.logs(), /rate limiter unavailable/);
        assert.ok(!server.logs().includes(phone), "phones never in logs");
      },
    );
  } finally {
    await bridge.stop();
    await redis.stop();
  }
});
