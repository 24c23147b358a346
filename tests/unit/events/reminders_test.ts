import assert from "node:assert/strict";
import { reminderSchedule } from "../../../src/domain/reminders.ts";
import type { AuthUser } from "../../../src/auth/token_service.ts";
import type { AppointmentRecord } from "../../../src/stores/records.ts";
import { appointment, doctor, patient, T0 } from "../../contract/_fixtures.ts";
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

async function booked(h: EventHarness, language = "en") {
  const d = doctor({ name: "Dr. Asha Menon" });
  const p = patient({ language, phoneSealed: await h.cipher.seal("+919812345678") });
  await h.records.doctors.create(d);
  await h.records.patients.getOrCreate(p);
  const a = await h.records.appointments.book(appointment(d.id, p.id, 0));
  const actor: AuthUser = { id: p.id, role: "patient" };
  return { d, p, a, actor };
}

function reminderDueTimes(h: EventHarness): number[] {
  return h.queue.filter((q) => q.envelope.handler === "reminders.send").map((q) => q.dueAtMs);
}

Deno.test("confirm sends a confirmation and schedules reminders that fire at 24 h and 1 h", async () => {
  const h = await eventHarness(T0 - 3 * 24 * HOUR);
  const { a, actor } = await booked(h);
  await h.rt.bookingEvents.confirmed(a, actor);
  await h.drain();
  assert.equal(h.sent.length, 1);
  assert.match(h.sent[0].body, /confirmed for .*10:00/i);
  assert.equal(h.sent[0].to, "+919812345678");
  assert.deepEqual(reminderDueTimes(h).sort(), [T0 - 24 * HOUR, T0 - HOUR]);

  await h.advance(2 * 24 * HOUR - 1);
  assert.equal(h.sent.length, 1, "nothing before the 24 h mark");
  await h.advance(1);
  assert.equal(h.sent.length, 2);
  assert.match(h.sent[1].body, /in 24 hours/);
  await h.advance(23 * HOUR);
  assert.equal(h.sent.length, 3);
  assert.match(h.sent[2].body, /in 1 hour/);
  await h.close();
});

Deno.test("a confirmed event delivered twice messages once and schedules reminders once", async () => {
  const h = await eventHarness(T0 - 3 * 24 * HOUR);
  const { a, actor } = await booked(h);
  await h.rt.bookingEvents.confirmed(a, actor);
  await h.rt.bookingEvents.confirmed(a, actor);
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
  await h.rt.bookingEvents.confirmed(a, actor);
  await h.drain();
  const cancelled: AppointmentRecord = {
    ...a,
    status: "cancelled",
    cancelledBy: "patient",
    version: a.version + 1,
  };
  await h.records.appointments.transition(a, cancelled);
  await h.rt.bookingEvents.cancelled(cancelled, actor);
  await h.drain();
  assert.equal(h.sent.length, 2);
  assert.match(h.sent[1].body, /cancelled/);
  await h.advance(3 * 24 * HOUR);
  assert.equal(h.sent.length, 2, "reminders found the appointment cancelled and stayed silent");
  await h.close();
});

Deno.test("after a move only the reminders for the new start are sent, at the new instants", async () => {
  const h = await eventHarness(T0 - 3 * 24 * HOUR);
  const { a, actor } = await booked(h);
  await h.rt.bookingEvents.confirmed(a, actor);
  await h.drain();
  const startMs = T0 + 24 * HOUR;
  const moved: AppointmentRecord = {
    ...a,
    startMs,
    endMs: startMs + 30 * 60_000,
    start: new Date(startMs).toISOString(),
    end: new Date(startMs + 30 * 60_000).toISOString(),
    version: a.version + 1,
  };
  await h.records.appointments.transition(a, moved);
  await h.rt.bookingEvents.rescheduled(a, moved, actor);
  await h.drain();
  assert.equal(h.sent.length, 2);
  assert.match(h.sent[1].body, /moved to/);
  assert.deepEqual(
    reminderDueTimes(h).sort(),
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
  const { a, actor } = await booked(h, "hi");
  await h.rt.bookingEvents.confirmed(a, actor);
  await h.drain();
  assert.match(h.sent[0].body, /पक्का/);
  await h.close();
});

Deno.test("a failing send is retried with backoff and the message goes out once", async () => {
  const h = await eventHarness(T0 - 3 * 24 * HOUR);
  const { a, actor } = await booked(h);
  h.failNextSends(1);
  await h.rt.bookingEvents.confirmed(a, actor);
  await h.drain();
  assert.equal(h.sent.length, 0);
  await h.advance(1_000);
  assert.equal(h.sent.length, 1);
  assert.match(h.sent[0].body, /confirmed/);
  await h.close();
});

Deno.test("with inline delivery the confirmation is sent before confirmed() returns, once", async () => {
  const h = await eventHarness(T0 - 3 * 24 * HOUR, { inlineNoticeBudgetMs: 2_000 });
  const { a, actor } = await booked(h);
  await h.rt.bookingEvents.confirmed(a, actor);
  assert.equal(h.sent.length, 1, "sent inline, before any queue delivery");
  assert.ok(
    !h.queue.some((q) => q.envelope.handler === "patient.notice"),
    "the inline handler is not queued as well",
  );
  await h.rt.bookingEvents.confirmed(a, actor);
  await h.drain();
  assert.equal(h.sent.length, 1, "a repeated event still messages once");
  await h.close();
});

Deno.test("an inline notice that fails is retried through the queue", async () => {
  const h = await eventHarness(T0 - 3 * 24 * HOUR, { inlineNoticeBudgetMs: 2_000 });
  const { a, actor } = await booked(h);
  h.failNextSends(1);
  await h.rt.bookingEvents.confirmed(a, actor);
  assert.equal(h.sent.length, 0);
  await h.advance(2_000);
  assert.equal(h.sent.length, 1, "the dispatcher's retry delivered it");
  await h.close();
});
