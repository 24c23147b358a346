/**
 * On `slot.released`, tells the earliest waiting patients for that doctor's day, each at most once,
 * unless the freed time is taken again by then (a booking or a live hold made before this
 * delivery): they are told of a slot they can have, and stay waiting otherwise. A time still
 * pending a change (MongoDB records: a change in flight, or one that died before settling its
 * busy entry) is looked at again on a retry. A failed message is logged and not retried: the
 * entry is already marked, and at-most-once is the promise (a second "a slot opened" text would
 * be worse than a missing one).
 */
import { PhoneUndeliverableError } from "../../errors.ts";
import type { Logger } from "../../observability/logger.ts";
import { errorFields } from "../../observability/logger.ts";
import type { HoldStore, RecordStores } from "../../stores/ports.ts";
import type { WaitlistService } from "../../waitlist/waitlist_service.ts";
import { type EventHandler, SUBSCRIPTIONS } from "../event_types.ts";
import type { PatientMessenger } from "../patient_messenger.ts";

/** Whether a doctor's time is free now, taken (booked or held), or pending a change. */
export type SlotState = (
  doctorId: string,
  fromMs: number,
  toMs: number,
  nowMs: number,
) => Promise<"free" | "taken" | "pending">;

/** The state of a doctor's time from the appointments' busy time and the live holds. */
export function slotStateOf(records: RecordStores, holds: HoldStore): SlotState {
  return async (doctorId, fromMs, toMs, nowMs) => {
    const [booked, held] = await Promise.all([
      records.appointments.busy(doctorId, fromMs, toMs),
      holds.active(doctorId, fromMs, toMs, nowMs),
    ]);
    if (booked.some((b) => b.pendingForMs !== undefined)) return "pending";
    // `active` answers live holds only.
    return booked.length > 0 || held.length > 0 ? "taken" : "free";
  };
}

export function waitlistHandler(
  waitlist: WaitlistService,
  messenger: PatientMessenger,
  perSlot: number,
  log: Logger,
  slotState: SlotState,
): EventHandler {
  return {
    name: "waitlist.notify",
    events: SUBSCRIPTIONS["waitlist.notify"],
    async handle(event, ctx) {
      const { doctorId, startMs, endMs } = event.data;
      if (!doctorId || startMs === undefined) return;
      const state = await slotState(doctorId, startMs, endMs ?? startMs + 1, ctx.now);
      if (state === "pending") {
        throw new Error(
          `Doctor ${doctorId}'s time at ${startMs} is pending a change; not yet free`,
        );
      }
      if (state === "taken") return;
      let failed = 0;
      const told = await waitlist.notifyFreedSlot(doctorId, startMs, perSlot, async (entry) => {
        try {
          await messenger.send("waitlist_open", {
            patientId: entry.patientId,
            doctorId,
            date: entry.date,
          });
        } catch (err) {
          // A phone refused for good (the messenger warned): no retry of the event can reach it.
          if (!(err instanceof PhoneUndeliverableError)) {
            log.warn("waitlist message failed", { entryId: entry.id, ...errorFields(err) });
            failed++;
          }
          throw err; // the patient keeps their place; the next in line is told instead
        }
      });
      // Nobody heard of the slot because sending failed (the provider down): try again later.
      // Once someone was told, a retry would tell up to `perSlot` more.
      if (told.length === 0 && failed > 0) {
        throw new Error(`No waitlisted patient could be told of doctor ${doctorId}'s freed time`);
      }
    },
  };
}
