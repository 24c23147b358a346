/**
 * When patients are reminded of an appointment: 24 hours and 1 hour before its start. Pure: a
 * reminder whose time has already passed when the appointment is booked or moved is not sent
 * (the confirmation message covers it), nor one delivered later than `reminderLateLimitMs` after
 * its time (a relay outage, a replayed dead letter): its text says "in 24 hours" or "in 1 hour"
 * and would tell the patient a wrong time.
 */
import type { ReminderKind } from "../events/event_types.ts";

export const REMINDER_OFFSETS_MS: Readonly<Record<ReminderKind, number>> = {
  "24h": 24 * 3_600_000,
  "1h": 3_600_000,
};

/**
 * How late a reminder may still go out: a twelfth of its lead (2 hours, 5 minutes), so "in 24
 * hours" means at least 22 and "in 1 hour" at least 55 minutes, and the dispatcher's retries after
 * a provider error (seconds to minutes) still fit.
 */
export function reminderLateLimitMs(kind: ReminderKind): number {
  return REMINDER_OFFSETS_MS[kind] / 12;
}

/** Whether the text of a `kind` reminder for `startMs` is still true at `nowMs`. */
export function reminderStillTimely(kind: ReminderKind, startMs: number, nowMs: number): boolean {
  return nowMs <= startMs - REMINDER_OFFSETS_MS[kind] + reminderLateLimitMs(kind);
}

export interface ScheduledReminder {
  kind: ReminderKind;
  dueAtMs: number;
}

export function reminderSchedule(startMs: number, nowMs: number): ScheduledReminder[] {
  return (Object.entries(REMINDER_OFFSETS_MS) as [ReminderKind, number][])
    .map(([kind, offset]) => ({ kind, dueAtMs: startMs - offset }))
    .filter((r) => r.dueAtMs > nowMs);
}

/** Same appointment, same start, same kind → same id, so re-scheduling twice sends once. */
export function reminderEventId(appointmentId: string, startMs: number, kind: ReminderKind) {
  return `reminder.due:${appointmentId}:${startMs}:${kind}`;
}
