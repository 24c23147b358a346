/**
 * Doctors: registration and profile changes (admin), availability (the doctor or an admin), and
 * the public search. A doctor's phone is sealed and found by its blind index, never shown publicly.
 */
import type { DataCipher } from "../crypto/data_cipher.ts";
import type { KeyedHash } from "../crypto/keyed_hash.ts";
import { newId } from "../crypto/random.ts";
import type { Schedule } from "../domain/slots.ts";
import { scheduleProblems } from "../domain/slots.ts";
import { ConflictError, NotFoundError, ValidationError } from "../errors.ts";
import type { AuthUser } from "../auth/token_service.ts";
import type { DoctorFilter, RecordStores } from "../stores/ports.ts";
import { type DoctorRecord, SCHEMA_VERSION } from "../stores/records.ts";
import { type DoctorView, doctorView } from "../booking/views.ts";
import { matchesDoctorFilter } from "../stores/kv/doctor_store.ts";

export interface NewDoctor {
  name: string;
  phone: string;
  specializations: string[];
  languages: string[];
  city: string;
  timezone: string;
  slotMinutes: number;
  fee?: number | null;
  bio?: string | null;
}

export type DoctorPatch = Partial<Omit<NewDoctor, "phone">>;

export type AvailabilityInput =
  & Omit<
    Schedule,
    "slotMinutes" | "bufferMinutes" | "minNoticeMinutes" | "horizonDays" | "maxPerDay"
  >
  & {
    slotMinutes?: number;
    bufferMinutes?: number;
    minNoticeMinutes?: number;
    horizonDays?: number;
    maxPerDay?: number | null;
  };

export interface DoctorDeps {
  records: RecordStores;
  cipher: DataCipher;
  hash: KeyedHash;
  now: () => number;
}

export const DEFAULT_SCHEDULE_POLICY = {
  bufferMinutes: 0,
  minNoticeMinutes: 60,
  horizonDays: 30,
  maxPerDay: null,
} as const;

function assertSchedule(schedule: Schedule) {
  const problems = scheduleProblems(schedule);
  if (problems.length > 0) {
    throw new ValidationError("The availability has mistakes", problems);
  }
}

/**
 * The searchable texts in Unicode's canonical composition (NFC), stored and searched alike: a
 * nukta letter (ज़) comes precomposed (U+095B) from some keyboards and pastes and as ज + U+093C
 * from others, an accent as é or e + U+0301; without one form a search misses the other.
 */
const canonical = (text: string) => text.normalize("NFC");

function canonicalTexts<T extends Partial<Record<"name" | "city", string>>>(
  fields: T & { specializations?: string[]; languages?: string[] },
): T {
  const out = { ...fields };
  if (out.name !== undefined) out.name = canonical(out.name);
  if (out.city !== undefined) out.city = canonical(out.city);
  if (out.specializations) out.specializations = out.specializations.map(canonical);
  if (out.languages) out.languages = out.languages.map(canonical);
  return out;
}

/**
 * Whether `d`'s searchable texts are stored in NFC; a release before that kept them as typed, and
 * `deno task reconcile --fix` re-stores those through `canonicaliseTexts`.
 */
export function hasCanonicalTexts(
  d: Pick<DoctorRecord, "name" | "city" | "specializations" | "languages">,
): boolean {
  const texts = [d.name, d.city, ...(d.specializations ?? []), ...(d.languages ?? [])];
  return texts.every((t) => typeof t !== "string" || t === canonical(t));
}

function canonicalFilter(filter: DoctorFilter): DoctorFilter {
  const out: DoctorFilter = {};
  for (const field of ["specialization", "language", "city", "q"] as const) {
    if (filter[field] !== undefined) out[field] = canonical(filter[field]);
  }
  return out;
}

/** Concurrent edits of one doctor each get this many tries before a 409 (a pathological storm). */
const MAX_CHANGE_ATTEMPTS = 20;

