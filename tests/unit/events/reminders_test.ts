import assert from "node:assert/strict";
import { reminderSchedule } from "../../../src/domain/reminders.ts";
import {
  type Actor,
  cancel,
  confirmFromHold,
  type HeldSlot,
  reschedule,
} from "../../../src/domain/appointment_machine.ts";
import { listDeadLetters, replayDeadLetter } from "../../../src/events/dead_letters.ts";
import { envelopesOf } from "../../../src/events/event_types.ts";
import { writeToOutbox } from "../../../src/events/outbox.ts";
import type { AppointmentRecord } from "../../../src/stores/records.ts";
import { doctor, patient, T0 } from "../../contract/_fixtures.ts";
import { type EventHarness, eventHarness } from "./_harness.ts";

const HOUR = 3_600_000;

Deno.test("reminderSchedule() gives the instants 24 h and 1 h before the start, future only", () => {
  assert.deepEqual(reminderSchedule(T0, T0 - 3 * 24 * HOUR), [
    { kind: "24h", dueAtMs: T0 - 24 * HOUR },
    { kind: "1h", dueAtMs: T0 - HOUR },
  ]);
  assert.deepEqual(reminderSchedule(T0, T0 - 5 * HOUR), [{ kind: "1h", dueAtMs: T0 - HOUR }]);
  assert.deepEqual(reminderSchedule(T0, T0 - 30 * 60_000), []);
});

function slot(id: string, doctorId: string, patientId: string, startMs: number): HeldSlot {
  return {
    id,
    doctorId,
    patientId,
    startMs,
    endMs: startMs + 30 * 60_000,
    start: new Date(startMs).toISOString(),
    end: new Date(startMs + 30 * 60_000).toISOString(),
  };
}

/** A confirmed appointment at T0, stored with its events through the writer. */
async function booked(h: EventHarness, language = "en") {
  const d = doctor({ name: "Dr. Asha Menon" });
  const p = patient({ language, phoneSealed: await h.cipher.seal("+919812345678") });
  await h.records.doctors.create(d);
  await h.records.patients.getOrCreate(p);
  const actor: Actor = { id: p.id, role: "patient" };
  const change = confirmFromHold(
    slot(`hld_${p.id}`, d.id, p.id, T0),
    {
      reasonSealed: null,
      online: false,
    },
    actor,
    h.clock.now,
  );
  const a = await h.writer.write(change, { step: "confirm" });
  return { d, p, a, actor, change };
}

async function reminderDueTimes(h: EventHarness): Promise<number[]> {
  return (await h.queue()).filter((q) => q.envelope.handler === "reminders.send").map((q) =>
    q.dueAtMs
  );
}

Deno.test("confirm sends a confirmation and schedules reminders that fire at 24 h and 1 h", async () => {
  const h = await eventHarness(T0 - 3 * 24 * HOUR);
  await booked(h);
  await h.drain();
  assert.equal(h.sent.length, 1);
  assert.match(h.sent[0].body, /confirmed for .*10:00/i);
  assert.equal(h.sent[0].to, "+919812345678");
  assert.deepEqual((await reminderDueTimes(h)).sort(), [T0 - 24 * HOUR, T0 - HOUR]);

  await h.advance(2 * 24 * HOUR - 1);
  assert.equal(h.sent.length, 1, "nothing before the 24 h mark");
  await h.advance(1);
  assert.equal(h.sent.length, 2);
  assert.match(h.sent[1].body, /in 24 hours/);
  await h.advance(23 * HOUR);
  assert.equal(h.sent.length, 3);
  assert.match(h.sent[2].body, /in 1 hour/);
  assert.deepEqual(await h.queue(), [], "the outbox is empty once everything ran");
  await h.close();
});

Deno.test("a confirmed event delivered twice messages once and reminds once", async () => {
  const h = await eventHarness(T0 - 3 * 24 * HOUR);
  const { change } = await booked(h);
  await h.drain();
  // The same events written again (a relay that moved them twice, a replayed dead letter).
  await writeToOutbox(h.kv, envelopesOf(change.events));
  await h.drain();
  assert.equal(h.sent.length, 1);
  await h.advance(2 * 24 * HOUR);
  await h.advance(23 * HOUR);
  await h.advance(HOUR);
  assert.equal(h.sent.length, 3, "one confirmation and two reminders, no repeats");
  await h.close();
});

