/**
 * The appointment state machine, pure: each transition takes the current record (or the hold it
 * is confirmed from), the actor and `nowMs`, and returns the next record together with every event
 * the change causes — the audit entry, the public events, and the delayed ones (reminders 24 h and
 * 1 h before the start) with their due times. It never does I/O; the appointment writer
 * (src/booking/appointment_writer.ts) persists the record and these events in one commit.
 *
 *   held ──confirm──▶ confirmed ──cancel──────▶ cancelled (until its end)
 *                        │  ▲  ──complete────▶ completed
 *                        └──┘  ──no_show─────▶ no_show
 *                     reschedule        completed ⇄ no_show: a correction, until 7 days after the end
 * `erase` strips medical text from any state and cancels a confirmed appointment still to come.
 */
import type { AuditAction } from "../audit/audit_chain.ts";
import type { ScheduledEvent, VaidyaEvent } from "../events/event_types.ts";
import { ConflictError } from "../errors.ts";
import type { HoldRecord } from "../stores/ports.ts";
import { type AppointmentRecord, SCHEMA_VERSION } from "../stores/records.ts";
import { reminderEventId, reminderSchedule } from "./reminders.ts";

export interface Actor {
  id: string;
  role: "patient" | "doctor" | "admin" | string;
}

/** What a confirm or reschedule takes from a hold. */
export type HeldSlot = Pick<
  HoldRecord,
  "id" | "doctorId" | "patientId" | "start" | "end" | "startMs" | "endMs"
>;

export interface AppointmentChange {
  /** null when the appointment is new (confirm). */
  prev: AppointmentRecord | null;
  next: AppointmentRecord;
  events: ScheduledEvent[];
}

/** Confirming a hold always yields the same appointment id, so a retried confirm books once. */
export function appointmentIdFor(holdId: string): string {
  return holdId.replace(/^hld_/, "apt_");
}

function event(
  type: VaidyaEvent["type"],
  id: string,
  a: AppointmentRecord,
  nowMs: number,
  actor?: Actor,
  extra: VaidyaEvent["data"] = {},
): ScheduledEvent {
  return {
    event: {
      id,
      type,
      occurredAtMs: nowMs,
      data: {
        appointmentId: a.id,
        doctorId: a.doctorId,
        patientId: a.patientId,
        startMs: a.startMs,
        endMs: a.endMs,
        status: a.status,
        version: a.version,
        actorId: actor?.id,
        actorRole: actor?.role,
        ...extra,
      },
    },
  };
}

function audit(
  action: AuditAction,
  a: AppointmentRecord,
  actor: Actor,
  nowMs: number,
  statuses: Pick<VaidyaEvent["data"], "previousStatus" | "status"> = {},
): ScheduledEvent {
  return {
    event: {
      id: `audit:${action}:${a.id}:v${a.version}`,
      type: "audit.entry",
      occurredAtMs: nowMs,
      data: {
        action,
        actorId: actor.id,
        actorRole: actor.role,
        appointmentId: a.id,
        patientId: a.patientId,
        doctorId: a.doctorId,
        ...statuses,
      },
    },
  };
}

/**
 * When reminders fall due. Production: 24 h and 1 h before the start. Tests of delivery across
 * instances set `testDueAfterMs` (config REMINDER_TEST_DUE_SECONDS, APP_ENV=test only): the
 * reminders then fall due that long after the change (1 h one twice as long), so a test sees
 * them fire without waiting a day.
 */
export interface ReminderPolicy {
  testDueAfterMs?: number;
}

export interface ConfirmOptions {
  /** A session of a therapy course: its events say which, so the patient gets one message. */
  course?: { id: string; session: number };
  reminders?: ReminderPolicy;
}

