/**
 * The load harness, small, as a correctness test: a real server process on a temp KV, 50
 * doctors, 300 bookings through the HTTP flow with the app killed (SIGKILL) and restarted midway,
 * then 100 clients racing for 5 slots; verified from the KV file after the server stopped.
 * Asserts correctness only — exact winners, clean 409s, no 5xx, no overlaps, every 201 stored —
 * never timings (those belong to `deno task load` and docs/BENCHMARKS.md).
 */
import assert from "node:assert/strict";
import { DEFAULT_OPTIONS } from "../../scripts/load/options.ts";
import { runLoad } from "../../scripts/load/run.ts";

Deno.test({
  name: "runLoad() books 300 across a SIGKILL without double-booking or losing a 201",
  // The harness keeps pooled loopback connections and child-process pipes across steps.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const out = await Deno.makeTempDir({ prefix: "vaidya-load-smoke-" });
    try {
      const r = await runLoad({
        ...DEFAULT_OPTIONS,
        doctors: 50,
        bookings: 300,
        concurrency: 20,
        faults: true,
        out,
        maxSeconds: 150,
        hotClients: 100,
        hotSlots: 5,
        listConcurrency: 20,
        listRequests: 200,
        baseline: false,
        settleSeconds: 1,
        quiet: true,
      });

      assert.equal(r.booking.faults.length, 1, "the app was killed and restarted once");
      assert.equal(r.booking.faults[0].fault, "app_sigkill");
      assert.equal(
        r.booking.faults[0].signal,
        "SIGKILL",
        "the app died of SIGKILL, not a clean stop",
      );
      assert.equal(r.booking.faults[0].error, undefined, JSON.stringify(r.booking.faults));
      assert.equal(r.booking.confirmed, 300, "every booking confirmed despite the crash");
      // Two generator processes booked, each its share, and their CPU is counted.
      assert.equal(r.booking.generatorProcesses, 2);
      assert.equal(r.booking.generatorCpuSeconds.length, 2);
      assert.ok(r.booking.generatorCpuSeconds.every((s) => s > 0));
      assert.equal(r.booking.stats.status5xx, 0, JSON.stringify(r.booking.stats.errors));

      assert.equal(r.hotSlot.loggedIn, 100);
      assert.equal(r.hotSlot.winners, 5, JSON.stringify(r.hotSlot.outcomes));
      assert.deepEqual(Object.values(r.hotSlot.winnersPerSlot), [1, 1, 1, 1, 1]);
      assert.equal(r.hotSlot.conflicts409, 95, JSON.stringify(r.hotSlot.outcomes));
      assert.equal(r.hotSlot.status5xx, 0);

      assert.equal(r.listing.status5xx, 0);
      assert.deepEqual(r.verify.overlaps, [], "no doctor has overlapping active appointments");
      assert.deepEqual(r.verify.missing, [], "every 201 confirm is in the store");
      assert.deepEqual(r.verify.changed, []);
      assert.equal(r.verify.confirmedByClients, 305);
      assert.ok(r.verify.activeInStore >= 305);
      // The second memory reading, after the idle wait, comes from the still-running server.
      assert.equal(r.server.settled?.afterSeconds, 1);
      assert.ok((r.server.settled?.rssMb ?? 0) > 0, JSON.stringify(r.server));
      assert.ok(r.ok);
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});
