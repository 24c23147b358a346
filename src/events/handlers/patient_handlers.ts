/**
 * Handlers that message patients: a confirmation, cancellation or reschedule notice right away,
 * and reminders 24 h and 1 h before the start. Reminders are scheduled as delayed `reminder.due`
 * events when an appointment is confirmed or moved; when one is delivered the appointment is read
 * again and the reminder is sent only if it is still confirmed and still at the same start.
 */
import { reminderEventId, reminderSchedule } from "../../domain/reminders.ts";
import type { MessageKind } from "../../i18n/patient_templates.ts";
import type { RecordStores } from "../../stores/ports.ts";
import type { PublishOptions } from "../event_bus.ts";
import type { EventHandler, EventType, VaidyaEvent } from "../event_types.ts";
import type { PatientMessenger } from "../patient_messenger.ts";

type Publish = (event: VaidyaEvent, options?: PublishOptions) => Promise<void>;

const NOTICE: Partial<Record<EventType, MessageKind>> = {
  "appointment.confirmed": "confirmed",
  "appointment.cancelled": "cancelled",
  "appointment.rescheduled": "rescheduled",
};

export function patientNoticeHandler(messenger: PatientMessenger): EventHandler {
  return {
    name: "patient.notice",
    events: ["appointment.confirmed", "appointment.cancelled", "appointment.rescheduled"],
    async handle(event) {
      const kind = NOTICE[event.type];
      const { patientId, doctorId, startMs } = event.data;
      if (!kind || !patientId || !doctorId) return;
      await messenger.send(kind, { patientId, doctorId, startMs });
    },
  };
}

export function reminderSchedulerHandler(publish: Publish): EventHandler {
  return {
    name: "reminders.schedule",
    events: ["appointment.confirmed", "appointment.rescheduled"],
    async handle(event, ctx) {
      const { appointmentId, patientId, doctorId, startMs } = event.data;
      if (!appointmentId || startMs === undefined) return;
      for (const r of reminderSchedule(startMs, ctx.now)) {
        await publish({
          id: reminderEventId(appointmentId, startMs, r.kind),
          type: "reminder.due",
          occurredAtMs: ctx.now,
          data: { appointmentId, patientId, doctorId, startMs, reminder: r.kind },
        }, { atMs: r.dueAtMs });
      }
    },
  };
}

export function reminderSenderHandler(
  records: RecordStores,
  messenger: PatientMessenger,
): EventHandler {
  return {
    name: "reminders.send",
    events: ["reminder.due"],
    async handle(event, ctx) {
      const { appointmentId, startMs, reminder } = event.data;
      if (!appointmentId || startMs === undefined || !reminder) return;
      const a = await records.appointments.get(appointmentId);
      // Cancelled, completed, moved, or already started: this reminder has nothing to say.
      if (!a || a.status !== "confirmed" || a.startMs !== startMs || ctx.now >= a.startMs) return;
      await messenger.send(reminder === "24h" ? "reminder_24h" : "reminder_1h", {
        patientId: a.patientId,
        doctorId: a.doctorId,
        startMs: a.startMs,
      });
    },
  };
}
