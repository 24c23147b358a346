/**
 * The waitlist: a patient asks to hear about a doctor's day (in the doctor's calendar) and, when a
 * slot on that day frees up, the earliest waiting patients are told, each at most once. Joining is
 * idempotent per patient, doctor and day, and one patient waits on at most `maxPerPatient` days;
 * a deactivated doctor's days are refused (409 `doctor_inactive`).
 */
import { bookableDoctor } from "../doctors/bookable.ts";
import { newId } from "../crypto/random.ts";
import { slotStartingAt } from "../domain/slots.ts";
import { addDays, daysBetween, localDateOf, zonedWallTimeToEpochMs } from "../domain/zoned_time.ts";
import { NotFoundError, PolicyError } from "../errors.ts";
import type { RecordStores } from "../stores/ports.ts";
import type { WaitlistEntry, WaitlistStore } from "./waitlist_store.ts";

export interface WaitlistView {
  id: string;
  doctorId: string;
  date: string;
  createdAt: string;
  notifiedAt: string | null;
}

const view = (e: WaitlistEntry): WaitlistView => ({
  id: e.id,
  doctorId: e.doctorId,
  date: e.date,
  createdAt: e.createdAt,
  notifiedAt: e.notifiedAt,
});

export function createWaitlistService(deps: {
  store: WaitlistStore;
  records: RecordStores;
  now: () => number;
  /** Entries one patient may have for days still to come (MAX_WAITLIST_PER_PATIENT). */
  maxPerPatient: number;
}) {
  const { store, records, now, maxPerPatient } = deps;
  return {
    async join(patientId: string, doctorId: string, date: string) {
      // A deactivated doctor's time frees up for no one to book until they are reactivated.
      const doctor = bookableDoctor(await records.doctors.get(doctorId), doctorId);
      const nowMs = now();
      const today = localDateOf(nowMs, doctor.timezone);
      const ahead = daysBetween(today, date);
      if (ahead < 0) throw new PolicyError("date_in_past", `${date} has already passed`);
      if (ahead > doctor.schedule.horizonDays) {
        throw new PolicyError(
          "beyond_horizon",
          `Doctor ${doctorId} takes bookings at most ${doctor.schedule.horizonDays} days ahead`,
        );
      }
      const entry: WaitlistEntry = {
        id: newId("wtl", nowMs),
        doctorId,
        patientId,
        date,
        createdAt: new Date(nowMs).toISOString(),
        createdAtMs: nowMs,
        notifiedAt: null,
      };
      const ttlMs = (daysBetween(today, addDays(date, 2)) + 1) * 86_400_000;
      // A day over in every time zone (UTC-12 to UTC+14) no longer counts; its entry lapses soon.
      const fromDate = addDays(localDateOf(nowMs, "UTC"), -1);
      const result = await store.add(entry, ttlMs, { max: maxPerPatient, fromDate });
      return { entry: view(result.entry), created: result.created };
    },

    async listMine(patientId: string): Promise<WaitlistView[]> {
      return (await store.listForPatient(patientId)).map(view);
    },

    async leave(patientId: string, id: string) {
      if (!(await store.remove(patientId, id))) {
        throw new NotFoundError(`Waitlist entry ${id} does not exist`);
      }
    },

    /**
     * Tells up to `max` waiting patients (earliest first, never twice) that a slot starting at
     * `startMs` freed up. Each is marked notified before the message goes out: at most once.
     * A time the doctor's schedule no longer offers (past, inside the notice, hours changed), or a
     * deactivated doctor's (a hold answers 409 `doctor_inactive`), tells nobody: a patient marked
     * for it would never hear of a slot they could book. A patient who
     * has since booked this doctor on that day leaves the list instead of taking a notice from
     * the next in line. A `notify` that throws (the message could not be sent) clears the mark:
     * that patient keeps their place for the next slot, and the next in line is told of this one.
     */
    async notifyFreedSlot(
      doctorId: string,
      startMs: number,
      max: number,
      notify: (entry: WaitlistEntry) => Promise<void>,
    ): Promise<string[]> {
      const doctor = await records.doctors.get(doctorId);
      if (!doctor || doctor.deactivatedAt) return [];
      const offered = { schedule: doctor.schedule, timeZone: doctor.timezone, busy: [] };
      if (!slotStartingAt({ ...offered, nowMs: now() }, startMs)) return [];
      const date = localDateOf(startMs, doctor.timezone);
      const day = {
        fromMs: zonedWallTimeToEpochMs(date, "00:00", doctor.timezone),
        toMs: zonedWallTimeToEpochMs(addDays(date, 1), "00:00", doctor.timezone),
        status: "confirmed" as const,
      };
      const bookedThatDay = async (patientId: string) => {
        const { items } = await records.appointments.listForPatient(patientId, day, 50);
        return items.some((a) => a.doctorId === doctorId);
      };
      const told: string[] = [];
      for (const entry of await store.listForDay(doctorId, date)) {
        if (told.length >= max) break;
        if (entry.notifiedAt) continue;
        if (await bookedThatDay(entry.patientId)) {
          await store.remove(entry.patientId, entry.id);
          continue;
        }
        if (!(await store.markNotified(entry, now()))) continue;
        try {
          await notify(entry);
        } catch {
          await store.clearNotified(entry);
          continue;
        }
        told.push(entry.patientId);
      }
      return told;
    },
  };
}

export type WaitlistService = ReturnType<typeof createWaitlistService>;
