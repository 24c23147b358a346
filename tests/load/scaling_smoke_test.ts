/**
 * `deno task load --instances 2`, small: 1 then 2 instances behind nginx on denokv each confirm
 * every booking with no 5xx, and the wire meter between the instances and denokv sees the store
 * work a booking needs (reads, commits within denokv's 10 checks each, bytes). Correctness only;
 * the figures themselves go to docs/SCALING.md from a full run.
 */
import assert from "node:assert/strict";
import { DEFAULT_OPTIONS } from "../../scripts/load/options.ts";
import { runScaling } from "../../scripts/load/scaling.ts";
import { countRequest, type KvWireCounts } from "../../scripts/load/kv_wire_meter.ts";

Deno.test({
  name: "runScaling() books on 1 and 2 instances and meters the KV Connect traffic per booking",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const r = await runScaling({
      ...DEFAULT_OPTIONS,
      doctors: 6,
      bookings: 20,
      concurrency: 6,
      maxSeconds: 120,
      quiet: true,
    }, 2);
    assert.deepEqual(r.steps.map((s) => s.instances), [1, 2]);
    for (const s of r.steps) {
      assert.equal(s.confirmed, 20);
      assert.equal(s.status5xx, 0, JSON.stringify(s.stats.errors));
      assert.equal(s.kv.unparsed, 0);
      assert.ok(s.perBooking.reads >= 1 && s.perBooking.commits >= 2, JSON.stringify(s.kv));
      assert.ok(s.kv.checks <= s.kv.commits * 10, "no commit above denokv's 10 checks");
      assert.ok(s.perBooking.bytesToKv > 0 && s.perBooking.bytesFromKv > 0);
    }
    assert.ok(r.ok);
  },
});

Deno.test("countRequest() tells a snapshot read from an atomic write by their protobuf fields", () => {
  const counts = { reads: 0, readRanges: 0, commits: 0, checks: 0, mutations: 0, watches: 0 };
  // SnapshotRead{ranges: [{start: "a", end: "b", limit: 1}]}
  countRequest(
    new Uint8Array([0x0a, 0x08, 0x0a, 0x01, 0x61, 0x12, 0x01, 0x62, 0x18, 0x01]),
    counts as KvWireCounts,
  );
  // AtomicWrite{checks: [{key: "k"}], mutations: [{key: "k"}, {key: "m"}]}
  countRequest(
    new Uint8Array([
      0x0a,
      0x03,
      0x0a,
      0x01,
      0x6b,
      0x12,
      0x03,
      0x0a,
      0x01,
      0x6b,
      0x12,
      0x03,
      0x0a,
      0x01,
      0x6d,
    ]),
    counts as KvWireCounts,
  );
  assert.deepEqual(counts, {
    reads: 1,
    readRanges: 1,
    commits: 1,
    checks: 1,
    mutations: 2,
    watches: 0,
  });
});
