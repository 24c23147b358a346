/**
 * On `slot.released`, tells the earliest waiting patients for that doctor's day, each at most once.
 * A failed message is logged and not retried: the entry is already marked, and at-most-once is the
 * promise (a second "a slot opened" text would be worse than a missing one).
 */
import type { Logger } from "../../observability/logger.ts";
import { errorFields } from "../../observability/logger.ts";
import type { WaitlistService } from "../../waitlist/waitlist_service.ts";
import { type EventHandler, SUBSCRIPTIONS } from "../event_types.ts";
import type { PatientMessenger } from "../patient_messenger.ts";

export function waitlistHandler(
  waitlist: WaitlistService,
  messenger: PatientMessenger,
  perSlot: number,
  log: Logger,
): EventHandler {
  return {
    name: "waitlist.notify",
    events: SUBSCRIPTIONS["waitlist.notify"],
    async handle(event) {
      const { doctorId, startMs } = event.data;
      if (!doctorId || startMs === undefined) return;
      await waitlist.notifyFreedSlot(doctorId, startMs, perSlot, async (entry) => {
        try {
          await messenger.send("waitlist_open", {
            patientId: entry.patientId,
            doctorId,
            date: entry.date,
          });
        } catch (err) {
          log.warn("waitlist message failed", { entryId: entry.id, ...errorFields(err) });
        }
      });
    },
  };
}
