/**
 * Turns the due-time `hold.expiry_due` entry (written in the commit that created the hold) into
 * `hold.expired` and `slot.released` when, on delivery, the hold still exists and has expired. A
 * confirmed, released or reschedule-used hold is gone by then, so nothing is announced for it.
 * The hold record itself is left to KV expiry, so a late confirm still answers 410.
 *
 * A hold still present whose appointment exists means the process died between storing the
 * change and dropping the hold: the change's events were committed with it, so here the hold is
 * only removed, and the slot — which is booked — is never announced as released. Likewise no
 * release is announced while any active appointment covers the hold's time.
 */
import { appointmentIdFor } from "../../domain/appointment_machine.ts";
import type { HoldStore, RecordStores } from "../../stores/ports.ts";
import { isActive } from "../../stores/records.ts";
import type { PublishOptions } from "../event_bus.ts";
import { type EventHandler, SUBSCRIPTIONS, type VaidyaEvent } from "../event_types.ts";

type Publish = (event: VaidyaEvent, options?: PublishOptions) => Promise<void>;

export interface HoldExpiryDeps {
  holds: HoldStore;
  records: RecordStores;
  publish: Publish;
  /** Counts a hold that expired unconfirmed, once, here at its due time (holds_expired_total). */
  onExpired?: () => void;
}

export function holdExpiryHandler(deps: HoldExpiryDeps): EventHandler {
  const { holds, records, publish } = deps;
  return {
    name: "holds.expiry",
    events: SUBSCRIPTIONS["holds.expiry"],
    async handle(event, ctx) {
      const holdId = event.data.holdId;
      if (!holdId) return;
      const hold = await holds.get(holdId);
      if (!hold) return;
      if (hold.expiresAtMs > ctx.now) throw new Error(`Hold ${holdId} has not expired yet`);
      const booked = await records.appointments.get(appointmentIdFor(hold.id));
      if (booked && booked.holdId === hold.id && isActive(booked.status)) {
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
      deps.onExpired?.();
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