function reminders(
  a: AppointmentRecord,
  nowMs: number,
  policy: ReminderPolicy = {},
): ScheduledEvent[] {
  const after = policy.testDueAfterMs;
  const schedule = after === undefined
    ? reminderSchedule(a.startMs, nowMs)
    : [{ kind: "24h" as const, dueAtMs: nowMs + after }, {
      kind: "1h" as const,
      dueAtMs: nowMs + 2 * after,
    }];
  return schedule.map((r) => ({
    event: {
      id: reminderEventId(a.id, a.startMs, r.kind),
      type: "reminder.due",
      occurredAtMs: nowMs,
      // No patient id: the entry waits for days, and erasure must leave nothing linked to them;
      // the handler reads the appointment (and so the patient) when it is due.
      data: { appointmentId: a.id, startMs: a.startMs, reminder: r.kind },
    },
    atMs: r.dueAtMs,
  }));
}

function released(
  a: AppointmentRecord,
  startMs: number,
  endMs: number,
  nowMs: number,
): ScheduledEvent {
  return {
    event: {
      id: `slot.released:${a.id}:v${a.version}`,
      type: "slot.released",
      occurredAtMs: nowMs,
      data: { appointmentId: a.id, doctorId: a.doctorId, startMs, endMs },
    },
  };
}

/** A session of a course cancelled as a whole; `notice`: the one its patient is told of. */
export interface CourseCancellation {
  id: string;
  session: number;
  notice: boolean;
}

/** What every cancellation causes: its audit entry, the public event, and the freed time. */
function cancellation(
  a: AppointmentRecord,
  next: AppointmentRecord,
  actor: Actor,
  nowMs: number,
  course?: CourseCancellation,
): ScheduledEvent[] {
  return [
    audit("appointment.cancel", next, actor, nowMs),
    event(
      "appointment.cancelled",
      `appointment.cancelled:${a.id}:v${next.version}`,
      next,
      nowMs,
      actor,
      course
        ? { courseId: course.id, courseSession: course.session, courseNotice: course.notice }
        : {},
    ),
    released(next, a.startMs, a.endMs, nowMs),
  ];
}

function assertConfirmed(a: AppointmentRecord, what: string) {
  if (a.status !== "confirmed") {
    throw new ConflictError(
      "invalid_state",
      `Appointment ${a.id} is ${a.status}; only a confirmed one can be ${what}`,
    );
  }
}

function bumped(
  a: AppointmentRecord,
  nowMs: number,
): Pick<AppointmentRecord, "updatedAt" | "version"> {
  return { updatedAt: new Date(nowMs).toISOString(), version: a.version + 1 };
}

/** held → confirmed: the appointment, its audit entry, `appointment.confirmed` and reminders. */
export function confirmFromHold(
  hold: HeldSlot,
  details: { reasonSealed: string | null; online: boolean },
  actor: Actor,
  nowMs: number,
  options: ConfirmOptions = {},
): AppointmentChange {
  const { course } = options;
  const iso = new Date(nowMs).toISOString();
  const next: AppointmentRecord = {
    id: appointmentIdFor(hold.id),
    schemaVersion: SCHEMA_VERSION,
    doctorId: hold.doctorId,
    patientId: hold.patientId,
    start: hold.start,
    end: hold.end,
    startMs: hold.startMs,
    endMs: hold.endMs,
    status: "confirmed",
    reasonSealed: details.reasonSealed,
    notesSealed: null,
    cancelReasonSealed: null,
    cancelledBy: null,
    holdId: hold.id,
    online: details.online,
    createdAt: iso,
    updatedAt: iso,
    version: 1,
  };
  return {
    prev: null,
    next,
    events: [
      audit("appointment.book", next, actor, nowMs),
      event(
        "appointment.confirmed",
        `appointment.confirmed:${next.id}`,
        next,
        nowMs,
        actor,
        course ? { courseId: course.id, courseSession: course.session } : {},
      ),
      ...reminders(next, nowMs, options.reminders),
    ],
  };
}

/**
 * confirmed → cancelled: the time is freed (`slot.released`). `course`: one session of a course
 * cancelled as a whole, so its patient gets one message for the course.
 */
