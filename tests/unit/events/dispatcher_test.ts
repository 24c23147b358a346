import assert from "node:assert/strict";
import { listDeadLetters, replayDeadLetter } from "../../../src/events/dead_letters.ts";
import { createDispatcher, LEASE_MS } from "../../../src/events/dispatcher.ts";
import {
  ENVELOPE_KIND,
  type EventEnvelope,
  type EventHandler,
} from "../../../src/events/event_types.ts";
import { addToOutbox, listDue, writeToOutbox } from "../../../src/events/outbox.ts";
import { createLogger } from "../../../src/observability/logger.ts";

const log = createLogger({ level: "error", write: () => {} });
const START = 1_000_000;

function envelope(handler: string, id = "evt-1"): EventEnvelope {
  return {
    kind: ENVELOPE_KIND,
    handler,
    event: { id, type: "slot.released", occurredAtMs: START, data: { doctorId: "doc_1" } },
    attempt: 0,
    notBeforeMs: START,
  };
}

async function setup(handle: EventHandler["handle"], maxAttempts = 3) {
  const kv = await Deno.openKv(":memory:");
  const clock = { now: START };
  const options = {
    kv,
    handlers: [{ name: "counter", events: ["slot.released"] as const, handle }],
    now: () => clock.now,
    log,
    retryBaseMs: 100,
    maxAttempts,
  };
  // Two dispatchers on one store: two instances of the app.
  return { kv, clock, dispatcher: createDispatcher(options), other: createDispatcher(options) };
}

Deno.test("deliver() acts once when the same event is delivered twice, and empties the outbox", async () => {
  let calls = 0;
  const { kv, dispatcher } = await setup(() => {
    calls++;
    return Promise.resolve();
  });
  await writeToOutbox(kv, [envelope("counter")]);
  assert.equal(await dispatcher.deliver(envelope("counter")), "done");
  assert.deepEqual(await listDue(kv, START, 10), [], "the entry is gone with the done mark");
  assert.equal(await dispatcher.deliver(envelope("counter")), "duplicate");
  assert.equal(calls, 1);
  assert.equal(await dispatcher.deliver(envelope("counter", "evt-2")), "done");
  assert.equal(calls, 2);
  kv.close();
});

Deno.test("deliver() on two instances at once runs the handler once; the other finds it busy", async () => {
  let calls = 0;
  const { kv, dispatcher, other } = await setup(async () => {
    calls++;
    await new Promise((r) => setTimeout(r, 5));
  });
  await writeToOutbox(kv, [envelope("counter")]);
  const outcomes = await Promise.all([
    dispatcher.deliver(envelope("counter")),
    other.deliver(envelope("counter")),
  ]);
  assert.equal(calls, 1);
  assert.deepEqual(outcomes.sort(), ["busy", "done"]);
  assert.equal(await other.deliver(envelope("counter")), "duplicate");
  kv.close();
});

Deno.test("deliver() takes over a lease left by a crashed instance once it has run out", async () => {
  let calls = 0;
  const { kv, clock, dispatcher } = await setup(() => {
    calls++;
    return Promise.resolve();
  });
  // A crashed worker's claim: running, its lease still ahead of the clock.
  await kv.set(["event_handled", "counter", "evt-1"], {
    state: "running",
    leaseUntilMs: START + LEASE_MS,
  });
  assert.equal(await dispatcher.deliver(envelope("counter")), "busy");
  assert.equal(calls, 0);
  clock.now = START + LEASE_MS + 1;
  assert.equal(await dispatcher.deliver(envelope("counter")), "done");
  assert.equal(calls, 1);
  kv.close();
});

Deno.test("deliver() retries with doubling backoff, then dead-letters, and a replay acts", async () => {
  let failures = 3;
  let successes = 0;
  const { kv, clock, dispatcher } = await setup(() => {
    if (failures-- > 0) return Promise.reject(new Error("down for +919812345678"));
    successes++;
    return Promise.resolve();
  });
  await writeToOutbox(kv, [envelope("counter")]);
  assert.equal(await dispatcher.deliver(envelope("counter")), "retry");
  assert.deepEqual(await listDue(kv, clock.now + 99, 10), [], "not due before the backoff");
  let [next] = await listDue(kv, clock.now + 100, 10);
  assert.equal(next.attempt, 1);
  assert.equal(next.notBeforeMs, START + 100);
  clock.now = next.notBeforeMs;
  assert.equal(await dispatcher.deliver(next), "retry");
  [next] = await listDue(kv, clock.now + 200, 10);
  assert.equal(next.attempt, 2);
  assert.equal(next.notBeforeMs, clock.now + 200);
  clock.now = next.notBeforeMs;
  assert.equal(await dispatcher.deliver(next), "dead");
  assert.deepEqual(await listDue(kv, clock.now + 86_400_000, 10), []);

  const letters = await listDeadLetters(kv);
  assert.equal(letters.length, 1);
  assert.equal(letters[0].envelope.event.id, "evt-1");
  assert.ok(!letters[0].error.includes("9812345678"), "dead letters never keep a phone");

  assert.equal(await replayDeadLetter(kv, letters[0].id, clock.now), true);
  assert.equal((await listDeadLetters(kv)).length, 0);
  const [replayed] = await listDue(kv, clock.now, 10);
  assert.equal(replayed.attempt, 0);
  assert.equal(await dispatcher.deliver(replayed), "done");
  assert.equal(successes, 1);
  kv.close();
});

