/**
 * Issue 14: every atomic commit on every booking path carries at most 10 checks, the limit of a
 * `denokv` server, however long the visit and however many sessions a course has. The whole path
 * runs on the real stores, writer, relay and handlers over a KV handle that counts checks.
 */
import assert from "node:assert/strict";
import {
  cancel,
  confirmFromHold,
  erase,
  holdPlaced,
  recordOutcome,
  reschedule,
} from "../../../src/domain/appointment_machine.ts";
import { envelopesOf } from "../../../src/events/event_types.ts";
import { createKvCourseStore, sessionHold } from "../../../src/stores/kv/course_store.ts";
import type { CourseRecord } from "../../../src/stores/kv/course_store.ts";
import type { HoldRecord } from "../../../src/stores/ports.ts";
import { doctor, patient, T0 } from "../../contract/_fixtures.ts";
import { type CommitRecord, countingKv } from "../../_harness/counting_kv.ts";
import { eventHarness } from "./_harness.ts";

const HOUR = 3_600_000;
const MIN = 60_000;
const DENOKV_MAX_CHECKS = 10;

function hold(id: string, doctorId: string, patientId: string, startMs: number, nowMs: number) {
  const endMs = startMs + 90 * MIN;
  return {
    id,
    doctorId,
    patientId,
    startMs,
    endMs,
    start: new Date(startMs).toISOString(),
    end: new Date(endMs).toISOString(),
    expiresAtMs: nowMs + 300_000,
    codeHash: "x",
    attempts: 0,
    createdAt: new Date(nowMs).toISOString(),
  } satisfies HoldRecord;
}

const cellsWritten = (c: CommitRecord, prefix: string) =>
  c.prefixes.filter((p) => p === prefix).length;

