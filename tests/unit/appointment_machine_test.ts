import assert from "node:assert/strict";
import {
  appointmentIdFor,
  cancel,
  confirmFromHold,
  erase,
  type HeldSlot,
  holdPlaced,
  OUTCOME_CORRECTION_WINDOW_MS,
  recordOutcome,
  reschedule,
} from "../../src/domain/appointment_machine.ts";
import { ConflictError } from "../../src/errors.ts";
import { envelopesOf, SUBSCRIPTIONS } from "../../src/events/event_types.ts";
import { T0 } from "../contract/_fixtures.ts";

const HOUR = 3_600_000;
const NOW = T0 - 3 * 24 * HOUR;
const patient = { id: "pat_1", role: "patient" };
const doctor = { id: "doc_1", role: "doctor" };

function slot(id: string, startMs: number, minutes = 90): HeldSlot {
  const endMs = startMs + minutes * 60_000;
  return {
    id,
    doctorId: "doc_1",
    patientId: "pat_1",
    startMs,
    endMs,
    start: new Date(startMs).toISOString(),
    end: new Date(endMs).toISOString(),
  };
}

const confirmed = () =>
  confirmFromHold(slot("hld_1", T0), { reasonSealed: "v1.k1.x", online: true }, patient, NOW)
    .next;

const types = (events: { event: { type: string } }[]) => events.map((e) => e.event.type);

Deno.test("confirmFromHold() books the hold's time with audit, confirmed and both reminders", () => {
  const c = confirmFromHold(slot("hld_1", T0), { reasonSealed: null, online: false }, patient, NOW);
  assert.equal(c.prev, null);
  assert.equal(c.next.id, appointmentIdFor("hld_1"));
  assert.equal(c.next.status, "confirmed");
  assert.equal(c.next.endMs - c.next.startMs, 90 * 60_000);
  assert.equal(c.next.version, 1);
  assert.deepEqual(types(c.events), [
    "audit.entry",
    "appointment.confirmed",
    "reminder.due",
    "reminder.due",
  ]);
  assert.deepEqual(c.events.filter((e) => e.atMs).map((e) => e.atMs), [T0 - 24 * HOUR, T0 - HOUR]);
  assert.equal(c.events[0].event.data.action, "appointment.book");
});

Deno.test("confirmFromHold() of a course session says which session it is", () => {
  const c = confirmFromHold(
    slot("hld_2", T0),
    { reasonSealed: null, online: false },
    patient,
    NOW,
    { course: { id: "crs_1", session: 2 } },
  );
  const confirmedEvent = c.events.find((e) => e.event.type === "appointment.confirmed")!;
  assert.equal(confirmedEvent.event.data.courseId, "crs_1");
  assert.equal(confirmedEvent.event.data.courseSession, 2);
});

Deno.test("confirmFromHold() skips a reminder whose time has passed", () => {
  const c = confirmFromHold(
    slot("hld_1", T0),
    { reasonSealed: null, online: false },
    patient,
    T0 - 2 * HOUR,
  );
  assert.deepEqual(c.events.filter((e) => e.atMs).map((e) => e.atMs), [T0 - HOUR]);
});

Deno.test("confirmFromHold() with a test reminder policy makes them due soon after the change", () => {
  const c = confirmFromHold(
    slot("hld_3", T0),
    { reasonSealed: null, online: false },
    patient,
    NOW,
    { reminders: { testDueAfterMs: 5_000 } },
  );
  assert.deepEqual(c.events.filter((e) => e.atMs).map((e) => e.atMs), [NOW + 5_000, NOW + 10_000]);
});

Deno.test("cancel() frees the time and announces it; only a confirmed one can be cancelled", () => {
  const a = confirmed();
  const c = cancel(a, doctor, "v1.k1.ill", NOW + 1);
  assert.equal(c.next.status, "cancelled");
  assert.equal(c.next.cancelledBy, "doctor");
  assert.equal(c.next.version, 2);
  assert.equal(c.next.updatedAt, new Date(NOW + 1).toISOString());
  assert.deepEqual(types(c.events), ["audit.entry", "appointment.cancelled", "slot.released"]);
  assert.deepEqual(
    [c.events[2].event.data.startMs, c.events[2].event.data.endMs],
    [a.startMs, a.endMs],
  );
  assert.throws(
    () => cancel(c.next, patient, null, NOW),
    (e) => e instanceof ConflictError && e.code === "invalid_state",
  );
});