Deno.test("deliver() leaves an entry that is not due yet alone", async () => {
  let calls = 0;
  const { kv, clock, dispatcher } = await setup(() => {
    calls++;
    return Promise.resolve();
  });
  const later = { ...envelope("counter"), notBeforeMs: START + 40 * 86_400_000 };
  await writeToOutbox(kv, [later]);
  assert.equal(await dispatcher.deliver(later), "deferred");
  assert.equal(calls, 0);
  assert.deepEqual(await listDue(kv, clock.now, 10), []);
  clock.now = later.notBeforeMs;
  const [due] = await listDue(kv, clock.now, 10);
  assert.equal(await dispatcher.deliver(due), "done");
  assert.equal(calls, 1);
  kv.close();
});

Deno.test("deliverAll() with fresh: true claims without reading, yet a lease or done mark taken meanwhile still wins", async () => {
  let calls = 0;
  const { kv, dispatcher, other } = await setup(() => {
    calls++;
    return Promise.resolve();
  });
  const fresh = [envelope("counter", "evt-a"), envelope("counter", "evt-b")];
  await writeToOutbox(kv, fresh);
  // Another instance's relay handled one of them before the request got to it.
  assert.equal(await other.deliver(fresh[0]), "done");
  const outcomes = await dispatcher.deliverAll(fresh, { fresh: true });
  assert.deepEqual(outcomes, ["duplicate", "done"]);
  assert.equal(calls, 2, "each event handled once");
  assert.deepEqual(await listDue(kv, START, 10), []);
  kv.close();
});

Deno.test("holdBack() entries wait one lease time for the relay: deliverAll(leased) runs each once at once, and after a crash the relay runs them when they fall due", async () => {
  let calls = 0;
  const { kv, clock, dispatcher, other } = await setup(() => {
    calls++;
    return Promise.resolve();
  });
  const commitHeldBack = async (envelopes: EventEnvelope[]) => {
    const held = dispatcher.holdBack(envelopes, clock.now);
    assert.equal((await addToOutbox(kv.atomic(), held).commit()).ok, true);
    return held;
  };
  const delivered = await commitHeldBack([
    envelope("counter", "evt-a"),
    envelope("counter", "evt-b"),
  ]);
  // Another instance's relay, between the commit and the inline delivery: nothing is due.
  assert.deepEqual(await listDue(kv, clock.now, 10), []);
  assert.deepEqual(await other.deliverAll(delivered), ["deferred", "deferred"]);
  assert.deepEqual(await dispatcher.deliverAll(delivered, { leased: true }), ["done", "done"]);
  assert.equal(calls, 2);
  assert.deepEqual(await listDue(kv, clock.now + LEASE_MS, 10), [], "done entries are gone");
  clock.now += LEASE_MS;
  assert.deepEqual(await other.deliverAll(delivered), ["duplicate", "duplicate"]);
  assert.equal(calls, 2, "each event handled once");

  // The writer dies between its commit and the delivery: the entries fall due a lease time later.
  const orphaned = await commitHeldBack([
    envelope("counter", "evt-c"),
    envelope("unknown", "evt-c"),
  ]);
  assert.equal(orphaned[1].notBeforeMs, START, "a handler this dispatcher lacks is not held back");
  clock.now += LEASE_MS - 1;
  const early = await listDue(kv, clock.now, 10);
  assert.deepEqual(early.map((e) => e.handler), ["unknown"]);
  clock.now += 1;
  const due = (await listDue(kv, clock.now, 10)).filter((e) => e.handler === "counter");
  assert.deepEqual(await other.deliverAll(due), ["done"]);
  assert.equal(calls, 3);
  kv.close();
});

Deno.test("a held-back entry its request delivers after it fell due, between a relay's list and the relay's claim, runs once", async () => {
  let calls = 0;
  let release!: () => void;
  const slow = new Promise<void>((r) => release = r);
  const { kv, clock, dispatcher, other } = await setup(async () => {
    // The request's delivery takes longer than a lease time.
    if (++calls === 1) await slow;
  });
  const held = dispatcher.holdBack([envelope("counter")], clock.now);
  assert.equal((await addToOutbox(kv.atomic(), held).commit()).ok, true);
  const inline = dispatcher.deliverAll(held, { leased: true });
  clock.now += LEASE_MS + 1;
  // A relay pass lists the entry, the request finishes, then the relay claims what it listed.
  const listed = await listDue(kv, clock.now, 10);
  assert.equal(listed.length, 1);
  release();
  assert.deepEqual(await inline, ["done"]);
  assert.deepEqual(await other.deliverAll(listed), ["duplicate"]);
  assert.equal(calls, 1, "the handler ran twice");
  assert.deepEqual(await listDue(kv, clock.now + LEASE_MS, 10), []);
  kv.close();
});
