import assert from "node:assert/strict";
import { ENVELOPE_KIND, type EventEnvelope } from "../../../src/events/event_types.ts";
import { writeToOutbox } from "../../../src/events/outbox.ts";
import { recordingRelay } from "./_harness.ts";
import { createAppMetrics, recordOutboxStats } from "../../../src/observability/metrics.ts";

const START = 1_700_000_000_000;

function entry(id: string, dueMs: number): EventEnvelope {
  return {
    kind: ENVELOPE_KIND,
    handler: "waitlist.notify",
    event: { id, type: "slot.released", occurredAtMs: dueMs, data: {} },
    attempt: 0,
    notBeforeMs: dueMs,
  };
}

Deno.test("the relay reports outbox depth and the oldest due entry's age as gauges", async () => {
  const kv = await Deno.openKv(":memory:");
  const metrics = createAppMetrics();
  await writeToOutbox(kv, [
    entry("e1", START - 90_000),
    entry("e2", START - 1_000),
    entry("e3", START + 3_600_000),
  ]);
  // Another instance holds every lease: nothing is delivered, everything stays.
  const { relay, seen } = recordingRelay(kv, {
    now: () => START,
    onStats: (s) => recordOutboxStats(metrics, s),
  });
  await relay.drainOnce();
  assert.deepEqual(seen, ["e1", "e2"], "only due entries, oldest first");
  const text = metrics.registry.render();
  assert.match(text, /vaidya_outbox_depth\{state="due"\} 2\n/);
  assert.match(text, /vaidya_outbox_depth\{state="scheduled"\} 1\n/);
  assert.match(text, /vaidya_outbox_oldest_due_age_seconds 90\n/);
  kv.close();
});
