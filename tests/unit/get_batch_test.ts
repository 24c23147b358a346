/**
 * Strong gets asked together go out as one getMany (src/stores/kv/get_batch.ts), on a real KV:
 * each caller gets its own key's entry (an object of its own), at most 10 keys per getMany, a bad key
 * fails only its own caller, and a read after a commit answered sees it; on a `denokv` server the
 * handle's gets go the same way (`withBatchedGets`), everything else as the handle's own.
 */
import assert from "node:assert/strict";
import { batchedGet, withBatchedGets } from "../../src/stores/kv/get_batch.ts";
import { countingGets } from "../_harness/counting_kv.ts";
import { startDenoKv } from "../_harness/denokv.ts";

/**
 * A real in-memory KV whose reads are counted (`countingGets`); `calls()` tells them by method, with
 * the number of keys of each getMany.
 */
async function countedKv() {
  const kv = await Deno.openKv(":memory:");
  const { kv: counted, counted: reads } = countingGets(kv);
  const calls = () => ({ get: reads.gets, getMany: reads.getManys.map((keys) => keys.length) });
  return { kv, counted, calls };
}

Deno.test("batchedGet(): gets asked together are one getMany, each caller answered with its own key", async () => {
  const { kv, counted, calls } = await countedKv();
  try {
    await kv.atomic().set(["a"], 1).set(["b"], 2).set(["c"], 3).commit();
    const get = batchedGet(() => counted);
    const [a, b, absent, c] = await Promise.all([
      get(["a"]),
      get(["b"]),
      get(["absent"]),
      get(["c"]),
    ]);
    assert.deepEqual([a.value, b.value, absent.value, c.value], [1, 2, null, 3]);
    assert.deepEqual(a.key, ["a"]);
    assert.equal(absent.versionstamp, null);
    assert.equal(c.versionstamp, (await kv.get(["c"])).versionstamp);
    assert.deepEqual(calls(), { get: 0, getMany: [4] });

    // A get asked alone is sent as a get.
    assert.equal((await get(["b"])).value, 2);
    assert.deepEqual(calls(), { get: 1, getMany: [4] });
  } finally {
    kv.close();
  }
});

Deno.test("batchedGet(): at most 10 keys per getMany, and a key asked twice answered twice", async () => {
  const { kv, counted, calls } = await countedKv();
  try {
    const op = kv.atomic();
    for (let i = 0; i < 25; i++) op.set(["n", i], i);
    await op.commit();
    const get = batchedGet(() => counted);
    const keys = Array.from({ length: 25 }, (_, i) => ["n", i]);
    const entries = await Promise.all(keys.map((key) => get(key)));
    assert.deepEqual(entries.map((e) => e.value), keys.map((_, i) => i));
    assert.deepEqual(calls().getMany, [10, 10, 5]);

    // Each caller of a key asked twice gets an entry of its own: what one does to its value, the
    // other never sees.
    await kv.set(["record"], { name: "Asha" });
    const [first, second] = await Promise.all([
      get<{ name: string }>(["record"]),
      get<{ name: string }>(["record"]),
    ]);
    assert.notEqual(first.value, second.value);
    first.value!.name = "changed";
    assert.equal(second.value!.name, "Asha");
    assert.deepEqual(calls().getMany.at(-1), 2);
  } finally {
    kv.close();
  }
});

Deno.test("batchedGet(): a bad key in a batch fails only its own caller", async () => {
  const { kv, counted, calls } = await countedKv();
  try {
    await kv.set(["ok"], "yes");
    const get = batchedGet(() => counted);
    const tooLong = ["x".repeat(3_000)]; // past Deno KV's 2 KiB key limit
    const [ok, bad, again] = await Promise.allSettled([get(["ok"]), get(tooLong), get(["ok"])]);
    assert.equal(ok.status === "fulfilled" && ok.value.value, "yes");
    assert.equal(again.status === "fulfilled" && again.value.value, "yes");
    assert.equal(bad.status, "rejected");
    assert.equal(calls().getMany.length, 1, "the batch was tried once");
    assert.equal(calls().get, 3, "then each get alone");
  } finally {
    kv.close();
  }
});

Deno.test("batchedGet(): eventual gets go alone, and every read after a commit answered sees it", async () => {
  const { kv, counted, calls } = await countedKv();
  try {
    const get = batchedGet(() => counted);
    await kv.set(["e"], 1);
    const [strong, eventual] = await Promise.all([
      get(["e"]),
      get(["e"], { consistency: "eventual" }),
    ]);
    assert.equal(strong.value, 1);
    assert.equal(eventual.value, 1);
    assert.deepEqual(calls(), { get: 2, getMany: [] });

    // 20 callers each commit and read back at once: every read is batched with others' and
    // current.
    let stale = 0;
    await Promise.all(Array.from({ length: 20 }, async (_, w) => {
      for (let i = 0; i < 10; i++) {
        const res = await kv.set(["w", w], i);
        const read = await get(["w", w]);
        if (read.value !== i || read.versionstamp !== res.versionstamp) stale++;
      }
    }));
    assert.equal(stale, 0);
    assert.ok(calls().getMany.length > 0 && calls().getMany.length < 200, "reads were batched");
  } finally {
    kv.close();
  }
});

Deno.test("batchedGet(): reads from whichever handle the getter gives when the batch is sent", async () => {
  const first = await Deno.openKv(":memory:");
  const second = await Deno.openKv(":memory:");
  try {
    await first.set(["k"], "first");
    await second.set(["k"], "second");
    let reader = first;
    const get = batchedGet(() => reader);
    assert.equal((await get(["k"])).value, "first");
    const asked = get(["k"]);
    reader = second; // handed over before the batch is sent
    assert.equal((await asked).value, "second");
  } finally {
    first.close();
    second.close();
  }
});

Deno.test("batchedGet(): a reader that throws fails the batch's callers, not the process", async () => {
  const get = batchedGet(() => {
    throw new Error("no reader");
  });
  const results = await Promise.allSettled([get(["a"]), get(["b"])]);
  assert.deepEqual(results.map((r) => r.status), ["rejected", "rejected"]);
  assert.deepEqual(results.map((r) => r.status === "rejected" && String(r.reason)), [
    "Error: no reader",
    "Error: no reader",
  ]);
});

Deno.test("withBatchedGets(): on a denokv server, gets asked together are one getMany; the rest is the handle's own", async () => {
  const server = await startDenoKv();
  try {
    const client = await server.open();
    try {
      const { kv: counted, counted: reads } = countingGets(client);
      const kv = withBatchedGets(counted);
      const res = await kv.atomic().set(["a"], 1).set(["b"], 2).commit();
      assert.ok(res.ok);
      const [a, absent, b] = await Promise.all([kv.get(["a"]), kv.get(["absent"]), kv.get(["b"])]);
      assert.deepEqual([a.value, absent.value, b.value], [1, null, 2]);
      assert.equal(b.versionstamp, res.versionstamp);
      assert.deepEqual(reads.getManys.map((keys) => keys.length), [3]);
      assert.equal(reads.gets, 0);
      // getMany, list and the rest are the handle's own.
      assert.deepEqual((await kv.getMany([["a"], ["b"]])).map((e) => e.value), [1, 2]);
      const listed = [];
      for await (const e of kv.list({ prefix: [] })) listed.push(e.key);
      assert.deepEqual(listed, [["a"], ["b"]]);
    } finally {
      client.close();
    }
  } finally {
    await server.stop();
  }
});
