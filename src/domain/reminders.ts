/**
 * When patients are reminded of an appointment: 24 hours and 1 hour before its start. Pure: a
 * reminder whose time has already passed when the appointment is booked or moved is not sent
 * (the confirmation message covers it).
 */
import type { ReminderKind } from "../events/event_types.ts";

export const REMINDER_OFFSETS_MS: Readonly<Record<ReminderKind, number>> = {
  "24h": 24 * 3_600_000,
  "1h": 3_600_000,
};

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
