/**
 * The KV deadline wrapper passes every call through unchanged while the store answers (chained
 * atomic operations, list pages, getMany). Its timeout against a stopped `denokv` is tested in
 * tests/contract/denokv_outage_test.ts.
 */
import assert from "node:assert/strict";
import { withKvDeadline } from "../../src/stores/kv/kv_deadline.ts";

Deno.test("withKvDeadline() passes atomic chains, lists and reads through to the KV", async () => {
  const raw = await Deno.openKv(":memory:");
  const kv = withKvDeadline(raw, 1_000);
  try {
    const first = await kv.atomic().check({ key: ["a"], versionstamp: null }).set(["a"], 1)
      .set(["b"], 2).commit();
    assert.equal(first.ok, true);
    const again = await kv.atomic().check({ key: ["a"], versionstamp: null }).set(["a"], 9)
      .commit();
    assert.equal(again.ok, false, "a failed check still fails through the wrapper");
    assert.deepEqual((await kv.getMany([["a"], ["b"]])).map((e) => e.value), [1, 2]);
    await kv.set(["c"], 3);
    const seen: unknown[] = [];
    for await (const entry of kv.list({ prefix: [] }, { batchSize: 1 })) seen.push(entry.value);
    assert.deepEqual(seen, [1, 2, 3]);
    const iter = kv.list({ prefix: [] }, { limit: 1 });
    await iter.next();
    assert.equal(typeof iter.cursor, "string", "iterator properties are the real ones");
    await kv.delete(["c"]);
    assert.equal((await kv.get(["c"])).value, null);
  } finally {
    raw.close();
  }
});