Deno.test("no reminder is sent for an appointment cancelled after it was scheduled", async () => {
  const h = await eventHarness(T0 - 3 * 24 * HOUR);
  const { a, actor } = await booked(h);
  await h.drain();
  const cancelled: AppointmentRecord = await h.writer.write(
    cancel(a, actor, null, h.clock.now),
    { step: "cancel" },
  );
  assert.equal(cancelled.status, "cancelled");
  await h.drain();
  assert.equal(h.sent.length, 2);
  assert.match(h.sent[1].body, /cancelled/);
  await h.advance(3 * 24 * HOUR);
  assert.equal(h.sent.length, 2, "reminders found the appointment cancelled and stayed silent");
  await h.close();
});

Deno.test("after a move only the reminders for the new start are sent, at the new instants", async () => {
  const h = await eventHarness(T0 - 3 * 24 * HOUR);
  const { a, actor, d, p } = await booked(h);
  await h.drain();
  const startMs = T0 + 24 * HOUR;
  await h.writer.write(
    reschedule(a, slot("hld_move", d.id, p.id, startMs), actor, h.clock.now),
    { step: "reschedule" },
  );
  await h.drain();
  assert.equal(h.sent.length, 2);
  assert.match(h.sent[1].body, /moved to/);
  assert.deepEqual(
    (await reminderDueTimes(h)).sort(),
    [T0 - 24 * HOUR, T0 - HOUR, startMs - 24 * HOUR, startMs - HOUR].sort(),
  );
  await h.advance(3 * 24 * HOUR - HOUR); // T0 - 1 h: both old reminders were due
  assert.equal(h.sent.length, 2, "the old start's reminders were dropped");
  await h.advance(HOUR); // T0: the new start's 24 h reminder
  assert.equal(h.sent.length, 3);
  assert.match(h.sent[2].body, /in 24 hours/);
  await h.advance(23 * HOUR);
  assert.equal(h.sent.length, 4);
  assert.match(h.sent[3].body, /in 1 hour/);
  await h.close();
});

Deno.test("reminders are written in the patient's language and time zone", async () => {
  const h = await eventHarness(T0 - 3 * 24 * HOUR);
  await booked(h, "hi");
  await h.drain();
  assert.match(h.sent[0].body, /पक्का/);
  await h.close();
});

Deno.test("a failing send is retried with backoff and the message goes out once", async () => {
  const h = await eventHarness(T0 - 3 * 24 * HOUR);
  h.failNextSends(1);
  await booked(h);
  await h.drain();
  assert.equal(h.sent.length, 0);
  await h.advance(1_000);
  assert.equal(h.sent.length, 1);
  assert.match(h.sent[0].body, /confirmed/);
  await h.close();
});

Deno.test("with inline delivery the confirmation is sent before write() returns, once", async () => {
  const h = await eventHarness(T0 - 3 * 24 * HOUR, { inlineNoticeBudgetMs: 2_000 });
  const { change } = await booked(h);
  assert.equal(h.sent.length, 1, "sent inline, before any relay pass");
  assert.ok(
    !(await h.queue()).some((q) => q.envelope.handler === "patient.notice"),
    "the inline delivery took the notice's own outbox entry",
  );
  await writeToOutbox(h.kv, envelopesOf(change.events));
  await h.drain();
  assert.equal(h.sent.length, 1, "a repeated event still messages once");
  await h.close();
});

Deno.test("an inline notice that fails is retried from the outbox by the relay", async () => {
  const h = await eventHarness(T0 - 3 * 24 * HOUR, { inlineNoticeBudgetMs: 2_000 });
  h.failNextSends(1);
  await booked(h);
  assert.equal(h.sent.length, 0);
  await h.advance(2_000);
  assert.equal(h.sent.length, 1, "the dispatcher's retry delivered it");
  await h.close();
});

Deno.test("a reminder delivered after the 1 h mark (the relay was down) is not sent: it would say 24 hours, or 1 hour to a visit 30 minutes away", async () => {
  const h = await eventHarness(T0 - 3 * 24 * HOUR);
  await booked(h);
  await h.drain();
  assert.equal(h.sent.length, 1, "the confirmation");
  // No relay ran between the booking and half an hour before the start: both reminders are due.
  h.clock.now = T0 - 30 * 60_000;
  await h.drain();
  const reminders = h.sent.slice(1).map((m) => m.body);
  assert.deepEqual(reminders, [], reminders.join(" | "));
  assert.deepEqual(await h.queue(), [], "both were handled (dropped), not left to retry");
  await h.close();
});

Deno.test("a 24 h reminder delivered hours late (before the 1 h mark) is not sent: it would say 24 hours", async () => {
  for (const lang of ["en", "hi", "ta", "te", "kn", "ml", "bn", "mr"]) {
    const h = await eventHarness(T0 - 3 * 24 * HOUR);
    await booked(h, lang);
    await h.drain();
    h.clock.now = T0 - 5 * HOUR; // a relay outage of 19 hours
    await h.drain();
    assert.equal(h.sent.length, 1, `${lang}: ${h.sent.slice(1).map((m) => m.body).join(" | ")}`);
    await h.advance(4 * HOUR); // the 1 h mark
    assert.equal(h.sent.length, 2, `${lang}: the 1 h reminder still goes out`);
    await h.close();
  }
});