Deno.test("cancel() refuses a visit that has ended (invalid_state), not one still running", () => {
  const a = confirmed();
  assert.throws(
    () => cancel(a, doctor, null, a.endMs),
    (e) => e instanceof ConflictError && e.code === "invalid_state",
  );
  assert.equal(cancel(a, doctor, null, a.endMs - 1).next.status, "cancelled");
});

Deno.test("reschedule() moves to the hold, frees the old time and re-plans reminders", () => {
  const a = confirmed();
  const later = T0 + 24 * HOUR;
  const c = reschedule(a, slot("hld_9", later), patient, NOW);
  assert.equal(c.next.startMs, later);
  assert.equal(c.next.holdId, "hld_9");
  assert.equal(c.next.id, a.id);
  assert.deepEqual(types(c.events), [
    "audit.entry",
    "appointment.rescheduled",
    "slot.released",
    "reminder.due",
    "reminder.due",
  ]);
  assert.equal(c.events[1].event.data.previousStartMs, T0);
  assert.equal(c.events[2].event.data.startMs, T0);
  assert.deepEqual(c.events.filter((e) => e.atMs).map((e) => e.atMs), [
    later - 24 * HOUR,
    later - HOUR,
  ]);
  assert.notEqual(
    c.events[3].event.id,
    confirmFromHold(slot("hld_1", T0), { reasonSealed: null, online: false }, patient, NOW)
      .events[2].event.id,
    "a moved appointment's reminders are new events",
  );
});

Deno.test("recordOutcome() completes or marks no-show, final after the window, and audits notes", () => {
  const a = confirmed();
  const started = a.startMs + 10 * 60_000;
  for (const status of ["completed", "no_show"] as const) {
    assert.throws(
      () => recordOutcome(a, doctor, { status }, NOW),
      /has not started yet/,
      `${status} before the start`,
    );
  }
  const done = recordOutcome(a, doctor, { status: "completed", notesSealed: "v1.k1.n" }, started);
  assert.equal(done.next.status, "completed");
  assert.deepEqual(types(done.events), ["audit.entry", "audit.entry", "appointment.completed"]);
  assert.deepEqual(done.events.slice(0, 2).map((e) => e.event.data.action), [
    "appointment.notes_write",
    "appointment.complete",
  ]);
  const notesOnly = recordOutcome(done.next, doctor, { notesSealed: "v1.k1.m" }, NOW);
  assert.deepEqual(types(notesOnly.events), ["audit.entry"]);
  // Once the correction window has passed, the outcome is final.
  assert.throws(
    () => recordOutcome(done.next, doctor, { status: "no_show" }, T0 + 30 * 24 * HOUR),
    ConflictError,
  );
  const gone = cancel(a, patient, null, NOW).next;
  assert.throws(() => recordOutcome(gone, doctor, { notesSealed: "x" }, NOW), ConflictError);
});

Deno.test("erase() strips medical text, cancels only what is still to come", () => {
  const a = confirmed();
  const future = erase(a, patient, NOW);
  assert.equal(future.next.status, "cancelled");
  assert.equal(future.next.reasonSealed, null);
  assert.deepEqual(types(future.events), ["audit.entry", "appointment.cancelled", "slot.released"]);
  const past = erase(a, patient, T0 + 2 * HOUR);
  assert.equal(past.next.status, "confirmed");
  assert.equal(past.next.reasonSealed, null);
  assert.deepEqual(past.events, []);
});

