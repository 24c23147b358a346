/**
 * Turns the delayed `hold.expiry_due` check (enqueued when a hold is created) into `hold.expired`
 * and `slot.released` when, on delivery, the hold still exists and has expired. A confirmed,
 * released or reschedule-used hold is gone by then, so nothing is announced for it. The hold
 * record itself is left to KV expiry, so a late confirm still answers 410.
 */
import type { HoldStore } from "../../stores/kv/hold_store.ts";
import type { PublishOptions } from "../event_bus.ts";
import type { EventHandler, VaidyaEvent } from "../event_types.ts";

type Publish = (event: VaidyaEvent, options?: PublishOptions) => Promise<void>;

export function holdExpiryHandler(holds: HoldStore, publish: Publish): EventHandler {
  return {
    name: "holds.expiry",
    events: ["hold.expiry_due"],
    async handle(event, ctx) {
      const holdId = event.data.holdId;
      if (!holdId) return;
      const hold = await holds.get(holdId);
      if (!hold) return;
      if (hold.expiresAtMs > ctx.now) throw new Error(`Hold ${holdId} has not expired yet`);
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
      await publish({
        id: `slot.released:hold:${holdId}`,
        type: "slot.released",
        occurredAtMs: ctx.now,
        data,
      });
    },
  };
}
