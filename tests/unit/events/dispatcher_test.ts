import assert from "node:assert/strict";
import { listDeadLetters, replayDeadLetter } from "../../../src/events/dead_letters.ts";
import { createDispatcher } from "../../../src/events/dispatcher.ts";
import {
  ENVELOPE_KIND,
  type EventEnvelope,
  type EventHandler,
} from "../../../src/events/event_types.ts";
import { createMemoryTransport } from "../../../src/events/queue_transport.ts";
import { createLogger } from "../../../src/observability/logger.ts";

const log = createLogger({ level: "error", write: () => {} });

function envelope(handler: string, id = "evt-1"): EventEnvelope {
  return {
    kind: ENVELOPE_KIND,
    handler,
    event: { id, type: "slot.released", occurredAtMs: 0, data: { doctorId: "doc_1" } },
    attempt: 0,
    notBeforeMs: 0,
  };
}

async function setup(handle: EventHandler["handle"], maxAttempts = 3) {
  const kv = await Deno.openKv(":memory:");
  const transport = createMemoryTransport();
  let nowMs = 1_000_000;
  const dispatcher = createDispatcher({
    kv,
    transport,
    handlers: [{ name: "counter", events: ["slot.released"], handle }],
    now: () => nowMs,
    log,
    retryBaseMs: 100,
    maxAttempts,
  });
  return { kv, transport, dispatcher, setNow: (ms: number) => nowMs = ms };
}

Deno.test("deliver() acts once when the same event is delivered twice", async () => {
  let calls = 0;
  const { kv, dispatcher } = await setup(() => {
    calls++;
    return Promise.resolve();
  });
  assert.equal(await dispatcher.deliver(envelope("counter")), "done");
  assert.equal(await dispatcher.deliver(envelope("counter")), "duplicate");
  assert.equal(calls, 1);
  assert.equal(await dispatcher.deliver(envelope("counter", "evt-2")), "done");
  assert.equal(calls, 2);
  kv.close();
});

Deno.test("deliver() of two concurrent copies runs the handler once", async () => {
  let calls = 0;
  const { kv, dispatcher, transport } = await setup(async () => {
    calls++;
    await new Promise((r) => setTimeout(r, 5));
  });
  const outcomes = await Promise.all([
    dispatcher.deliver(envelope("counter")),
    dispatcher.deliver(envelope("counter")),
  ]);
  assert.equal(calls, 1);
  assert.deepEqual(outcomes.sort(), ["busy", "done"]);
  // The busy copy was put back; delivered again, it sees the work done.
  const [again] = transport.take();
  assert.equal(await dispatcher.deliver(again.envelope), "duplicate");
  kv.close();
});

Deno.test("deliver() retries with doubling backoff, then dead-letters, and a replay acts", async () => {
  let failures = 3;
  let successes = 0;
  const { kv, dispatcher, transport } = await setup(() => {
    if (failures-- > 0) return Promise.reject(new Error("down for +919812345678"));
    successes++;
    return Promise.resolve();
  });
  assert.equal(await dispatcher.deliver(envelope("counter")), "retry");
  let [next] = transport.take();
  assert.equal(next.envelope.attempt, 1);
  assert.equal(next.delayMs, 100);
  assert.equal(await dispatcher.deliver(next.envelope), "retry");
  [next] = transport.take();
  assert.equal(next.envelope.attempt, 2);
  assert.equal(next.delayMs, 200);
  assert.equal(await dispatcher.deliver(next.envelope), "dead");
  assert.equal(transport.take().length, 0);

  const letters = await listDeadLetters(kv);
  assert.equal(letters.length, 1);
  assert.equal(letters[0].envelope.event.id, "evt-1");
  assert.ok(!letters[0].error.includes("9812345678"), "dead letters never keep a phone");

  assert.equal(await replayDeadLetter(kv, transport, letters[0].id), true);
  assert.equal((await listDeadLetters(kv)).length, 0);
  const [replayed] = transport.take();
  assert.equal(replayed.envelope.attempt, 0);
  assert.equal(await dispatcher.deliver(replayed.envelope), "done");
  assert.equal(successes, 1);
  kv.close();
});

Deno.test("deliver() re-queues an envelope that is not due yet without running it", async () => {
  let calls = 0;
  const { kv, dispatcher, transport, setNow } = await setup(() => {
    calls++;
    return Promise.resolve();
  });
  const later = { ...envelope("counter"), notBeforeMs: 1_000_000 + 40 * 86_400_000 };
  assert.equal(await dispatcher.deliver(later), "deferred");
  const [hop] = transport.take();
  assert.ok(hop.delayMs <= 30 * 86_400_000, "a hop never exceeds the queue's 30-day limit");
  assert.equal(calls, 0);
  setNow(later.notBeforeMs);
  assert.equal(await dispatcher.deliver(hop.envelope), "done");
  assert.equal(calls, 1);
  kv.close();
});
