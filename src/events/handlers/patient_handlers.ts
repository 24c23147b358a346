/**
 * Handlers that message patients: a confirmation, cancellation or reschedule notice right away,
 * and reminders 24 h and 1 h before the start (dropped when delivered too late for their
 * wording). Reminders are due-time `reminder.due` entries the state machine adds to the commit that confirms or moves an appointment; when one is delivered
 * the appointment is read again and the reminder is sent only if it is still confirmed and still
 * at the same start. A confirmation or move notice delivered late (a retry, a relay after a crash,
 * a replayed dead letter) reads the appointment too and is dropped when it would announce a time
 * that no longer holds: cancelled, moved again, or already begun. A phone the provider refuses
 * for good (the patient replied STOP) drops the message, with the messenger's one warning.
 */
import { reminderStillTimely } from "../../domain/reminders.ts";
import { PhoneUndeliverableError } from "../../errors.ts";
import type { MessageKind } from "../../i18n/patient_templates.ts";
import type { RecordStores } from "../../stores/ports.ts";
import { type EventHandler, type EventType, SUBSCRIPTIONS } from "../event_types.ts";
import type { PatientMessenger } from "../patient_messenger.ts";

const NOTICE: Partial<Record<EventType, MessageKind>> = {
  "appointment.confirmed": "confirmed",
  "appointment.cancelled": "cancelled",
  "appointment.rescheduled": "rescheduled",
};

/**
 * A notice delivered this soon after its change, at its first try, is the request's own inline
 * delivery (or a relay's right after it): nothing can have changed the appointment since, so the
 * booking path pays no extra read. Half the default lease, the inline delivery's own cut-off.
 */
const FRESH_NOTICE_MS = 30_000;

/**
 * The appointment, when it still is what a message about `startMs` says: confirmed, at that start,
 * not yet begun. null when it was cancelled or moved since (its own notice said so) or has begun.
 */
async function stillAsAnnounced(
  records: RecordStores,
  appointmentId: string,
  startMs: number | undefined,
  nowMs: number,
) {
  const a = await records.appointments.get(appointmentId);
  return a && a.status === "confirmed" && a.startMs === startMs && nowMs < a.startMs ? a : null;
}

/** A phone the provider refuses for good (STOP, not a mobile): retrying cannot reach it. */
function unlessUndeliverable(err: unknown) {
  if (!(err instanceof PhoneUndeliverableError)) throw err;
}

export function patientNoticeHandler(
  records: RecordStores,
  messenger: PatientMessenger,
): EventHandler {
  return {
    name: "patient.notice",
    events: SUBSCRIPTIONS["patient.notice"],
    async handle(event, ctx) {
      const kind = NOTICE[event.type];
      const { appointmentId, patientId, doctorId, startMs, courseSession, courseNotice } =
        event.data;
      if (!kind || !patientId || !doctorId) return;
      // A course is confirmed with one message, on its first session's event, and cancelled as a
      // whole with one, on the first session the cancellation covers.
      const confirmed = event.type === "appointment.confirmed";
      if (confirmed && courseSession !== undefined && courseSession > 0) return;
      if (courseNotice === false) return;
      const late = ctx.attempt > 0 || ctx.now - event.occurredAtMs >= FRESH_NOTICE_MS;
      if (late && kind !== "cancelled" && appointmentId) {
        if (!(await stillAsAnnounced(records, appointmentId, startMs, ctx.now))) return;
      }
      await messenger.send(kind, { patientId, doctorId, startMs }).catch(unlessUndeliverable);
    },
  };
}

export function reminderSenderHandler(
  records: RecordStores,
  messenger: PatientMessenger,
): EventHandler {
  return {
    name: "reminders.send",
    events: SUBSCRIPTIONS["reminders.send"],
    async handle(event, ctx) {
      const { appointmentId, startMs, reminder } = event.data;
      if (!appointmentId || startMs === undefined || !reminder) return;
      // Delivered late (a relay outage, a replayed dead letter): its "in 24 hours" or "in 1 hour"
      // would be wrong, in every language and on WhatsApp's fixed template alike.
      if (!reminderStillTimely(reminder, startMs, ctx.now)) return;
      const a = await stillAsAnnounced(records, appointmentId, startMs, ctx.now);
      // Cancelled, completed, moved, or already started: this reminder has nothing to say.
      if (!a) return;
      await messenger.send(reminder === "24h" ? "reminder_24h" : "reminder_1h", {
        patientId: a.patientId,
        doctorId: a.doctorId,
        startMs: a.startMs,
      }).catch(unlessUndeliverable);
    },
  };
}
