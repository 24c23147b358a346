/**
 * One contract for the EphemeralStore port, run against Deno KV (`:memory:`) and Upstash (a real
 * redis-server behind the local REST bridge). Each adapter must give the same answers, including
 * under concurrency; the Upstash adapter must also fail closed (503) while Redis is down.
 */
import assert from "node:assert/strict";
import { ServiceUnavailableError } from "../../src/errors.ts";
import type { EphemeralStore } from "../../src/stores/ports.ts";
import { createKvEphemeralStore } from "../../src/stores/kv/ephemeral_store.ts";
import { createUpstashConnection } from "../../src/stores/upstash/client.ts";
import { createUpstashEphemeralStore } from "../../src/stores/upstash/ephemeral_store.ts";
import { startDenoKv } from "../_harness/denokv.ts";
import { type RedisUnderTest, startRedis, startUpstashBridge } from "../_harness/redis.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const uniq = () => crypto.randomUUID();

async function contract(t: Deno.TestContext, store: EphemeralStore) {
  await t.step("get() of a missing key is null and ttl() is 0", async () => {
    assert.equal(await store.get(`missing:${uniq()}`), null);
    assert.equal(await store.ttl(`missing:${uniq()}`), 0);
  });

  await t.step("set() then get() round-trips JSON values, strings stay strings", async () => {
    const values = [{ id: "otp_1", hash: "abc", expiresAtMs: 17 }, "123", 42, true, ["a", 1]];
    for (const value of values) {
      const key = `v:${uniq()}`;
      await store.set(key, value, 60_000);
      assert.deepEqual(await store.get(key), value);
      const ttl = await store.ttl(key);
      assert.ok(ttl > 0 && ttl <= 60_000, `ttl ${ttl} should be in (0, 60000]`);
    }
  });

  await t.step("a value is gone after its TTL", async () => {
    const key = `short:${uniq()}`;
    await store.set(key, "soon gone", 60);
    await sleep(150);
    assert.equal(await store.get(key), null);
    assert.equal(await store.ttl(key), 0);
    assert.equal(await store.take(key), false);
  });

  await t.step("setIfAbsent(): of 10 concurrent callers exactly one sets", async () => {
    const key = `nx:${uniq()}`;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.setIfAbsent(key, i, 60_000)),
    );
    assert.equal(results.filter(Boolean).length, 1);
    assert.equal(await store.get(key), results.indexOf(true));
    assert.equal(await store.setIfAbsent(key, "again", 60_000), false);
  });

  await t.step("take(): single use, one of 10 concurrent callers wins", async () => {
    const key = `once:${uniq()}`;
    assert.equal(await store.take(key), false);
    await store.set(key, "code-hash", 60_000);
    const results = await Promise.all(Array.from({ length: 10 }, () => store.take(key)));
    assert.equal(results.filter(Boolean).length, 1);
    assert.equal(await store.get(key), null);
  });

  await t.step("increment(): 20 concurrent adds give 1..20 and the TTL starts once", async () => {
    const key = `count:${uniq()}`;
    assert.equal(await store.increment(key, 60_000), 1);
    const firstTtl = await store.ttl(key);
    const counts = await Promise.all(
      Array.from({ length: 19 }, () => store.increment(key, 600_000)),
    );
    assert.deepEqual(
      [...counts].sort((a, b) => a - b),
      Array.from({ length: 19 }, (_, i) => i + 2),
    );
    assert.equal(await store.get(key), 20);
    const laterTtl = await store.ttl(key);
    assert.ok(laterTtl > 0 && laterTtl <= firstTtl, `TTL ${laterTtl} must not be extended`);
  });

  await t.step(
    "increment() with a cap: 80 concurrent adds count to the cap, never past",
    async () => {
      const key = `capped:${uniq()}`;
      const counts = await Promise.all(
        Array.from({ length: 80 }, () => store.increment(key, 60_000, 5)),
      );
      assert.deepEqual(
        [...counts].sort((a, b) => a - b),
        [1, 2, 3, 4, 5, ...Array.from({ length: 75 }, () => 6)],
      );
      assert.equal(await store.get(key), 5);
    },
  );

  await t.step("increment(): 100 concurrent adds are all counted", async () => {
    const key = `burst:${uniq()}`;
    await Promise.all(Array.from({ length: 100 }, () => store.increment(key, 60_000)));
    assert.equal(await store.get(key), 100);
  });

  await t.step("an increment window ends with its TTL and starts again at 1", async () => {
    const key = `window:${uniq()}`;
    await store.increment(key, 60);
    await store.increment(key, 60);
    await sleep(150);
    assert.equal(await store.increment(key, 60_000), 1);
  });

  await t.step("ping() answers", async () => {
    await store.ping();
  });
}

Deno.test("EphemeralStore contract: Deno KV", async (t) => {
  const kv = await Deno.openKv(":memory:");
  try {
    await contract(t, createKvEphemeralStore(kv));
  } finally {
    kv.close();
  }
});

Deno.test("EphemeralStore contract: Deno KV on a denokv server (KV Connect)", async (t) => {
  const denokv = await startDenoKv();
  const kv = await denokv.open();
  try {
    await contract(t, createKvEphemeralStore(kv));
  } finally {
    kv.close();
    await denokv.stop();
  }
});

Deno.test("EphemeralStore contract: Upstash over real Redis", async (t) => {
  const redis: RedisUnderTest = await startRedis();
  const bridge = await startUpstashBridge(redis.port);
  try {
    const conn = createUpstashConnection({ url: bridge.url, token: bridge.token, timeoutMs: 1500 });
    const store = createUpstashEphemeralStore(conn);
    await contract(t, store);

    await t.step("every operation fails closed with 503 while Redis is down", async () => {
      await store.set("survivor", 1, 60_000);
      await redis.restart(async () => {
        const calls: [string, () => Promise<unknown>][] = [
          ["get", () => store.get("survivor")],
          ["set", () => store.set("k", 1, 1000)],
          ["setIfAbsent", () => store.setIfAbsent("k", 1, 1000)],
          ["take", () => store.take("k")],
          ["increment", () => store.increment("k", 1000)],
          ["ttl", () => store.ttl("k")],
          ["ping", () => store.ping()],
        ];
        for (const [name, call] of calls) {
          await assert.rejects(call(), (err: unknown) => {
            assert.ok(err instanceof ServiceUnavailableError, `${name}: ${err}`);
            assert.equal(err.status, 503);
            return true;
          });
        }
      });
      await store.ping();
      assert.equal(await store.increment(`after:${uniq()}`, 1000), 1, "works again after restart");
    });

    await t.step("a wrong token is a 503, not a silent success", async () => {
      const bad = createUpstashEphemeralStore(
        createUpstashConnection({ url: bridge.url, token: "wrong", timeoutMs: 1500 }),
      );
      await assert.rejects(bad.get("x"), ServiceUnavailableError);
    });

    await t.step("a bridge that never answers fails within the timeout", async () => {
      const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const accepted: Deno.Conn[] = [];
      const accepting = (async () => {
        for await (const c of silent) accepted.push(c);
      })();
      try {
        const port = (silent.addr as Deno.NetAddr).port;
        const hung = createUpstashEphemeralStore(
          createUpstashConnection({ url: `http://127.0.0.1:${port}`, token: "t", timeoutMs: 100 }),
        );
        await assert.rejects(hung.get("x"), ServiceUnavailableError);
      } finally {
        silent.close();
        for (const c of accepted) c.close();
        await accepting.catch(() => {});
      }
    });
  } finally {
    await bridge.stop();
    await redis.stop();
  }
});
