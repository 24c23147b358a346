/**
 * Public FHIR reads and searches over the doctor directory: Practitioner and Schedule (one per
 * doctor, same id) from the doctor service, Slot from the booking service's bookable slots. Only
 * public doctor views are read, so a doctor's phone can never reach a response.
 */
import type { BookingService } from "../booking/booking_service.ts";
import type { DoctorView } from "../booking/views.ts";
import type { DoctorService } from "../doctors/doctor_service.ts";
import {
  daysBetween,
  inYearRange,
  localDateOf,
  MAX_YEAR,
  MIN_YEAR,
  zonedWallTimeToEpochMs,
} from "../domain/zoned_time.ts";
import { NotFoundError, ValidationError } from "../errors.ts";
import type { DoctorFilter } from "../stores/ports.ts";
import { type SearchPage, searchsetBundle } from "./bundle.ts";
import { fromFhirId, idFromReference, parseSlotFhirId } from "./fhir_ids.ts";
import { practitionerResource, scheduleResource, slotResource } from "./resources.ts";
import {
  cursorParam,
  parseCount,
  parseDateRange,
  parseOffset,
  stringParam,
  tokenCode,
  utcDayStart,
} from "./search_params.ts";

export interface DirectoryDeps {
  doctors: DoctorService;
  booking: BookingService;
  now: () => number;
  maxSlotRangeDays: number;
}

/** Above this many matches a search answers without `total` rather than counting them all. */
const MAX_COUNTED = 1000;

