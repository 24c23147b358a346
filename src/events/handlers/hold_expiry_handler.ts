/**
 * Turns the delayed `hold.expiry_due` check (enqueued when a hold is created) into `hold.expired`
 * and `slot.released` when, on delivery, the hold still exists and has expired. A confirmed,
 * released or reschedule-used hold is gone by then, so nothing is announced for it. The hold
 * record itself is left to KV expiry, so a late confirm still answers 410.
 *
 * It is also the safety net of a crash inside confirm: the appointment is booked before the hold
 * is dropped and the events are published, so a hold still present at expiry whose appointment
 * exists means the process died in between. Then the confirm's events are published now (their
 * ids are deterministic, so anything already published is not repeated) and the slot — which is
 * booked — is never announced as released. Likewise no release is announced while any active
 * appointment covers the hold's time (a reschedule that crashed before dropping its hold).
 */
import { appointmentIdFor } from "../../booking/booking_service.ts";
import type { HoldStore } from "../../stores/kv/hold_store.ts";
import type { RecordStores } from "../../stores/ports.ts";
import { type AppointmentRecord, isActive } from "../../stores/records.ts";
import type { PublishOptions } from "../event_bus.ts";
import type { EventHandler, VaidyaEvent } from "../event_types.ts";

type Publish = (event: VaidyaEvent, options?: PublishOptions) => Promise<void>;

export interface HoldExpiryDeps {
  holds: HoldStore;
  records: RecordStores;
  publish: Publish;
  /** Publishes (and audits) a confirm whose request died before it could. */
  recoverConfirmed: (appointment: AppointmentRecord) => Promise<void>;
}

export function holdExpiryHandler(deps: HoldExpiryDeps): EventHandler {
  const { holds, records, publish } = deps;
  return {
    name: "holds.expiry",
    events: ["hold.expiry_due"],
    async handle(event, ctx) {
      const holdId = event.data.holdId;
      if (!holdId) return;
      const hold = await holds.get(holdId);
      if (!hold) return;
      if (hold.expiresAtMs > ctx.now) throw new Error(`Hold ${holdId} has not expired yet`);
      const booked = await records.appointments.get(appointmentIdFor(hold.id));
      if (booked && booked.holdId === hold.id && isActive(booked.status)) {
        await deps.recoverConfirmed(booked);
        await holds.remove(hold);
        return;
      }
      const data = {
        holdId,
        doctorId: hold.doctorId,
        patientId: hold.patientId,
        startMs: hold.startMs,
        endMs: hold.endMs,
      };
      await publish({
        id: `hold.expired:${holdId}`,
        type: "hold.expired",
        occurredAtMs: ctx.now,
        data,
      });
      const taken = await records.appointments.busy(hold.doctorId, hold.startMs, hold.endMs);
      if (taken.length > 0) return;
      await publish({
        id: `slot.released:hold:${holdId}`,
        type: "slot.released",
        occurredAtMs: ctx.now,
        data,
      });
    },
  };
}