export function createDoctorService(deps: DoctorDeps) {
  const { records, cipher, hash, now } = deps;

  async function get(id: string) {
    const d = await records.doctors.get(id);
    if (!d) throw new NotFoundError(`Doctor ${id} does not exist`);
    return d;
  }

  /**
   * Applies `edit` to the current record and stores it if nobody changed it meanwhile; on a
   * version conflict it reads again and reapplies. Clients send no version, so a lost race is
   * ours to redo, never a 409 they could not act on. An edit that returns the record it was
   * given changes nothing and stores nothing.
   */
  async function change(id: string, edit: (d: DoctorRecord) => DoctorRecord) {
    for (let attempt = 1;; attempt++) {
      const current = await get(id);
      const next = edit(current);
      if (next === current) return doctorView(current);
      try {
        await records.doctors.update(next);
        return doctorView(next);
      } catch (err) {
        const lost = err instanceof ConflictError && err.code === "version_conflict";
        if (!lost || attempt >= MAX_CHANGE_ATTEMPTS) throw err;
      }
    }
  }

  return {
    async create(given: NewDoctor) {
      const input = canonicalTexts(given);
      const iso = new Date(now()).toISOString();
      const schedule: Schedule = {
        weekly: [],
        overrides: [],
        slotMinutes: input.slotMinutes,
        ...DEFAULT_SCHEDULE_POLICY,
      };
      assertSchedule(schedule);
      const record: DoctorRecord = {
        id: newId("doc"),
        schemaVersion: SCHEMA_VERSION,
        name: input.name,
        phoneIndex: await hash.hash("phone", input.phone),
        phoneSealed: await cipher.seal(input.phone),
        specializations: input.specializations,
        languages: input.languages,
        city: input.city,
        timezone: input.timezone,
        fee: input.fee ?? null,
        bio: input.bio ?? null,
        schedule,
        createdAt: iso,
        updatedAt: iso,
        version: 1,
      };
      await records.doctors.create(record);
      return doctorView(record);
    },

    update(id: string, patch: DoctorPatch) {
      return change(id, (d) => {
        const { slotMinutes, ...profile } = canonicalTexts(patch);
        const next: DoctorRecord = {
          ...d,
          ...Object.fromEntries(Object.entries(profile).filter(([, v]) => v !== undefined)),
          schedule: slotMinutes ? { ...d.schedule, slotMinutes } : d.schedule,
          updatedAt: new Date(now()).toISOString(),
          version: d.version + 1,
        };
        assertSchedule(next.schedule);
        return next;
      });
    },

    setAvailability(id: string, input: AvailabilityInput) {
      return change(id, (d) => {
        const schedule: Schedule = {
          weekly: input.weekly,
          overrides: input.overrides,
          slotMinutes: input.slotMinutes ?? d.schedule.slotMinutes,
          bufferMinutes: input.bufferMinutes ?? d.schedule.bufferMinutes,
          minNoticeMinutes: input.minNoticeMinutes ?? d.schedule.minNoticeMinutes,
          horizonDays: input.horizonDays ?? d.schedule.horizonDays,
          maxPerDay: input.maxPerDay === undefined ? d.schedule.maxPerDay : input.maxPerDay,
        };
        assertSchedule(schedule);
        return { ...d, schedule, updatedAt: new Date(now()).toISOString(), version: d.version + 1 };
      });
    },

    /**
     * Takes the doctor off the platform (`active: false`) or back, through the one change path,
     * so the calendar version moves and every instance's listing view reloads the record.
     * `changed` is false when the doctor already was so (nothing stored, nothing to audit).
     */
    async setActive(id: string, active: boolean) {
      let changed = false;
      const doctor = await change(id, (d) => {
        changed = !d.deactivatedAt !== active;
        if (!changed) return d;
        return {
          ...d,
          deactivatedAt: active ? null : new Date(now()).toISOString(),
          updatedAt: new Date(now()).toISOString(),
          version: d.version + 1,
        };
      });
      return { doctor, changed };
    },

    /**
     * Stores `id`'s searchable texts in NFC if an earlier release kept them as typed, through the
     * one change path (version check, calendar version, search index). False: nothing to do.
     */
    async canonicaliseTexts(id: string): Promise<boolean> {
      if (hasCanonicalTexts(await get(id))) return false;
      await change(id, (d) => ({
        ...d,
        ...canonicalTexts({
          name: d.name,
          city: d.city,
          specializations: d.specializations,
          languages: d.languages,
        }),
        updatedAt: new Date(now()).toISOString(),
        version: d.version + 1,
      }));
      return true;
    },

    async get(id: string) {
      return doctorView(await get(id));
    },

    async search(filter: DoctorFilter, limit: number, cursor?: string) {
      const page = await records.doctors.search(canonicalFilter(filter), limit, cursor);
      return { items: page.items.map(doctorView), nextCursor: page.nextCursor };
    },

    /**
     * The admin's listing, never cached: every doctor, or only the active (`active: true`) or
     * deactivated (`false`) ones, with the search's filters, ordered by id. Public fields only.
     */
    async listForAdmin(
      filter: DoctorFilter,
      active: boolean | undefined,
      limit: number,
      cursor?: string,
    ) {
      const scope: DoctorFilter = active === undefined
        ? { includeInactive: true }
        : active
        ? {}
        : { inactiveOnly: true };
      const page = await records.doctors.search(
        { ...canonicalFilter(filter), ...scope },
        limit,
        cursor,
      );
      return { items: page.items.map(doctorView), nextCursor: page.nextCursor };
    },

    /** Whether `doctor` is one that `search(filter)` would answer. */
    matches(doctor: DoctorView, filter: DoctorFilter): boolean {
      return matchesDoctorFilter(doctor, canonicalFilter(filter));
    },

    /** Doctors may change only their own availability; admins any. Foreign ids are 404. */
    assertCanManage(user: AuthUser, doctorId: string) {
      if (user.role === "admin") return;
      if (user.role === "doctor" && user.id === doctorId) return;
      throw new NotFoundError(`Doctor ${doctorId} does not exist`);
    },
  };
}

export type DoctorService = ReturnType<typeof createDoctorService>;