Deno.test("90-minute visits and a 5-session course of them commit with at most 10 checks each", async () => {
  let commits: CommitRecord[] = [];
  const h = await eventHarness(T0 - 3 * 24 * HOUR, { inlineNoticeBudgetMs: 2_000 }, (kv) => {
    const counted = countingKv(kv);
    commits = counted.commits;
    return counted.kv;
  });
  const d = doctor();
  const p = patient({ phoneSealed: await h.cipher.seal("+919812345678") });
  await h.records.doctors.create(d);
  await h.records.patients.getOrCreate(p);
  const actor = { id: p.id, role: "patient" };
  const now = () => h.clock.now;
  const mark = () => commits.length;

  // A 90-minute hold: one entry in the doctor's hold index, no per-cell marks.
  let from = mark();
  const h1 = hold("hld_v1", d.id, p.id, T0, now());
  await h.holds.create(h1, 3, now(), envelopesOf(holdPlaced(h1, now())));
  const holdCommit = commits.slice(from).find((c) => cellsWritten(c, "hold_by_doctor") > 0)!;
  assert.equal(cellsWritten(holdCommit, "hold_by_doctor"), 1);
  assert.equal(cellsWritten(holdCommit, "hold_cell"), 0);
  assert.ok(holdCommit.checks <= 3, `a hold checks ${holdCommit.checks} keys`);

  // Confirm it: the appointment and its indexes (the doctor's index is the double-booking guard,
  // no per-cell claims), its outbox entries and the hold's removal (record, index, the patient's
  // list), one commit; no other commit touches the hold.
  from = mark();
  const a = await h.writer.write(
    confirmFromHold(h1, { reasonSealed: null, online: false }, actor, now()),
    { step: "confirm", consumes: h1, maxAttempts: 5 },
  );
  const bookCommit = commits.slice(from).find((c) => cellsWritten(c, "appointment") > 0)!;
  assert.equal(cellsWritten(bookCommit, "appt_by_doctor"), 1);
  assert.equal(cellsWritten(bookCommit, "claim"), 0);
  assert.ok(cellsWritten(bookCommit, "event_due") >= 4, "events ride in the booking commit");
  assert.equal(cellsWritten(bookCommit, "hold"), 1);
  assert.equal(cellsWritten(bookCommit, "patient_holds"), 1);
  assert.equal(
    commits.slice(from).filter((c) => c !== bookCommit && cellsWritten(c, "hold") > 0).length,
    0,
  );
  assert.equal(await h.holds.get(h1.id), null);
  // The calendar, the hold's entry (its code checks) and the patient's hold list.
  assert.ok(bookCommit.checks <= 3, `a booking checks ${bookCommit.checks} keys`);

  // Reschedule it onto another 90-minute hold, then cancel it.
  const h2 = hold("hld_v2", d.id, p.id, T0 + 4 * HOUR, now());
  await h.holds.create(h2, 3, now(), envelopesOf(holdPlaced(h2, now())));
  const moved = await h.writer.write(reschedule(a, h2, actor, now()), {
    step: "reschedule",
    consumes: h2,
  });
  await h.writer.write(cancel(moved, actor, null, now()), { step: "cancel" });

  // A course of 5 sessions of 90 minutes: 5 holds, then 5 appointments, all or nothing.
  const courses = createKvCourseStore(h.kv, h.holds);
  const sessions = [0, 1, 2, 3, 4].map((i) =>
    hold(`hld_c${i}`, d.id, p.id, T0 + (24 + 24 * i) * HOUR, now())
  );
  const course: CourseRecord = {
    id: "crs_1",
    doctorId: d.id,
    patientId: p.id,
    sessions: sessions.map((s) => ({
      holdId: s.id,
      appointmentId: s.id.replace("hld_", "apt_"),
      start: s.start,
      end: s.end,
      startMs: s.startMs,
      endMs: s.endMs,
    })),
    status: "held",
    expiresAtMs: sessions[0].expiresAtMs,
    codeHash: "x",
    attempts: 0,
    createdAt: sessions[0].createdAt,
    updatedAt: sessions[0].createdAt,
    version: 1,
  };
  from = mark();
  await courses.create(course, sessions, now(), 3);
  const courseHold = commits.slice(from).find((c) => cellsWritten(c, "hold_by_doctor") > 0)!;
  assert.equal(cellsWritten(courseHold, "hold_by_doctor"), 5);
  from = mark();
  const booked = await h.writer.writeAll(
    course.sessions.map((s, session) =>
      confirmFromHold(sessionHold(course, s), { reasonSealed: null, online: false }, actor, now(), {
        course: { id: course.id, session },
      })
    ),
    { step: "course_confirm", consumes: sessions },
  );
  const courseBook = commits.slice(from).find((c) => cellsWritten(c, "appointment") > 0)!;
  assert.equal(cellsWritten(courseBook, "appt_by_doctor"), 5);
  assert.equal(booked.length, 5);

  // The doctor's outcome on one session, erasure of the rest.
  await h.writer.write(
    recordOutcome(
      booked[0],
      { id: d.id, role: "doctor" },
      { status: "completed" },
      booked[0].startMs,
    ),
    { step: "status" },
  );
  for (const s of booked.slice(1)) {
    await h.writer.write(erase(s, actor, now()), { step: "erase", inline: false });
  }

  // Everything the outbox holds, delivered: handlers, their follow-ups, reminders, audit.
  await h.drain();
  await h.advance(30 * 24 * HOUR);
  // Confirm, move, cancel, one for the whole course, and the four sessions cancelled by erase
  // (the patient record itself is not erased here, so they are still told).
  assert.equal(h.sent.length, 8);

  // The bound below covers the whole path: every write, its inline events, the relay's deliveries
  // and their audit entries (50 commits since the change's commit takes its inline leases; 44–46
  // since a course's holds are used up in its booking's own commit, as many as the relay's
  // deliveries happen to share).
  assert.ok(commits.length >= 40, `the path made only ${commits.length} commits`);
  const worst = Math.max(...commits.map((c) => c.checks));
  assert.ok(worst <= DENOKV_MAX_CHECKS, `a commit carried ${worst} checks`);
  await h.close();
});

Deno.test("concurrent audit appends batch into commits that check only the chain's head", async () => {
  let commits: CommitRecord[] = [];
  const h = await eventHarness(T0, {}, (kv) => {
    const counted = countingKv(kv);
    commits = counted.commits;
    return counted.kv;
  });
  await Promise.all(
    Array.from(
      { length: 60 },
      (_, i) =>
        h.rt.audit.append({ actorId: `u${i}`, actorRole: "patient", action: "appointment.book" }),
    ),
  );
  assert.ok(commits.some((c) => cellsWritten(c, "audit") > 1), "appends were batched");
  assert.ok(commits.every((c) => c.checks <= 1));
  await h.close();
});