Deno.test("a 24 h reminder dead-lettered and replayed hours later is not sent", async () => {
  const h = await eventHarness(T0 - 3 * 24 * HOUR);
  await booked(h);
  await h.drain();
  h.failNextSends(3);
  await h.advance(2 * 24 * HOUR);
  await h.advance(1_000);
  await h.advance(2_000);
  const [letter] = await listDeadLetters(h.kv);
  assert.equal(letter?.envelope.handler, "reminders.send");
  h.clock.now = T0 - 10 * HOUR;
  assert.ok(await replayDeadLetter(h.kv, letter.id, h.clock.now));
  await h.drain();
  assert.deepEqual(h.sent.slice(1).map((m) => m.body), []);
  await h.close();
});

Deno.test("a 1 h reminder delivered 20 minutes late is not sent: it would say 1 hour", async () => {
  const h = await eventHarness(T0 - 3 * 24 * HOUR);
  await booked(h);
  await h.drain();
  await h.advance(2 * 24 * HOUR);
  assert.equal(h.sent.length, 2, "the 24 h reminder, on time");
  h.clock.now = T0 - 40 * 60_000;
  await h.drain();
  assert.deepEqual(h.sent.slice(2).map((m) => m.body), []);
  await h.close();
});

Deno.test("a reminder retried a few times after a provider error still goes out", async () => {
  const h = await eventHarness(T0 - 3 * 24 * HOUR, { maxAttempts: 6 });
  await booked(h);
  await h.drain();
  await h.advance(2 * 24 * HOUR);
  await h.advance(23 * HOUR - 1);
  h.failNextSends(4);
  await h.advance(1);
  for (const ms of [1_000, 2_000, 4_000, 8_000]) await h.advance(ms);
  assert.equal(h.sent.length, 3);
  assert.match(h.sent[2].body, /in 1 hour/);
  await h.close();
});

Deno.test("a confirmation retried after the appointment was cancelled is not sent: the cancellation said what is true", async () => {
  const h = await eventHarness(T0 - 3 * 24 * HOUR);
  h.failNextSends(1);
  const { a, actor } = await booked(h);
  await h.drain();
  assert.equal(h.sent.length, 0, "the provider refused the confirmation; it waits for a retry");
  await h.writer.write(cancel(a, actor, null, h.clock.now), { step: "cancel" });
  await h.drain();
  assert.equal(h.sent.length, 1);
  assert.match(h.sent[0].body, /cancelled/);
  await h.advance(60_000);
  assert.deepEqual(h.sent.map((m) => m.body).filter((b) => /confirmed/.test(b)), []);
  await h.close();
});

Deno.test("a move notice retried after a second move is not sent: it would name the old time", async () => {
  const h = await eventHarness(T0 - 3 * 24 * HOUR);
  const { a, actor, d, p } = await booked(h);
  await h.drain();
  h.failNextSends(1);
  const moved = await h.writer.write(
    reschedule(a, slot("hld_move1", d.id, p.id, T0 + 24 * HOUR), actor, h.clock.now),
    { step: "reschedule" },
  );
  await h.drain();
  assert.equal(h.sent.length, 1, "the first move's notice failed");
  await h.writer.write(
    reschedule(moved, slot("hld_move2", d.id, p.id, T0 + 48 * HOUR), actor, h.clock.now),
    { step: "reschedule" },
  );
  await h.drain();
  await h.advance(60_000);
  const moves = h.sent.map((m) => m.body).filter((b) => /moved to/.test(b));
  assert.equal(moves.length, 1, moves.join(" | "));
  await h.close();
});

Deno.test("a dead-lettered confirmation replayed after the visit is not sent", async () => {
  const h = await eventHarness(T0 - 3 * 24 * HOUR);
  h.failNextSends(3);
  await booked(h);
  await h.drain();
  await h.advance(1_000);
  await h.advance(2_000);
  const [letter] = await listDeadLetters(h.kv);
  assert.equal(letter?.envelope.handler, "patient.notice");
  h.clock.now = T0 + HOUR;
  assert.ok(await replayDeadLetter(h.kv, letter.id, h.clock.now));
  await h.drain();
  assert.deepEqual(h.sent.map((m) => m.body).filter((b) => /confirmed/.test(b)), []);
  await h.close();
});
