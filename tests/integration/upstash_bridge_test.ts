/**
 * The Upstash REST bridge against a real redis-server, driven by the real `@upstash/redis` and
 * `@upstash/ratelimit` clients (and raw `fetch` where the wire format itself is the subject).
 * Every test starts and stops its own Redis and bridge.
 */
import assert from "node:assert/strict";
import { Redis, type RedisConfigNodejs } from "@upstash/redis";
import { Ratelimit } from "@upstash/ratelimit";
import {
  type BridgeUnderTest,
  type RedisUnderTest,
  startRedis,
  startUpstashBridge,
} from "../_harness/redis.ts";
import { rewriteScriptShebang, sha1Hex } from "../../scripts/upstash_bridge/script_rewrite.ts";

type ClientOptions = Partial<RedisConfigNodejs>;
interface Stack {
  redis: RedisUnderTest;
  bridge: BridgeUnderTest;
  client(options?: ClientOptions): Redis;
  raw(path: string, body?: BodyInit, headers?: HeadersInit): Promise<Response>;
}

async function withStack(fn: (stack: Stack) => Promise<void>): Promise<void> {
  const redis = await startRedis();
  let bridge: BridgeUnderTest | undefined;
  try {
    bridge = await startUpstashBridge(redis.port);
    const { url, token } = bridge;
    await fn({
      redis,
      bridge,
      client: (options) => new Redis({ url, token, enableTelemetry: false, ...options }),
      raw: (path, body, headers) =>
        fetch(`${url}${path}`, {
          method: body === undefined ? "GET" : "POST",
          body,
          headers: { authorization: `Bearer ${token}`, ...headers },
        }),
    });
  } finally {
    await bridge?.stop();
    await redis.stop();
  }
}

const LOCKING_SCRIPT =
  "#!lua flags=allow-key-locking\nreturn redis.call('INCRBY', KEYS[1], ARGV[1])";

Deno.test("bridge: strings with EX, incr and ttl, one request per command", () =>
  withStack(async ({ client }) => {
    const redis = client({ enableAutoPipelining: false });
    assert.equal(await redis.set("greeting", "namaste", { ex: 100 }), "OK");
    assert.equal(await redis.get("greeting"), "namaste");
    const ttl = await redis.ttl("greeting");
    assert.ok(ttl > 0 && ttl <= 100, `ttl should be in (0, 100], got ${ttl}`);
    assert.equal(await redis.incr("visits"), 1);
    assert.equal(await redis.incrby("visits", 41), 42);
    assert.equal(await redis.get("missing"), null);
  }));

Deno.test("bridge: auto-pipelined concurrent commands keep their own answers", () =>
  withStack(async ({ client }) => {
    const redis = client(); // auto-pipelining on, as in production: batches go to /pipeline
    await Promise.all(Array.from({ length: 20 }, (_, i) => redis.set(`slot:${i}`, `doctor-${i}`)));
    const values = await Promise.all(Array.from({ length: 20 }, (_, i) => redis.get(`slot:${i}`)));
    assert.deepEqual(values, Array.from({ length: 20 }, (_, i) => `doctor-${i}`));
  }));

Deno.test("bridge: hashes round-trip with automatic deserialization", () =>
  withStack(async ({ client }) => {
    const redis = client();
    assert.equal(await redis.hset("doctor:7", { name: "Dr. Asha", fee: 500, online: true }), 3);
    assert.equal(await redis.hget("doctor:7", "name"), "Dr. Asha");
    assert.deepEqual(await redis.hgetall("doctor:7"), { name: "Dr. Asha", fee: 500, online: true });
    assert.equal(await redis.hincrby("doctor:7", "fee", 50), 550);
  }));

Deno.test("bridge: sorted sets keep scores and order", () =>
  withStack(async ({ client }) => {
    const redis = client();
    await redis.zadd("ratings", { score: 4.5, member: "asha" }, { score: 3, member: "ravi" });
    assert.equal(await redis.zincrby("ratings", 2, "ravi"), 5);
    assert.deepEqual(await redis.zrange("ratings", 0, -1, { withScores: true }), [
      "asha",
      4.5,
      "ravi",
      5,
    ]);
    assert.equal(await redis.zscore("ratings", "asha"), 4.5);
    assert.equal(await redis.zrank("ratings", "ravi"), 1);
  }));

