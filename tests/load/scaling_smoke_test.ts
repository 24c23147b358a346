/**
 * `deno task load --instances 2`, small: 1 then 2 instances behind nginx on denokv each confirm
 * every booking with no 5xx, and the wire meter between the instances and denokv sees the store
 * work a booking needs (reads, commits within denokv's 10 checks each, bytes). Correctness only;
 * the figures themselves go to docs/SCALING.md from a full run.
 */
import assert from "node:assert/strict";
import { DEFAULT_OPTIONS } from "../../scripts/load/options.ts";
import { countsSince, renderScaling, runScaling } from "../../scripts/load/scaling.ts";
import { countRequest, emptyWireCounts, keySpaceOf } from "../../scripts/load/kv_wire_meter.ts";

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
      // Every confirm writes its appointment; the spaces add up to the mutations counted.
      assert.ok(s.kv.mutationsBySpace.appointment >= 20, JSON.stringify(s.kv.mutationsBySpace));
      const bySpace = Object.values(s.kv.mutationsBySpace).reduce((a, b) => a + b, 0);
      assert.ok(bySpace <= s.kv.mutations, `${bySpace} by space of ${s.kv.mutations}`);
      // Every listing reads a doctor's calendar; the ranges by space are every range read.
      assert.ok(s.kv.rangesBySpace.calendar >= 20, JSON.stringify(s.kv.rangesBySpace));
      const ranges = Object.values(s.kv.rangesBySpace).reduce((a, b) => a + b, 0);
      assert.equal(ranges, s.kv.readRanges);
    }
    assert.ok(r.ok);
    const report = renderScaling(r, {});
    assert.match(report, /Mutations per confirmed booking by key space/);
    assert.match(report, /Read ranges per confirmed booking by the key space/);
    assert.match(report, /\| `appointment` \| [0-9.]+ \| [0-9.]+ \|/);
    assert.match(report, /\| `calendar` \| [0-9.]+ \| [0-9.]+ \|/);
  },
});

Deno.test("countRequest() tells a snapshot read from an atomic write by their protobuf fields", () => {
  const counts = emptyWireCounts();
  // SnapshotRead{ranges: [{start: "a", end: "b", limit: 1}]}
  countRequest(
    new Uint8Array([0x0a, 0x08, 0x0a, 0x01, 0x61, 0x12, 0x01, 0x62, 0x18, 0x01]),
    counts,
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
    counts,
  );
  assert.deepEqual(counts, {
    ...emptyWireCounts(),
    reads: 1,
    readRanges: 1,
    commits: 1,
    checks: 1,
    mutations: 2,
    watches: 0,
    mutationsBySpace: { "?": 2 },
    rangesBySpace: { "?": 1 },
  });
});

/** A protobuf length-delimited field. */
const field = (n: number, bytes: Uint8Array) =>
  new Uint8Array([(n << 3) | 2, bytes.length, ...bytes]);
/** A KV key of one string part and one number part (as Deno KV encodes them, roughly). */
const kvKey = (space: string) =>
  new Uint8Array([0x02, ...new TextEncoder().encode(space), 0x00, 0x21, 0x80, 0, 0, 0, 0, 0, 0, 1]);

Deno.test("countRequest() counts an atomic write's mutations by the key space of their keys", () => {
  assert.equal(keySpaceOf(kvKey("audit_head")), "audit_head");
  assert.equal(keySpaceOf(new Uint8Array([0x21, 1])), "?");
  const counts = emptyWireCounts();
  // AtomicWrite{checks: [{key: audit_head}], mutations: [audit, audit, audit_head]}
  countRequest(
    new Uint8Array([
      ...field(1, field(1, kvKey("audit_head"))),
      ...field(2, field(1, kvKey("audit"))),
      ...field(2, field(1, kvKey("audit"))),
      ...field(2, field(1, kvKey("audit_head"))),
    ]),
    counts,
  );
  assert.equal(counts.commits, 1);
  assert.equal(counts.checks, 1);
  assert.deepEqual(counts.mutationsBySpace, { audit: 2, audit_head: 1 });
  const later = { ...counts, mutations: 5, mutationsBySpace: { audit: 3, audit_head: 1, hold: 2 } };
  assert.deepEqual(countsSince(counts, later).mutationsBySpace, { audit: 1, hold: 2 });
  assert.equal(countsSince(counts, later).mutations, 2);
});

Deno.test("countRequest() counts a snapshot read's ranges by the key space of their start", () => {
  const counts = emptyWireCounts();
  // SnapshotRead{ranges: [{start: calendar…, end: …, limit: 1}, {start: hold…, limit: 1}]}
  const range = (space: string) =>
    field(1, new Uint8Array([...field(1, kvKey(space)), ...field(2, kvKey(space)), 0x18, 0x01]));
  countRequest(new Uint8Array([...range("calendar"), ...range("hold")]), counts);
  countRequest(new Uint8Array([...range("calendar")]), counts);
  assert.equal(counts.reads, 2);
  assert.equal(counts.readRanges, 3);
  assert.deepEqual(counts.rangesBySpace, { calendar: 2, hold: 1 });
  const later = { ...counts, reads: 3, rangesBySpace: { calendar: 4, hold: 1 } };
  assert.deepEqual(countsSince(counts, later).rangesBySpace, { calendar: 2 });
  assert.equal(countsSince(counts, later).reads, 1);
});