export function createFhirDirectory(deps: DirectoryDeps) {
  const { doctors, booking, now } = deps;

  async function doctorOrNull(id: string | null): Promise<DoctorView | null> {
    if (!id) return null;
    try {
      return await doctors.get(id);
    } catch (err) {
      if (err instanceof NotFoundError) return null;
      throw err;
    }
  }

  async function doctorFor(type: string, fhirId: string): Promise<DoctorView> {
    const doctor = await doctorOrNull(fromFhirId(fhirId));
    if (!doctor) throw new NotFoundError(`${type}/${fhirId} is not known`);
    return doctor;
  }

  async function countDoctors(filter: DoctorFilter): Promise<number | undefined> {
    let total = 0;
    let cursor: string | undefined;
    do {
      const page = await doctors.search(filter, 100, cursor);
      total += page.items.length;
      cursor = page.nextCursor ?? undefined;
      if (total > MAX_COUNTED) return undefined;
    } while (cursor);
    return total;
  }

  /**
   * Doctors matching Practitioner/Schedule parameters, paged by the store's cursor. Every
   * parameter is read (and a bad one refused) before `_id`/`actor` picks a single doctor, which
   * the other parameters must match too (search parameters combine with AND).
   */
  async function searchDoctors(params: URLSearchParams, idParam: string | null) {
    const text = (name: string) => stringParam(params.get(name) ?? undefined, name);
    const count = parseCount(params.get("_count") ?? undefined, 20, 100);
    const cursor = cursorParam(params.get("_cursor"));
    const given = {
      name: text("name"),
      specialty: text("specialty"),
      "address-city": text("address-city"),
      communication: text("communication"),
    };
    const used = new URLSearchParams();
    for (const [name, value] of Object.entries(given)) if (value) used.set(name, value);
    const filter: DoctorFilter = {
      q: given.name,
      specialization: given.specialty,
      city: given["address-city"],
      language: given.communication && tokenCode(given.communication),
    };
    if (idParam !== null) {
      const found = await doctorOrNull(idParam);
      const doctor = found && doctors.matches(found, filter) ? found : null;
      return { used, page: { items: doctor ? [doctor] : [], total: doctor ? 1 : 0 } };
    }
    used.set("_count", String(count));
    if (cursor) used.set("_cursor", cursor);
    const page = await doctors.search(filter, count, cursor);
    const total = !cursor && !page.nextCursor ? page.items.length : await countDoctors(filter);
    let next: URLSearchParams | undefined;
    if (page.nextCursor) {
      next = new URLSearchParams(used);
      next.set("_cursor", page.nextCursor);
    }
    return { used, page: { items: page.items, total, next } };
  }

  return {
    async practitioner(fhirId: string) {
      return practitionerResource(await doctorFor("Practitioner", fhirId));
    },

    async searchPractitioners(base: string, params: URLSearchParams) {
      const idValue = params.get("_id");
      const { used, page } = await searchDoctors(
        params,
        idValue ? fromFhirId(idValue) ?? "" : null,
      );
      if (idValue) used.set("_id", idValue);
      const resources = page.items.map(practitionerResource);
      return searchsetBundle(base, "Practitioner", used, { ...page, resources });
    },

    async schedule(fhirId: string) {
      return scheduleResource(await doctorFor("Schedule", fhirId), now());
    },

    async searchSchedules(base: string, params: URLSearchParams) {
      const actor = params.get("actor") ?? params.get("_id");
      const id = actor === null ? null : idFromReference(actor, "Practitioner") ?? "";
      const { used, page } = await searchDoctors(params, id);
      if (actor !== null) used.set(params.has("actor") ? "actor" : "_id", actor);
      const resources = page.items.map((d) => scheduleResource(d, now()));
      return searchsetBundle(base, "Schedule", used, { ...page, resources });
    },

    async slot(fhirId: string) {
      const parsed = parseSlotFhirId(fhirId);
      const doctor = await doctorOrNull(parsed?.doctorId ?? null);
      const day = doctor && localDateOf(parsed!.startMs, doctor.timezone);
      // A deactivated doctor has no free slot (the API's listing answers 409 doctor_inactive).
      const free = doctor?.active && day
        ? (await booking.listSlots(doctor.id, day, day)).slots
        : [];
      const slot = free.find((s) => Date.parse(s.start) === parsed?.startMs);
      if (!doctor || !slot) throw new NotFoundError(`Slot/${fhirId} is not known or not free`);
      return slotResource(doctor.id, slot);
    },

    /** Free slots of one schedule in a bounded range: `start=ge…&start=le…`, at most N days. */
    async searchSlots(base: string, params: URLSearchParams) {
      const scheduleRef = params.get("schedule");
      const starts = params.getAll("start");
      if (!scheduleRef || starts.length === 0) {
        throw new ValidationError(
          "Slot search needs schedule=Schedule/<id> and a bounded start range, e.g. start=ge2026-12-01&start=le2026-12-07",
        );
      }
      const count = parseCount(params.get("_count") ?? undefined, 100, 500);
      const offset = parseOffset(params.get("_offset") ?? undefined);
      // The values are checked (UTC days) before the schedule is looked up, so a malformed
      // range is a 400 whether or not the schedule exists; its own time zone comes after.
      const utc = parseDateRange(starts, "start", utcDayStart);
      if (utc.fromMs === undefined || utc.toMs === undefined) {
        throw new ValidationError("start needs both a lower (ge/gt) and an upper (le/lt) bound");
      }
      // Beyond these years a doctor's calendar arithmetic has no days to offer (and throws).
      if (!inYearRange(utc.fromMs) || !inYearRange(utc.toMs - 1)) {
        throw new ValidationError(`start must lie between the years ${MIN_YEAR} and ${MAX_YEAR}`);
      }
      const doctor = await doctorOrNull(idFromReference(scheduleRef, "Schedule"));
      const used = new URLSearchParams({ schedule: scheduleRef });
      starts.forEach((s) => used.append("start", s));
      const status = params.get("status");
      if (status) used.set("status", status);
      used.set("_count", String(count));
      if (offset > 0) used.set("_offset", String(offset));
      if (!doctor?.active) return searchsetBundle(base, "Slot", used, { resources: [], total: 0 });

      const tz = doctor.timezone;
      const range = parseDateRange(starts, "start", (d) => zonedWallTimeToEpochMs(d, "00:00", tz));
      if (range.fromMs === undefined || range.toMs === undefined) {
        throw new ValidationError("start needs both a lower (ge/gt) and an upper (le/lt) bound");
      }
      const fromDate = localDateOf(range.fromMs, tz);
      const toDate = localDateOf(range.toMs - 1, tz);
      if (daysBetween(fromDate, toDate) + 1 > deps.maxSlotRangeDays) {
        throw new ValidationError(`start may span at most ${deps.maxSlotRangeDays} days`);
      }
      const wanted = !status || tokenCode(status) === "free";
      const all = wanted ? (await booking.listSlots(doctor.id, fromDate, toDate)).slots : [];
      const inRange = all.filter((s) => {
        const ms = Date.parse(s.start);
        return ms >= range.fromMs! && ms < range.toMs!;
      });
      const page: SearchPage = {
        resources: inRange.slice(offset, offset + count).map((s) => slotResource(doctor.id, s)),
        total: inRange.length,
      };
      if (offset + count < inRange.length) {
        page.next = new URLSearchParams(used);
        page.next.set("_offset", String(offset + count));
      }
      return searchsetBundle(base, "Slot", used, page);
    },
  };
}

export type FhirDirectory = ReturnType<typeof createFhirDirectory>;