Deno.test("bridge: awkward text survives with and without base64 response encoding", () =>
  withStack(async ({ client }) => {
    const awkward = 'line1\nline2\r\n\t"quoted" \\ वैद्य आयुर्वेद 🌿 \u0000 end';
    for (const responseEncoding of ["base64", false] as const) {
      const redis = client({ responseEncoding, automaticDeserialization: false });
      await redis.set(`text:${responseEncoding}`, awkward);
      assert.equal(await redis.get(`text:${responseEncoding}`), awkward);
      assert.deepEqual(await redis.mget(`text:${responseEncoding}`, "nope"), [awkward, null]);
    }
  }));

Deno.test("bridge: a multi-megabyte value arrives whole, next to small ones", () =>
  withStack(async ({ client }) => {
    const redis = client();
    const big = "आयुर्वेद-".repeat(200_000); // ~4.6 MB of UTF-8, many TCP reads
    // Writes first: auto-pipelining sends reads and writes as two concurrent /pipeline requests.
    await Promise.all([redis.set("big", big), redis.set("small", "s")]);
    const [value, small] = await Promise.all([redis.get<string>("big"), redis.get("small")]);
    assert.equal(value?.length, big.length);
    assert.equal(value, big);
    assert.equal(small, "s");
  }));

Deno.test("bridge: non-UTF-8 bytes round-trip through the path form and base64", () =>
  withStack(async ({ raw }) => {
    const bytes = new Uint8Array([0xff, 0xfe, 0x00, 0x0a, 0x80, 0x41]);
    const set = await raw("/set/blob?EX=60", bytes);
    assert.deepEqual(await set.json(), { result: "OK" });
    const got = await raw("/get/blob", undefined, { "Upstash-Encoding": "base64" });
    const { result } = await got.json();
    assert.deepEqual(Uint8Array.from(atob(result), (c) => c.charCodeAt(0)), bytes);
    const plain = await raw("/strlen/blob");
    assert.deepEqual(await plain.json(), { result: 6 });
  }));

Deno.test("bridge: JSON values are serialised and parsed back by the client", () =>
  withStack(async ({ client }) => {
    const appointment = { id: "a1", slots: [9, 10.5], confirmed: false, note: null };
    await client().set("appointment:a1", appointment);
    assert.deepEqual(await client().get("appointment:a1"), appointment);
    const rawText = await client({ automaticDeserialization: false }).get("appointment:a1");
    assert.equal(rawText, JSON.stringify(appointment));
  }));

Deno.test("bridge: eval, scriptLoad and evalsha work, shebang flags included", () =>
  withStack(async ({ client }) => {
    const redis = client();
    assert.deepEqual(await redis.eval("return {KEYS[1], ARGV[1]}", ["k"], ["v"]), ["k", "v"]);
    const sha = await redis.scriptLoad(LOCKING_SCRIPT);
    assert.equal(sha, await sha1Hex(LOCKING_SCRIPT), "SCRIPT LOAD answers the original's SHA1");
    assert.deepEqual(await redis.scriptExists(sha, "0".repeat(40)), [1, 0]);
    assert.equal(await redis.evalsha(sha, ["counter"], [5]), 5);
    assert.equal(await redis.eval(LOCKING_SCRIPT, ["counter"], [2]), 7);
  }));

Deno.test("bridge: an unknown SHA answers NOSCRIPT so createScript falls back to EVAL", () =>
  withStack(async ({ client }) => {
    const redis = client();
    const script = `${LOCKING_SCRIPT} -- ${crypto.randomUUID()}`;
    await assert.rejects(redis.evalsha(await sha1Hex(script), ["c"], [1]), /NOSCRIPT/);
    const counter = redis.createScript<number>(script);
    assert.equal(await counter.exec(["c"], ["1"]), 1); // EVALSHA fails, EVAL succeeds
    assert.equal(await counter.evalsha(["c"], ["1"]), 2); // now known under the original SHA
  }));

Deno.test("rewriteScriptShebang() drops only flags Redis 7.0 does not know", () => {
  assert.equal(rewriteScriptShebang("#!lua flags=allow-key-locking\nreturn 1"), "#!lua\nreturn 1");
  assert.equal(
    rewriteScriptShebang("#!lua flags=allow-key-locking,no-writes\nreturn 1"),
    "#!lua flags=no-writes\nreturn 1",
  );
  assert.equal(rewriteScriptShebang("return 1"), "return 1");
});

Deno.test("bridge: pipeline() answers in order and reports a failing command", () =>
  withStack(async ({ client }) => {
    const redis = client();
    const results = await redis.pipeline().set("p", 1).incr("p").get("p").hset("ph", { a: 1 })
      .exec();
    assert.deepEqual(results, ["OK", 2, 2, 1]);
    const failing = redis.pipeline().set("name", "asha").incr("name").get("name");
    await assert.rejects(failing.exec(), /Command 2 \[ incr \] failed: ERR value is not an int/);
    const kept = await redis.pipeline().incr("name").get("name").exec({ keepErrors: true });
    assert.match(String(kept[0].error), /ERR value is not an integer/);
    assert.equal(kept[1].result, "asha");
  }));

