/**
 * Caching of the public reads — doctor search, doctor profiles, slot lists — as wrappers around
 * the doctor and booking services, so the services stay unaware of it. Namespaces:
 * `doctors` (search and profiles; bumped by create, profile and availability changes) and
 * `slots:<doctorId>` (bumped by hold create/release, confirm, cancel, reschedule, the doctor's
 * status changes, and profile or availability changes). Every bump is awaited before the
 * service's answer is returned (see read_through.ts for why that is enough).
 *
 * Known, bounded staleness: a hold that simply expires bumps nothing, so its slot may stay hidden
 * for up to SLOTS_TTL_MS; a cached slot whose minimum notice passed meanwhile is refused at hold
 * time. Neither can double-book: the hold store decides, never the cache.
 */
import type { BookingService } from "../booking/booking_service.ts";
import type { DoctorService } from "../doctors/doctor_service.ts";
import type { HoldStore } from "../stores/kv/hold_store.ts";
import type { ReadThrough } from "./read_through.ts";

export const SLOTS_TTL_MS = 30_000;
export const DOCTORS_TTL_MS = 60_000;
const DOCTORS = "doctors";
const slotsOf = (doctorId: string) => `slots:${doctorId}`;

async function digest(value: unknown): Promise<string> {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(hash.subarray(0, 16), (b) => b.toString(16).padStart(2, "0")).join("");
}

export function cacheDoctorService(doctors: DoctorService, cache: ReadThrough): DoctorService {
  return {
    ...doctors,
    async create(input) {
      const created = await doctors.create(input);
      await cache.invalidate(DOCTORS);
      return created;
    },
    async update(id, patch) {
      const updated = await doctors.update(id, patch);
      await cache.invalidate(DOCTORS, slotsOf(id));
      return updated;
    },
    async setAvailability(id, input) {
      const updated = await doctors.setAvailability(id, input);
      await cache.invalidate(DOCTORS, slotsOf(id));
      return updated;
    },
    get(id) {
      return cache.read(DOCTORS, `profile:${id}`, DOCTORS_TTL_MS, () => doctors.get(id));
    },
    async search(filter, limit, cursor) {
      const key = `search:${await digest([filter, limit, cursor ?? null])}`;
      return await cache.read(
        DOCTORS,
        key,
        DOCTORS_TTL_MS,
        () => doctors.search(filter, limit, cursor),
      );
    },
  };
}

export function cacheBookingService(
  booking: BookingService,
  holds: HoldStore,
  cache: ReadThrough,
): BookingService {
  const changed = (doctorId: string) => cache.invalidate(slotsOf(doctorId));
  return {
    ...booking,
    listSlots(doctorId, from, to) {
      return cache.read(
        slotsOf(doctorId),
        `${from}:${to}`,
        SLOTS_TTL_MS,
        () => booking.listSlots(doctorId, from, to),
      );
    },
    async holdSlot(patientId, doctorId, start) {
      try {
        return await booking.holdSlot(patientId, doctorId, start);
      } finally {
        // Also after a failure: a hold may have been created and withdrawn in between.
        await changed(doctorId);
      }
    },
    async confirmHold(user, holdId, code, reason) {
      const appointment = await booking.confirmHold(user, holdId, code, reason);
      await changed(appointment.doctorId);
      return appointment;
    },
    async releaseHold(patientId, holdId) {
      const hold = await holds.get(holdId);
      await booking.releaseHold(patientId, holdId);
      if (hold) await changed(hold.doctorId);
    },
    async cancel(user, id, reason) {
      const appointment = await booking.cancel(user, id, reason);
      await changed(appointment.doctorId);
      return appointment;
    },
    async reschedule(user, id, holdId) {
      const appointment = await booking.reschedule(user, id, holdId);
      await changed(appointment.doctorId);
      return appointment;
    },
    async updateByDoctor(user, id, patch) {
      const appointment = await booking.updateByDoctor(user, id, patch);
      await changed(appointment.doctorId);
      return appointment;
    },
  };
}