Deno.test("envelopesOf() fans each event out to its subscribed handlers, due at its time", () => {
  const c = confirmFromHold(slot("hld_1", T0), { reasonSealed: null, online: false }, patient, NOW);
  const envelopes = envelopesOf([
    ...c.events,
    ...holdPlaced({ ...slot("hld_1", T0), expiresAtMs: NOW + 300_000 }, NOW),
  ]);
  const handlersOf = (type: string) =>
    envelopes.filter((e) => e.event.type === type).map((e) => e.handler).sort();
  assert.deepEqual(handlersOf("appointment.confirmed"), ["patient.notice", "webhooks.fanout"]);
  assert.deepEqual(handlersOf("audit.entry"), ["audit.append"]);
  assert.deepEqual(handlersOf("reminder.due"), ["reminders.send", "reminders.send"]);
  assert.deepEqual(handlersOf("hold.expiry_due"), ["holds.expiry"]);
  const expiry = envelopes.find((e) => e.event.type === "hold.expiry_due")!;
  assert.equal(expiry.notBeforeMs, NOW + 301_000);
  assert.ok(envelopes.every((e) => e.attempt === 0 && e.notBeforeMs >= NOW));
  assert.ok(Object.keys(SUBSCRIPTIONS).includes("audit.append"));
});

Deno.test("recordOutcome() corrects completed ⇄ no_show within the window, as its own change", () => {
  const a = confirmed();
  const started = a.startMs + 10 * 60_000;
  const missed = recordOutcome(a, doctor, { status: "no_show" }, started).next;
  const admin = { id: "adm_1", role: "admin" };
  const fixed = recordOutcome(missed, admin, { status: "completed" }, a.endMs + HOUR);
  assert.equal(fixed.next.status, "completed");
  assert.equal(fixed.next.version, missed.version + 1);
  assert.deepEqual(types(fixed.events), ["audit.entry", "appointment.completed"]);
  const [entry, completed] = fixed.events.map((e) => e.event);
  assert.equal(entry.data.action, "appointment.outcome_correct");
  assert.equal(entry.data.actorId, "adm_1");
  assert.equal(entry.data.previousStatus, "no_show");
  assert.equal(entry.data.status, "completed");
  assert.equal(completed.data.previousStatus, "no_show");
  // Its own event id: a handler that already acted on the first mark acts on the correction.
  assert.equal(completed.id, `appointment.completed:${a.id}:v${fixed.next.version}`);
  const first = recordOutcome(a, doctor, { status: "completed" }, started).events.at(-1)!.event;
  assert.equal(first.id, `appointment.completed:${a.id}`);
  assert.equal(first.data.previousStatus, undefined);
  // And back again: another version, another event id.
  const back = recordOutcome(fixed.next, doctor, { status: "no_show" }, a.endMs + 2 * HOUR);
  assert.equal(back.next.status, "no_show");
  assert.notEqual(back.events.at(-1)!.event.id, fixed.events.at(-1)!.event.id);
  // Not envelopes for the patient's notices: no message about an outcome.
  assert.deepEqual(
    envelopesOf(back.events).map((e) => e.handler).sort(),
    ["audit.append", "webhooks.fanout"],
  );
});

Deno.test("recordOutcome() refuses a correction after the window and on a cancelled visit", () => {
  const a = confirmed();
  const missed = recordOutcome(a, doctor, { status: "no_show" }, a.startMs + 60_000).next;
  const last = a.endMs + OUTCOME_CORRECTION_WINDOW_MS;
  assert.equal(
    recordOutcome(missed, doctor, { status: "completed" }, last).next.status,
    "completed",
  );
  assert.throws(
    () => recordOutcome(missed, doctor, { status: "completed" }, last + 1),
    (err: unknown) =>
      err instanceof ConflictError && err.code === "invalid_state" &&
      /could be corrected until/.test(err.message),
  );
  // Notes still go on a visit past the window.
  assert.equal(
    recordOutcome(missed, doctor, { notesSealed: "v1.k1.n" }, last + 1).events.length,
    1,
  );
  const gone = cancel(a, patient, null, NOW).next;
  assert.throws(() => recordOutcome(gone, doctor, { status: "completed" }, NOW), /cancelled/);
});

Deno.test("recordOutcome() with the status it has and no notes changes nothing", () => {
  const a = confirmed();
  const done = recordOutcome(a, doctor, { status: "completed" }, a.startMs + 60_000).next;
  const again = recordOutcome(done, doctor, { status: "completed" }, a.endMs + 30 * 24 * HOUR);
  assert.equal(again.next, done, "the same record: nothing to write");
  assert.deepEqual(again.events, []);
});