export function cancel(
  a: AppointmentRecord,
  actor: Actor,
  cancelReasonSealed: string | null,
  nowMs: number,
  course?: CourseCancellation,
): AppointmentChange {
  assertConfirmed(a, "cancelled");
  // An ended visit took place or was missed: cancelled, its patient would be told that a visit
  // already past is cancelled, and the doctor's record of it would be lost.
  if (a.endMs <= nowMs) {
    throw new ConflictError(
      "invalid_state",
      `Appointment ${a.id} has ended; mark it completed or no_show instead of cancelling it`,
    );
  }
  const next: AppointmentRecord = {
    ...a,
    status: "cancelled",
    cancelReasonSealed,
    cancelledBy: actor.role === "patient" || actor.role === "doctor" ? actor.role : "admin",
    ...bumped(a, nowMs),
  };
  return {
    prev: a,
    next,
    events: cancellation(a, next, actor, nowMs, course),
  };
}

/** confirmed → confirmed at the hold's time: the old time is freed, reminders follow the move. */
export function reschedule(
  a: AppointmentRecord,
  hold: HeldSlot,
  actor: Actor,
  nowMs: number,
  policy?: ReminderPolicy,
): AppointmentChange {
  assertConfirmed(a, "moved");
  if (hold.doctorId !== a.doctorId) {
    throw new RangeError(`Cannot move appointment ${a.id} to a hold with another doctor`);
  }
  const next: AppointmentRecord = {
    ...a,
    start: hold.start,
    end: hold.end,
    startMs: hold.startMs,
    endMs: hold.endMs,
    holdId: hold.id,
    ...bumped(a, nowMs),
  };
  return {
    prev: a,
    next,
    events: [
      audit("appointment.reschedule", next, actor, nowMs),
      event(
        "appointment.rescheduled",
        `appointment.rescheduled:${a.id}:v${next.version}`,
        next,
        nowMs,
        actor,
        { previousStartMs: a.startMs },
      ),
      released(next, a.startMs, a.endMs, nowMs),
      ...reminders(next, nowMs, policy),
    ],
  };
}

/**
 * How long after a visit's end its outcome can still be corrected (completed ⇄ no_show): a week,
 * enough for a doctor to notice a mistaken tap in the next days' agenda, short enough that reports
 * and clinics' systems settle. After it the outcome is final.
 */
export const OUTCOME_CORRECTION_WINDOW_MS = 7 * 24 * 3_600_000;

export type Outcome = "completed" | "no_show";

function isOutcome(status: string): status is Outcome {
  return status === "completed" || status === "no_show";
}

/**
 * The doctor's outcome and/or notes: confirmed → completed or no_show (the time stays claimed;
 * either only once the start has passed), and notes on any appointment that is not cancelled.
 * An outcome already set is corrected (completed ⇄ no_show) by its doctor or an admin until
 * OUTCOME_CORRECTION_WINDOW_MS after the end: a change of its own (version, audit entry
 * `appointment.outcome_correct` with both statuses, and the new status's public event, with its
 * own id and `previousStatus`, so handlers that saw the first event act on the correction too).
 * Asking for the status it has, with no notes, changes nothing: `next` is `a` itself.
 */