Deno.test("bridge: multi() runs a transaction and reports runtime errors per command", () =>
  withStack(async ({ client }) => {
    const redis = client();
    assert.deepEqual(await redis.multi().set("m", 10).incr("m").get("m").exec(), ["OK", 11, 11]);
    const failing = redis.multi().set("list", "x").lpush("list", "y").get("list");
    await assert.rejects(failing.exec(), /Command 2 \[ lpush \] failed: WRONGTYPE/);
    assert.equal(await redis.get("list"), "x", "SET before the failing command still ran");
  }));

Deno.test("bridge: a wrong token is refused with 401 and an Upstash error body", () =>
  withStack(async ({ bridge, client }) => {
    const intruder = client({ token: "not-the-token", retry: false });
    await assert.rejects(intruder.get("anything"), /Unauthorized/);
    const res = await fetch(`${bridge.url}/get/anything`, {
      headers: { authorization: "Bearer not-the-token" },
    });
    assert.equal(res.status, 401);
    assert.match((await res.json()).error, /Unauthorized/);
    const viaQuery = await fetch(`${bridge.url}/ping?_token=${bridge.token}`);
    assert.deepEqual(await viaQuery.json(), { result: "PONG" });
  }));

Deno.test("bridge: a Redis error is a 400 {error} and a rejected client call", () =>
  withStack(async ({ client, raw }) => {
    await client().set("word", "hello");
    await assert.rejects(client({ enableAutoPipelining: false }).incr("word"), /ERR value is not/);
    const res = await raw("/", JSON.stringify(["INCR", "word"]));
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), { error: "ERR value is not an integer or out of range" });
  }));

for (
  const [name, limiter] of [
    ["slidingWindow", Ratelimit.slidingWindow(3, "60 s")],
    ["fixedWindow", Ratelimit.fixedWindow(3, "60 s")],
    ["tokenBucket", Ratelimit.tokenBucket(1, "60 s", 3)],
  ] as const
) {
  Deno.test(`Ratelimit.${name}: 3 allowed, then blocked until a future reset`, () =>
    withStack(async ({ client }) => {
      const ratelimit = new Ratelimit({
        redis: client(),
        limiter,
        prefix: `rl-${name}`,
        analytics: false,
        ephemeralCache: false, // every decision must come from Redis, not an in-memory cache
        timeout: 0, // no fail-open: a broken bridge must fail the test
      });
      const before = Date.now();
      const outcomes = [];
      for (let i = 0; i < 4; i++) outcomes.push(await ratelimit.limit("patient-42"));
      await Promise.all(outcomes.map((o) => o.pending));
      assert.deepEqual(outcomes.map((o) => o.success), [true, true, true, false]);
      assert.deepEqual(outcomes.map((o) => o.remaining), [2, 1, 0, 0]);
      assert.ok(outcomes[3].reset > before, `reset ${outcomes[3].reset} should be after ${before}`);
      assert.equal((await ratelimit.limit("patient-43")).success, true, "other ids are separate");
    }));
}

Deno.test("bridge: answers 503 while Redis is down and recovers after a restart", () =>
  withStack(async ({ redis, client, raw }) => {
    const app = client({ retry: false });
    const ratelimit = new Ratelimit({
      redis: app,
      limiter: Ratelimit.fixedWindow(5, "60 s"),
      analytics: false,
      ephemeralCache: false,
      timeout: 0,
    });
    await app.set("before-restart", "yes");
    assert.equal((await ratelimit.limit("p")).remaining, 4); // script now cached in Redis
    await redis.restart(async () => {
      const res = await raw("/get/before-restart");
      assert.equal(res.status, 503);
      assert.match((await res.json()).error, /Cannot connect to Redis at 127\.0\.0\.1:\d+/);
      await assert.rejects(app.get("before-restart"), /Cannot connect to Redis/);
    });
    assert.equal(await app.get("before-restart"), null, "fresh server: no persistence");
    await app.set("after-restart", "yes");
    assert.equal(await app.get("after-restart"), "yes");
    // The restarted Redis has no scripts: EVALSHA → NOSCRIPT → EVAL must happen transparently.
    assert.equal((await ratelimit.limit("p")).remaining, 4);
  }));
