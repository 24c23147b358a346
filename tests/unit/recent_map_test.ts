/**
 * RecentMap (src/stores/kv/recent_map.ts), the bound of the calendar view and of its version
 * reads: it never holds more than its bound, a key used since the last eviction outlives one that
 * was not, and reads and writes of a kept key do not reorder or drop anything.
 */
import assert from "node:assert/strict";
import { RecentMap } from "../../src/stores/kv/recent_map.ts";

Deno.test("RecentMap keeps at most its bound and drops the oldest key not used since", () => {
  const map = new RecentMap<string, number>(3);
  map.set("a", 1);
  map.set("b", 2);
  map.set("c", 3);
  assert.equal(map.get("a"), 1); // used: survives the next eviction
  map.set("d", 4);
  assert.equal(map.size, 3);
  assert.equal(map.has("b"), false, "b is the oldest unused key");
  assert.deepEqual(["a", "c", "d"].map((k) => map.get(k)), [1, 3, 4]);
  // All used now; the order is c, a (moved back by the last pass), d: the pass unmarks them in
  // that order and drops the first of them.
  map.set("e", 5);
  assert.equal(map.size, 3);
  assert.equal(map.has("c"), false);
  assert.deepEqual(["a", "d", "e"].map((k) => map.has(k)), [true, true, true]);
});

Deno.test("RecentMap updates a kept key in place and marks it used", () => {
  const map = new RecentMap<string, string>(2);
  map.set("a", "old");
  map.set("b", "b");
  map.set("a", "new"); // a write is a use
  map.set("c", "c");
  assert.equal(map.has("b"), false);
  assert.equal(map.get("a"), "new");
  assert.equal(map.get("c"), "c");
  map.delete("a");
  assert.equal(map.get("a"), undefined);
  assert.equal(map.size, 1);
});

Deno.test("RecentMap with a bound of one and has() that is not a use", () => {
  const map = new RecentMap<number, number>(1);
  map.set(1, 1);
  assert.equal(map.get(1), 1);
  map.set(2, 2);
  assert.deepEqual([map.has(1), map.get(2), map.size], [false, 2, 1]);
  assert.throws(() => new RecentMap(0), RangeError);
  const kept = new RecentMap<string, number>(2);
  kept.set("x", 1);
  kept.set("y", 2);
  assert.equal(kept.has("x"), true); // not a use: x stays the first to go
  kept.set("z", 3);
  assert.deepEqual([kept.has("x"), kept.has("y"), kept.has("z")], [false, true, true]);
});