export function recordOutcome(
  a: AppointmentRecord,
  actor: Actor,
  patch: { status?: Outcome; notesSealed?: string },
  nowMs: number,
): AppointmentChange {
  if (patch.status && a.status !== "confirmed" && !isOutcome(a.status)) {
    throw new ConflictError(
      "invalid_state",
      `Appointment ${a.id} is ${a.status}; it cannot become ${patch.status}`,
    );
  }
  // Marked before its start, a visit (completed or missed) would lose its reminders and the
  // patient's place with no notice.
  if (patch.status && a.status === "confirmed" && nowMs < a.startMs) {
    throw new ConflictError(
      "invalid_state",
      `Appointment ${a.id} has not started yet; it is marked ${patch.status} after its start`,
    );
  }
  const correction = patch.status !== undefined && isOutcome(a.status) && a.status !== patch.status;
  if (correction && nowMs > a.endMs + OUTCOME_CORRECTION_WINDOW_MS) {
    const until = new Date(a.endMs + OUTCOME_CORRECTION_WINDOW_MS).toISOString();
    throw new ConflictError(
      "invalid_state",
      `Appointment ${a.id} is ${a.status}; its outcome could be corrected until ${until} ` +
        `(7 days after its end), not any more`,
    );
  }
  if (!patch.status && a.status === "cancelled") {
    throw new ConflictError("invalid_state", `Appointment ${a.id} is cancelled`);
  }
  if (patch.status === a.status && patch.notesSealed === undefined) {
    return { prev: a, next: a, events: [] };
  }
  const next: AppointmentRecord = {
    ...a,
    status: patch.status ?? a.status,
    notesSealed: patch.notesSealed ?? a.notesSealed,
    ...bumped(a, nowMs),
  };
  const events: ScheduledEvent[] = [];
  if (patch.notesSealed !== undefined) {
    events.push(audit("appointment.notes_write", next, actor, nowMs));
  }
  if (next.status !== a.status) {
    const completed = next.status === "completed";
    const type = completed ? "appointment.completed" : "appointment.no_show";
    if (correction) {
      events.push(
        audit("appointment.outcome_correct", next, actor, nowMs, {
          previousStatus: a.status,
          status: next.status,
        }),
        event(type, `${type}:${a.id}:v${next.version}`, next, nowMs, actor, {
          previousStatus: a.status,
        }),
      );
    } else {
      events.push(
        audit(completed ? "appointment.complete" : "appointment.no_show", next, actor, nowMs),
        event(type, `${type}:${a.id}`, next, nowMs, actor),
      );
    }
  }
  return { prev: a, next, events };
}

/**
 * Right to erasure for one appointment: medical text goes; a confirmed appointment still to come is
 * cancelled (announced, its time freed); the past stays as anonymised history.
 */
export function erase(a: AppointmentRecord, actor: Actor, nowMs: number): AppointmentChange {
  const future = a.status === "confirmed" && a.startMs > nowMs;
  const next: AppointmentRecord = {
    ...purgeMedicalText(a, nowMs).next,
    status: future ? "cancelled" : a.status,
    cancelledBy: future ? "patient" : a.cancelledBy,
  };
  if (!future) return { prev: a, next, events: [] };
  return {
    prev: a,
    next,
    events: cancellation(a, next, actor, nowMs),
  };
}

/** Whether `erase` would change the appointment: it holds medical text or is still to come. */
export function needsErasure(a: AppointmentRecord, nowMs: number): boolean {
  return !!(a.reasonSealed || a.notesSealed || a.cancelReasonSealed) ||
    (a.status === "confirmed" && a.startMs > nowMs);
}

/** Retention (`deno task purge`): medical text of a past appointment goes; nothing is announced. */
export function purgeMedicalText(a: AppointmentRecord, nowMs: number): AppointmentChange {
  return {
    prev: a,
    next: {
      ...a,
      reasonSealed: null,
      notesSealed: null,
      cancelReasonSealed: null,
      ...bumped(a, nowMs),
    },
    events: [],
  };
}

/** A short delay after a hold's expiry, so its check never races the hold's own clock. */
export const EXPIRY_CHECK_GRACE_MS = 1_000;

/** A new hold: its expiry check, due just after it expires (written with the hold). */
export function holdPlaced(
  hold: HeldSlot & { expiresAtMs: number },
  nowMs: number,
): ScheduledEvent[] {
  return [{
    event: {
      id: `hold.expiry_due:${hold.id}`,
      type: "hold.expiry_due",
      occurredAtMs: nowMs,
      data: { holdId: hold.id, doctorId: hold.doctorId },
    },
    atMs: hold.expiresAtMs + EXPIRY_CHECK_GRACE_MS,
  }];
}

/** A hold its patient let go of: the time is free again. */
export function holdReleased(hold: HeldSlot, nowMs: number): ScheduledEvent[] {
  return [{
    event: {
      id: `slot.released:hold:${hold.id}`,
      type: "slot.released",
      occurredAtMs: nowMs,
      data: { holdId: hold.id, doctorId: hold.doctorId, startMs: hold.startMs, endMs: hold.endMs },
    },
  }];
}
