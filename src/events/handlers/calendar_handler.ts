/**
 * Announces a doctor update stored outside KV (MongoDB records) on the doctor's calendar, should
 * the process that stored it have died before its own bump (`announceDoctorUpdates` in
 * src/stores/kv/calendar.ts writes this entry, due a while later, before the update, and deletes
 * it in the commit of its bump). Without it the other instances' calendar views kept the old
 * hours until the doctor's calendar happened to move again.
 */
import { bumpCalendar } from "../../stores/kv/calendar.ts";
import { type EventHandler, SUBSCRIPTIONS } from "../event_types.ts";

export function calendarAnnounceHandler(kv: Deno.Kv): EventHandler {
  return {
    name: "calendar.announce",
    events: SUBSCRIPTIONS["calendar.announce"],
    async handle(event) {
      const { doctorId } = event.data;
      if (doctorId) await bumpCalendar(kv, doctorId, { doctorChanged: true });
    },
  };
}
