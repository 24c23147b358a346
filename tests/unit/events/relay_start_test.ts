import assert from "node:assert/strict";
import { ENVELOPE_KIND } from "../../../src/events/event_types.ts";
import { writeToOutbox } from "../../../src/events/outbox.ts";
import { createOutboxRelay } from "../../../src/events/outbox_relay.ts";
import { createLogger } from "../../../src/observability/logger.ts";
import { recordingRelay } from "./_harness.ts";

// src/main.ts starts the relay with `firstPassOnWake`, so its first pass is no part of the first
// answer, and wakes it once that answer is out: a due entry waits for the wake, and no longer.

async function relayWithDueEntry() {
  const kv = await Deno.openKv(":memory:");
  const now = Date.now();
  await writeToOutbox(kv, [{
    kind: ENVELOPE_KIND,
    handler: "waitlist.notify",
    event: { id: "e1", type: "slot.released", occurredAtMs: now - 1_000, data: {} },
    attempt: 0,
    notBeforeMs: now - 1_000,
  }]);
  return { kv, ...recordingRelay(kv, { now: () => Date.now() }) };
}

async function until(done: () => boolean, what: string) {
  for (const started = Date.now(); !done(); await new Promise((r) => setTimeout(r, 5))) {
    if (Date.now() - started > 2_000) throw new Error(`timed out waiting for ${what}`);
  }
}

Deno.test("the relay's start() makes its first pass at once, or with firstPassOnWake on the first wake()", async () => {
  const eager = await relayWithDueEntry();
  eager.relay.start({ intervalMs: 60_000 });
  await until(() => eager.seen.length > 0, "the first pass");
  await eager.relay.stop();
  eager.kv.close();

  const waiting = await relayWithDueEntry();
  waiting.relay.start({ intervalMs: 20, firstPassOnWake: true });
  // Several intervals go by without a pass: nothing has woken it.
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(waiting.seen, []);
  waiting.relay.wake();
  await until(() => waiting.seen.length > 0, "the pass after wake()");
  assert.equal(waiting.seen[0], "e1");
  await waiting.relay.stop();
  waiting.kv.close();
});

Deno.test("a full batch that another instance is running (all busy) waits for the next interval instead of spinning", async () => {
  const kv = await Deno.openKv(":memory:");
  const now = Date.now();
  await writeToOutbox(
    kv,
    ["e1", "e2"].map((id) => ({
      kind: ENVELOPE_KIND,
      handler: "waitlist.notify",
      event: { id, type: "slot.released" as const, occurredAtMs: now - 1_000, data: {} },
      attempt: 0,
      notBeforeMs: now - 1_000,
    })),
  );
  let passes = 0;
  const relay = createOutboxRelay({
    kv,
    dispatcher: {
      deliverAll: (es) => {
        passes++;
        return Promise.resolve(es.map(() => "busy" as const));
      },
    },
    appointments: {
      pendingEvents: () => Promise.resolve([]),
      clearPendingEvents: () => Promise.resolve(),
    },
    now: () => Date.now(),
    log: createLogger({ level: "error", write: () => {} }),
    batch: 2,
  });
  relay.start({ intervalMs: 60_000 });
  await new Promise((r) => setTimeout(r, 200));
  await relay.stop();
  kv.close();
  assert.equal(passes, 1, "one pass, then the interval: the leases are another instance's");
});
