/**
 * Upstash commands grouped into pipelines (src/stores/upstash/client.ts, `groupedRequests`) on a
 * real redis-server behind the repo's Upstash REST bridge: concurrent callers' commands go as fewer
 * REST requests carrying every command once, each caller gets its own answer, a command that fails
 * fails its own caller only, commands keep their call order (a read asked after a write answered
 * sees it; increments from many callers all count), and a request that cannot be answered fails
 * every caller it carried; each request is bounded by the connection's timeout, and one that answered
 * leaves no timer behind.
 */
import assert from "node:assert/strict";
import { ServiceUnavailableError } from "../../src/errors.ts";
import { createUpstashConnection, redisCall } from "../../src/stores/upstash/client.ts";
import { createUpstashEphemeralStore } from "../../src/stores/upstash/ephemeral_store.ts";
import { startRedis, startUpstashBridge } from "../_harness/redis.ts";
import { startSilentServer } from "../_harness/silent_server.ts";

interface Logged {
  path: string;
  commands: number;
}

async function withBridge(
  fn: (conn: ReturnType<typeof createUpstashConnection>, requests: Logged[]) => Promise<void>,
) {
  const redis = await startRedis();
  const requests: Logged[] = [];
  const bridge = await startUpstashBridge(redis.port, undefined, (entry) => {
    requests.push({ path: String(entry.path), commands: Number(entry.commands) });
  });
  try {
    await fn(
      createUpstashConnection({ url: bridge.url, token: bridge.token, timeoutMs: 1_500 }),
      requests,
    );
  } finally {
    await bridge.stop();
    await redis.stop();
  }
}

Deno.test("upstash grouping: 60 concurrent commands in fewer requests, each caller its own answer", async () => {
  await withBridge(async (conn, requests) => {
    const store = createUpstashEphemeralStore(conn);
    const keys = Array.from({ length: 30 }, (_, i) => `g:${i}:${crypto.randomUUID()}`);
    await Promise.all(keys.map((k, i) => store.set(k, { i, k }, 60_000)));
    const writes = requests.splice(0);
    const values = await Promise.all(keys.map((k) => store.get<{ i: number; k: string }>(k)));
    const reads = requests.splice(0);
    values.forEach((v, i) => assert.deepEqual(v, { i, k: keys[i] }));
    for (const batch of [writes, reads]) {
      assert.equal(batch.reduce((n, r) => n + r.commands, 0), keys.length, "every command once");
      assert.ok(
        batch.length < keys.length / 2,
        `${keys.length} commands in ${batch.length} requests`,
      );
      assert.ok(batch.some((r) => r.path === "/pipeline"));
    }
    // Alone, a command goes as a single request, as before.
    assert.deepEqual(await store.get(keys[0]), { i: 0, k: keys[0] });
    assert.deepEqual(requests.splice(0), [{ path: "/", commands: 1 }]);
  });
});

Deno.test("upstash grouping: a failing command fails its own caller only; order is kept", async () => {
  await withBridge(async (conn) => {
    const redis = conn.redis;
    const text = `t:${crypto.randomUUID()}`;
    const count = `c:${crypto.randomUUID()}`;
    await redis.set(text, "not a number");
    const [bad, set, read] = await Promise.allSettled([
      redis.incr(text),
      redis.set(count, "5"),
      redis.get(count), // asked after the set in the same pipeline: sees it
    ]);
    assert.equal(bad.status, "rejected");
    assert.match(String(bad.status === "rejected" && bad.reason), /not an integer/);
    assert.deepEqual(set, { status: "fulfilled", value: "OK" });
    assert.deepEqual(read, { status: "fulfilled", value: "5" });

    // 50 callers counting on one key, through the store's script: every one counts.
    const store = createUpstashEphemeralStore(conn);
    const key = `n:${crypto.randomUUID()}`;
    const seen = await Promise.all(Array.from({ length: 50 }, () => store.increment(key, 60_000)));
    assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i + 1));
  });
});

Deno.test("upstash grouping: a request that cannot be answered fails every caller as 503", async () => {
  const redis = await startRedis();
  const bridge = await startUpstashBridge(redis.port);
  const conn = createUpstashConnection({ url: bridge.url, token: bridge.token, timeoutMs: 1_000 });
  try {
    await bridge.stop();
    const results = await Promise.allSettled(
      ["a", "b", "c"].map((k) => redisCall(conn, "read a key", (r) => r.get(k))),
    );
    for (const r of results) {
      assert.equal(r.status, "rejected");
      assert.ok(r.reason instanceof ServiceUnavailableError, String(r.reason));
      assert.doesNotMatch(String(r.reason.message), /"a"|"b"|"c"/, "no key in the message");
    }
  } finally {
    await redis.stop();
  }
});

Deno.test("upstash requests: one that answered leaves no deadline behind to abort it later", async () => {
  const signals: AbortSignal[] = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
    if (init?.signal) signals.push(init.signal);
    return realFetch(input, init);
  }) as typeof fetch;
  const redis = await startRedis();
  const bridge = await startUpstashBridge(redis.port);
  try {
    const conn = createUpstashConnection({ url: bridge.url, token: bridge.token, timeoutMs: 200 });
    const key = `d:${crypto.randomUUID()}`;
    await conn.redis.set(key, "1");
    await Promise.all([conn.redis.get(key), conn.redis.get(key), conn.redis.incr(key)]);
    assert.ok(signals.length >= 2, `${signals.length} requests seen`);
    // Well past the deadline: a timer still set for an answered request would have fired by now.
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(signals.map((s) => s.aborted), signals.map(() => false));
  } finally {
    globalThis.fetch = realFetch;
    await bridge.stop();
    await redis.stop();
  }
});

Deno.test("upstash requests: one that gets no answer is aborted at its deadline and throws", async () => {
  const silent = startSilentServer();
  try {
    const conn = createUpstashConnection({
      url: `http://127.0.0.1:${silent.port}`,
      token: "t",
      timeoutMs: 300,
    });
    await assert.rejects(
      conn.redis.get("k"),
      // Thrown, not resolved with the abort's reason as the command's result.
      (err: Error) => err.name === "TimeoutError",
    );
  } finally {
    await silent.close();
  }
});
