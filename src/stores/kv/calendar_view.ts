/**
 * An in-process view of each doctor's busy time (active appointments and live holds), kept exact
 * by the doctor's calendar version (calendar.ts), for slot listings on the KV records store.
 *
 * Every read takes the calendar version from a store read that began after the call (one small
 * read, coalesced with concurrent listings' by calendar_versions.ts); the doctor record and busy
 * intervals loaded under the same version are reused from memory. Why that is exact: every hold, release,
 * confirm, cancel, reschedule and course, and every change of the doctor's record or hours
 * (doctor_store.ts), on any instance sharing the KV, bumps the version in the commit that makes
 * the change; what is loaded is read after the version was, so it reflects at least every change
 * up to it. Once a write has answered, a later read sees a newer version and reloads. A hold that
 * merely expires bumps nothing, so each held interval keeps its `expiresAtMs` and is dropped at
 * read time (DESIGN invariant 3).
 *
 * With MongoDB records, the version is bumped after each stored change instead of in its commit
 * (the appointment writer, `announceDoctorUpdates` in calendar.ts), still before the API answers.
 *
 * It owns no key and writes nothing; it never decides a booking (the commits do).
 */
import type { Interval } from "../../domain/slots.ts";
import type { AppointmentStore, DoctorStore, HoldStore } from "../ports.ts";
import type { DoctorRecord } from "../records.ts";
import { createCalendarVersions } from "./calendar_versions.ts";

/** A doctor and their busy time as of a store read that began after `read()` was called. */
export interface DoctorCalendar {
  doctor: DoctorRecord;
  /** Busy intervals overlapping [fromMs, toMs) that are still busy at `nowMs`. */
  busy(fromMs: number, toMs: number, nowMs: number): Promise<BusyInterval[]>;
  /**
   * A value computed from this calendar, reused under the same calendar and doctor versions
   * until `validUntilMs` (the caller bounds it by whatever time alone changes: hold expiries,
   * minimum notice). A view without versions computes every time.
   */
  memo<T>(
    key: string,
    nowMs: number,
    compute: () => Promise<{ value: T; validUntilMs: number }>,
  ): Promise<T>;
}

/** Busy time; a hold's interval carries its expiry. */
export interface BusyInterval extends Interval {
  expiresAtMs?: number;
}

export interface CalendarView {
  /** null when the doctor does not exist. */
  read(doctorId: string): Promise<DoctorCalendar | null>;
}

interface Loaded {
  fromMs: number;
  toMs: number;
  intervals: Promise<BusyInterval[]>;
}

interface Entry {
  version: string;
  doctor?: Promise<DoctorRecord | null>;
  /** What `read` hands out for this version, built once (not per listing). */
  calendar?: DoctorCalendar;
  loaded?: Loaded;
  memos: Map<string, { value: Promise<unknown>; validUntilMs: number }>;
}

/** Memoised values per doctor (e.g. listings of different day ranges). */
const MAX_MEMOS = 16;

const DAY_MS = 86_400_000;

export interface CalendarViewOptions {
  /** Doctors kept in memory; the least recently listed go first. Default 10,000. */
  maxDoctors?: number;
  /** A load covers at least this many days from now, so most listings reuse it. Default 16. */
  aheadDays?: number;
}

export function createKvCalendarView(
  kv: Deno.Kv,
  sources: {
    doctors: Pick<DoctorStore, "get">;
    appointments: Pick<AppointmentStore, "busy">;
    holds: Pick<HoldStore, "active">;
  },
  options: CalendarViewOptions = {},
): CalendarView {
  const maxDoctors = options.maxDoctors ?? 10_000;
  const aheadMs = (options.aheadDays ?? 16) * DAY_MS;
  const entries = new Map<string, Entry>();
  const versions = createCalendarVersions(kv, maxDoctors);

  function entryFor(doctorId: string, version: string): Entry {
    let entry = entries.get(doctorId);
    if (entry) entries.delete(doctorId); // re-inserted below: Map order is recency order
    if (!entry || entry.version !== version) entry = { version, memos: new Map() };
    entries.set(doctorId, entry);
    if (entries.size > maxDoctors) entries.delete(entries.keys().next().value!);
    return entry;
  }

  async function load(doctorId: string, fromMs: number, toMs: number, nowMs: number) {
    const [booked, held] = await Promise.all([
      sources.appointments.busy(doctorId, fromMs, toMs),
      sources.holds.active(doctorId, fromMs, toMs, nowMs),
    ]);
    return [...booked, ...held] as BusyInterval[];
  }

  function calendarOf(doctorId: string, entry: Entry, doctor: DoctorRecord): DoctorCalendar {
    return {
      doctor,
      async busy(fromMs, toMs, nowMs) {
        let loaded = entry.loaded;
        if (!loaded || fromMs < loaded.fromMs || toMs > loaded.toMs) {
          const from = Math.min(fromMs, nowMs - DAY_MS);
          const to = Math.max(toMs, nowMs + aheadMs);
          loaded = { fromMs: from, toMs: to, intervals: load(doctorId, from, to, nowMs) };
          entry.loaded = loaded;
          // A failed load is not kept: the next listing tries again.
          loaded.intervals.catch(() => {
            if (entry.loaded === loaded) entry.loaded = undefined;
          });
        }
        const out: BusyInterval[] = [];
        for (const b of await loaded.intervals) {
          if (b.startMs >= toMs || b.endMs <= fromMs) continue;
          if (b.expiresAtMs !== undefined && b.expiresAtMs <= nowMs) continue;
          out.push(b);
        }
        return out;
      },
      async memo<T>(
        key: string,
        nowMs: number,
        compute: () => Promise<{ value: T; validUntilMs: number }>,
      ): Promise<T> {
        const hit = entry.memos.get(key);
        if (hit && nowMs < hit.validUntilMs) return await (hit.value as Promise<T>);
        const computed = compute();
        // Until it settles, concurrent listings share it; it is only valid for this instant.
        const memo = { value: computed.then((c) => c.value), validUntilMs: nowMs + 1 };
        entry.memos.delete(key);
        entry.memos.set(key, memo);
        if (entry.memos.size > MAX_MEMOS) entry.memos.delete(entry.memos.keys().next().value!);
        try {
          const c = await computed;
          memo.validUntilMs = c.validUntilMs;
          return c.value;
        } catch (err) {
          if (entry.memos.get(key) === memo) entry.memos.delete(key);
          throw err;
        }
      },
    };
  }

  return {
    async read(doctorId) {
      const entry = entryFor(doctorId, (await versions.read(doctorId)) ?? "none");
      if (entry.calendar) return entry.calendar;
      if (!entry.doctor) {
        // Read after the version, so the record is at least as new as the version says.
        const reading = sources.doctors.get(doctorId);
        entry.doctor = reading;
        // A failed read is not kept: the next listing tries again.
        reading.catch(() => {
          if (entry.doctor === reading) entry.doctor = undefined;
        });
      }
      const doctor = await entry.doctor;
      if (doctor === null) {
        // Not kept: a doctor registered later must be found.
        entries.delete(doctorId);
        return null;
      }
      return entry.calendar ??= calendarOf(doctorId, entry, doctor);
    },
  };
}
