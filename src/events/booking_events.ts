/**
 * What the booking service tells the rest of the product after a write succeeded: it appends the
 * audit entry and publishes the events. Publishing never fails the request (the booking already
 * happened; a lost event is logged loudly). A read of consultation notes is different: it is
 * audited before the notes are returned, and if the audit cannot be written the read fails.
 */
import type { AuditAction } from "../audit/audit_chain.ts";
import type { AuditLog } from "../audit/audit_log.ts";
import type { AuthUser } from "../auth/token_service.ts";
import type { Logger } from "../observability/logger.ts";
import { errorFields } from "../observability/logger.ts";
import type { HoldRecord } from "../stores/kv/hold_store.ts";
import type { AppointmentRecord } from "../stores/records.ts";
import type { EventBus, PublishOptions } from "./event_bus.ts";
import type { EventData, EventType, VaidyaEvent } from "./event_types.ts";

export interface BookingEvents {
  holdCreated(hold: HoldRecord): Promise<void>;
  holdReleased(hold: HoldRecord): Promise<void>;
  confirmed(a: AppointmentRecord, actor: AuthUser): Promise<void>;
  cancelled(a: AppointmentRecord, actor: AuthUser): Promise<void>;
  rescheduled(before: AppointmentRecord, after: AppointmentRecord, actor: AuthUser): Promise<void>;
  updatedByDoctor(
    before: AppointmentRecord,
    after: AppointmentRecord,
    actor: AuthUser,
    notesWritten: boolean,
  ): Promise<void>;
  /** Throws if the read cannot be audited. */
  notesRead(a: AppointmentRecord, actor: AuthUser): Promise<void>;
}

/** A short delay after expiry, so the check never races the hold's own clock. */
const EXPIRY_CHECK_GRACE_MS = 1_000;

function appointmentData(a: AppointmentRecord, actor?: AuthUser): EventData {
  return {
    appointmentId: a.id,
    doctorId: a.doctorId,
    patientId: a.patientId,
    startMs: a.startMs,
    endMs: a.endMs,
    status: a.status,
    actorId: actor?.id,
    actorRole: actor?.role,
  };
}

export function createBookingEvents(deps: {
  bus: EventBus;
  audit: AuditLog;
  log: Logger;
  now: () => number;
}): BookingEvents {
  const { bus, audit, log, now } = deps;

  async function publish(id: string, type: EventType, data: EventData, options?: PublishOptions) {
    const event: VaidyaEvent = { id, type, occurredAtMs: now(), data };
    try {
      await bus.publish(event, options);
    } catch (err) {
      log.error("event not published", { eventId: id, type, ...errorFields(err) });
    }
  }

  async function record(action: AuditAction, a: AppointmentRecord, actor: AuthUser) {
    try {
      await audit.append({
        actorId: actor.id,
        actorRole: actor.role,
        action,
        appointmentId: a.id,
        patientId: a.patientId,
        doctorId: a.doctorId,
      });
    } catch (err) {
      log.error("audit entry not written", { action, appointmentId: a.id, ...errorFields(err) });
    }
  }

  const released = (a: AppointmentRecord, startMs: number, endMs: number) =>
    publish(`slot.released:${a.id}:v${a.version}`, "slot.released", {
      appointmentId: a.id,
      doctorId: a.doctorId,
      startMs,
      endMs,
    });

  return {
    async holdCreated(hold) {
      await publish(`hold.expiry_due:${hold.id}`, "hold.expiry_due", {
        holdId: hold.id,
        doctorId: hold.doctorId,
      }, { atMs: hold.expiresAtMs + EXPIRY_CHECK_GRACE_MS });
    },
    async holdReleased(hold) {
      await publish(`slot.released:hold:${hold.id}`, "slot.released", {
        holdId: hold.id,
        doctorId: hold.doctorId,
        startMs: hold.startMs,
        endMs: hold.endMs,
      });
    },
    async confirmed(a, actor) {
      await record("appointment.book", a, actor);
      await publish(
        `appointment.confirmed:${a.id}`,
        "appointment.confirmed",
        appointmentData(a, actor),
      );
    },
    async cancelled(a, actor) {
      await record("appointment.cancel", a, actor);
      await publish(
        `appointment.cancelled:${a.id}:v${a.version}`,
        "appointment.cancelled",
        appointmentData(a, actor),
      );
      await released(a, a.startMs, a.endMs);
    },
    async rescheduled(before, after, actor) {
      await record("appointment.reschedule", after, actor);
      await publish(
        `appointment.rescheduled:${after.id}:v${after.version}`,
        "appointment.rescheduled",
        {
          ...appointmentData(after, actor),
          previousStartMs: before.startMs,
        },
      );
      await released(after, before.startMs, before.endMs);
    },
    async updatedByDoctor(before, after, actor, notesWritten) {
      if (notesWritten) await record("appointment.notes_write", after, actor);
      if (after.status === before.status) return;
      const completed = after.status === "completed";
      await record(completed ? "appointment.complete" : "appointment.no_show", after, actor);
      const type = completed ? "appointment.completed" : "appointment.no_show";
      await publish(`${type}:${after.id}`, type, appointmentData(after, actor));
    },
    async notesRead(a, actor) {
      await audit.append({
        actorId: actor.id,
        actorRole: actor.role,
        action: "appointment.notes_read",
        appointmentId: a.id,
        patientId: a.patientId,
        doctorId: a.doctorId,
      });
    },
  };
}
