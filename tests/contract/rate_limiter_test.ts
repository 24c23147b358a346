/**
 * One contract for the RateLimiter port, run against the KV store limiter (in memory and on a real
 * denokv) and the Upstash limiter (real redis-server behind the local REST bridge); plus the failure
 * policy: the Upstash limiter fails closed (503), `failOpenRateLimiter` lets requests through.
 */
import assert from "node:assert/strict";
import { ServiceUnavailableError } from "../../src/errors.ts";
import type { Logger } from "../../src/observability/logger.ts";
import { failOpenRateLimiter } from "../../src/ratelimit/fail_open.ts";
import { createStoreRateLimiter, type RateLimiter } from "../../src/ratelimit/rate_limiter.ts";
import { createUpstashRateLimiter } from "../../src/ratelimit/upstash_rate_limiter.ts";
import { createKvEphemeralStore } from "../../src/stores/kv/ephemeral_store.ts";
import { createUpstashConnection } from "../../src/stores/upstash/client.ts";
import { startDenoKv } from "../_harness/denokv.ts";
import { startRedis, startUpstashBridge } from "../_harness/redis.ts";

const rule = (limit: number, name = `r${crypto.randomUUID().slice(0, 8)}`) => ({
  name,
  limit,
  windowMs: 3_600_000,
});

async function contract(t: Deno.TestContext, limiter: RateLimiter) {
  await t.step(
    "allows `limit` requests, then refuses with remaining 0 and a future reset",
    async () => {
      const r = rule(3);
      const before = Date.now();
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await limiter.check(r, "patient-1"));
      assert.deepEqual(results.map((x) => x.allowed), [true, true, true, false]);
      assert.deepEqual(results.map((x) => x.remaining), [2, 1, 0, 0]);
      for (const x of results) {
        assert.equal(x.limit, 3);
        assert.ok(x.resetAtMs > before, `reset ${x.resetAtMs} should be after ${before}`);
        assert.ok(x.resetAtMs <= before + r.windowMs + 1000, "reset within one window");
      }
    },
  );

  await t.step("keys and rules are counted separately", async () => {
    const a = rule(1);
    const b = rule(1);
    assert.equal((await limiter.check(a, "k1")).allowed, true);
    assert.equal((await limiter.check(a, "k1")).allowed, false);
    assert.equal((await limiter.check(a, "k2")).allowed, true, "another key");
    assert.equal((await limiter.check(b, "k1")).allowed, true, "another rule");
  });

  await t.step("of 12 concurrent checks with limit 5 exactly 5 pass", async () => {
    const r = rule(5);
    const results = await Promise.all(Array.from({ length: 12 }, () => limiter.check(r, "ip-1")));
    assert.equal(results.filter((x) => x.allowed).length, 5);
  });
}

Deno.test("RateLimiter contract: KV store limiter", async (t) => {
  const kv = await Deno.openKv(":memory:");
  try {
    await contract(t, createStoreRateLimiter(createKvEphemeralStore(kv)));
  } finally {
    kv.close();
  }
});

Deno.test("RateLimiter contract: KV store limiter on a denokv server (KV Connect)", async (t) => {
  const denokv = await startDenoKv();
  const kv = await denokv.open();
  try {
    await contract(t, createStoreRateLimiter(createKvEphemeralStore(kv)));
  } finally {
    kv.close();
    await denokv.stop();
  }
});

Deno.test("RateLimiter contract: Upstash over real Redis", async (t) => {
  const redis = await startRedis();
  const bridge = await startUpstashBridge(redis.port);
  try {
    const conn = createUpstashConnection({ url: bridge.url, token: bridge.token, timeoutMs: 1500 });
    const limiter = createUpstashRateLimiter(conn);
    await contract(t, limiter);

    await t.step("keys live in Redis under vaidya:rl with a TTL", async () => {
      await limiter.check(rule(2, "otp_send_phone"), "phone-hash");
      const keys = await conn.redis.keys("vaidya:rl:otp_send_phone:phone-hash:*");
      assert.equal(keys.length, 1, `keys: ${keys}`);
      assert.ok(await conn.redis.pttl(keys[0]) > 0);
    });

    const warnings: string[] = [];
    const log: Logger = {
      debug() {},
      info() {},
      warn: (msg) => void warnings.push(msg),
      error() {},
    };
    await t.step("down: fails closed with 503; the fail-open wrapper lets through", async () => {
      const open = failOpenRateLimiter(limiter, log);
      await redis.restart(async () => {
        await assert.rejects(limiter.check(rule(5), "x"), ServiceUnavailableError);
        const through = await open.check(rule(5), "x");
        assert.equal(through.allowed, true);
        assert.equal((await open.check(rule(5), "x")).allowed, true, "paused: not asked again");
      });
      assert.equal(warnings.length, 1, "one warning per pause, not one per request");
      const r = rule(1);
      assert.equal((await limiter.check(r, "y")).allowed, true, "works after restart");
      assert.equal((await limiter.check(r, "y")).allowed, false);
    });
  } finally {
    await bridge.stop();
    await redis.stop();
  }
});
