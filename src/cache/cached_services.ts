/**
 * Caching of the public doctor reads — search and profiles — as a wrapper around the doctor
 * service, so the service stays unaware of it. Namespace `doctors`, bumped by create, profile,
 * availability and active-status changes; every bump is awaited before the service's answer is
 * returned (see read_through.ts for why that is enough). Slot lists are not cached here: the in-process
 * calendar view (src/stores/kv/calendar_view.ts) serves them exactly and for less than a Redis
 * round trip.
 */
import type { DoctorService } from "../doctors/doctor_service.ts";
import type { ReadThrough } from "./read_through.ts";

export const DOCTORS_TTL_MS = 60_000;
const DOCTORS = "doctors";
/**
 * The shape of the cached doctor view, in every key: a release that changes `DoctorView` changes
 * it, so it never answers a view that instances of the release before (beside it in a rolling
 * deploy, sharing the Redis) cached. A profile cached without `active` read as deactivated: its
 * /book page answered 404 and FHIR offered no free slot.
 */
const VIEW_SHAPE = "v2";

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
      await cache.invalidate(DOCTORS);
      return updated;
    },
    async setAvailability(id, input) {
      const updated = await doctors.setAvailability(id, input);
      await cache.invalidate(DOCTORS);
      return updated;
    },
    async setActive(id, active) {
      const result = await doctors.setActive(id, active);
      if (result.changed) await cache.invalidate(DOCTORS);
      return result;
    },
    get(id) {
      return cache.read(
        DOCTORS,
        `profile:${VIEW_SHAPE}:${id}`,
        DOCTORS_TTL_MS,
        () => doctors.get(id),
      );
    },
    async search(filter, limit, cursor) {
      const key = `search:${VIEW_SHAPE}:${await digest([filter, limit, cursor ?? null])}`;
      return await cache.read(
        DOCTORS,
        key,
        DOCTORS_TTL_MS,
        () => doctors.search(filter, limit, cursor),
      );
    },
  };
}
