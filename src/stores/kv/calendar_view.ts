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
 * With `follow: "kv-records"` (every change of busy time is in the calendar commit), a
 * commit this process makes on a doctor's calendar moves a view held at the version that commit
 * checked straight to the commit's version, with the commit's own writes to the doctor's
 * appointment and hold indexes applied to what was loaded: that is exactly what a reload would
 * read then, since nothing else could commit in between. So the listing after a hold or a confirm
 * on this instance costs one version read instead of reloading the doctor and two lists. A commit
 * that writes the doctor's record, or any other process's commit, still reloads.
 *
 * With `follow: "records-outside-kv"` (MongoDB records), this process's commits are followed, but only a
 * commit that adds a hold is applied (it announces no outside change), and so is one announcing
 * exactly which new bookings it stands for (the appointment writer's bump or consumed-hold drop:
 * `CalendarAnnouncement.booked`); after any other (a cancel, a move) the busy time reloads while
 * the doctor's record is kept, unless the commit announces a doctor update (`announceDoctorUpdates`).
 *
 * It owns no key and writes nothing; it never decides a booking (the commits do).
 */
import type { Interval } from "../../domain/slots.ts";
import type {
  AppointmentStore,
  BookedInterval,
  DoctorStore,
  HeldInterval,
  HoldStore,
} from "../ports.ts";
import type { AppointmentRecord, DoctorRecord } from "../records.ts";
import { bookedIntervalOf } from "./appointment_store.ts";
import {
  type CalendarCommit,
  followCalendarCommits,
  type KnownCalendar,
  shareCalendarKnowledge,
} from "./calendar.ts";
import { createCalendarVersions } from "./calendar_versions.ts";
import type { CommitWitness } from "./commit_witness.ts";
import { heldIntervalOf } from "./hold_store.ts";
import { RecentMap } from "./recent_map.ts";
import { apptByDoctorPrefix, doctorKey, holdByDoctorPrefix } from "./keys.ts";

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
    compute: () => Promise<MemoComputed<T>>,
  ): Promise<T>;
  /**
   * What `memo` would answer at `nowMs` without computing, if that is a value already settled;
   * otherwise undefined (call `memo`). Spares a reused listing a closure and a frame.
   */
  reused<T>(key: string, nowMs: number): T | undefined;
}

/** A memoised value, until when it may be reused, and roughly what keeping it costs. */
export interface MemoComputed<T> {
  value: T;
  validUntilMs: number;
  /** Bytes the value holds (a listing: its JSON's length); counted against the view's budget. */
  bytes?: number;
}

/**
 * Busy time; a hold's interval carries its expiry, and an appointment change's pending entry
 * (MongoDB) the time by which a read settles it, should that change have died (no bump follows).
 */
export interface BusyInterval extends Interval {
  expiresAtMs?: number;
  recheckAtMs?: number;
}

export interface CalendarView {
  /** null when the doctor does not exist. */
  read(doctorId: string): Promise<DoctorCalendar | null>;
}

interface Loaded {
  fromMs: number;
  toMs: number;
  /** The time the holds were loaded at: holds that had lapsed by then were left out. */
  atMs: number;
  /** By "a:" + appointment id or "h:" + hold id (position where a source gives no id). */
  intervals: Promise<Map<string, BusyInterval>>;
  /** The earliest `recheckAtMs` of the intervals (Infinity: none), once looked at. */
  recheckAtMs?: number;
}

interface Entry {
  version: string;
  doctor?: Promise<DoctorRecord | null>;
  /** What `read` hands out for this version, built once (not per listing). */
  calendar?: DoctorCalendar;
  loaded?: Loaded;
  memos: Map<string, Memo>;
}

interface Memo {
  value: Promise<unknown>;
  validUntilMs: number;
  /** The value once `value` has settled with it. */
  settled?: { value: unknown };
}

/** Memoised values per doctor (e.g. listings of different day ranges). */
const MAX_MEMOS = 16;

/**
 * Bytes of memoised values kept at most over all doctors (each memo counted as its `bytes` plus
 * MEMO_OVERHEAD_BYTES); past it the oldest kept go first, and a listing asked for again is
 * computed again (~0.1 ms). Without it, 10,000 doctors' 16 listings each could keep ~1 GB, for
 * whoever asks for enough different ones; with it, a day of 3,800 listings over 1,000 doctors
 * kept 4.2 MB of bodies that were mostly never asked for again (issue 15, RSS).
 */
const MEMO_BUDGET_BYTES = 2 * 1024 * 1024;

/**
 * What a memo keeps beside its value: its entry and, for a listing, its kept response (~1.5 KB)
 * and, once a client asked for gzip, the gzipped body (~0.7 KB) and its own response.
 */
const MEMO_OVERHEAD_BYTES = 4096;

const DAY_MS = 86_400_000;

export interface CalendarViewOptions {
  /** Doctors kept in memory; those not listed lately go first (recent_map.ts). Default 10,000. */
  maxDoctors?: number;
  /** Bytes of memoised values kept over all doctors (see MEMO_BUDGET_BYTES). Default 2 MiB. */
  memoBudgetBytes?: number;
  /** A load covers at least this many days from now, so most listings reuse it. Default 16. */
  aheadDays?: number;
  /**
   * Move to this process's own calendar commits without reloading (see the header), by where the
   * records are:
   * - `"kv-records"`: the sources are the KV stores those commits write, so a commit's own writes
   *   are applied as they are;
   * - `"records-outside-kv"` (MongoDB): each change is announced on the calendar after it is
   *   stored (a bare bump, or the drop of the hold a booking consumed). A commit that adds a hold
   *   is applied as it is (it announces nothing), and so are announced bookings; any other keeps
   *   the doctor's record and reloads only the busy time, unless it announces a change of the
   *   doctor (`doctorChanged`).
   * Absent: every new version reloads.
   */
  follow?: "kv-records" | "records-outside-kv";
  /** Least time between version rounds (calendar_versions.ts); the KV's location picks it. */
  minRoundGapMs?: number;
  /** A local KV file's commit witness, for the version rounds (calendar_versions.ts). */
  witness?: CommitWitness;
  /** The same KV through a handle of its own, for the version rounds; default `kv`. */
  versionsKv?: Deno.Kv;
  /** Reads answered from a round begun this recently (calendar_versions.ts); default 0. */
  freshForMs?: number;
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
  const entries = new RecentMap<string, Entry>(maxDoctors);
  const versions = createCalendarVersions(options.versionsKv ?? kv, {
    maxDoctors,
    minRoundGapMs: options.minRoundGapMs,
    witness: options.witness,
    freshForMs: options.freshForMs,
  });

  /** Every settled memo kept, oldest first: where it is kept, and the bytes it counts. */
  const kept = new Map<Memo, { memos: Map<string, Memo>; key: string; bytes: number }>();
  let keptBytes = 0;
  const memoBudget = options.memoBudgetBytes ?? MEMO_BUDGET_BYTES;

  function keep(memos: Map<string, Memo>, key: string, memo: Memo, bytes: number) {
    kept.set(memo, { memos, key, bytes });
    keptBytes += bytes;
    for (const [oldest, at] of kept) {
      if (keptBytes <= memoBudget) break;
      forget(oldest);
      if (at.memos.get(at.key) === oldest) at.memos.delete(at.key);
    }
  }

  function forget(memo: Memo | undefined) {
    const at = memo && kept.get(memo);
    if (!at) return;
    kept.delete(memo);
    keptBytes -= at.bytes;
  }

  /** Removes the memo under `key` from its doctor's memos and from the budget. */
  function dropMemo(memos: Map<string, Memo>, key: string) {
    forget(memos.get(key));
    memos.delete(key);
  }

  /** The entry's memos are outdated (a new version): they no longer count. */
  function dropMemos(entry: Entry) {
    for (const memo of entry.memos.values()) forget(memo);
    entry.memos = new Map();
  }

  function entryFor(doctorId: string, version: string): Entry {
    const entry = entries.get(doctorId);
    if (entry && entry.version === version) return entry;
    if (entry) dropMemos(entry);
    const fresh: Entry = { version, memos: new Map() };
    entries.set(doctorId, fresh);
    return fresh;
  }

  // With KV records both reads go to one KV handle: one after the other, holds first. Over KV
  // Connect two requests sent together on one handle answered the second ~44 ms late (Nagle's
  // algorithm on both ends and a delayed ACK), so a listing after another instance's write took
  // 46 ms at p50 instead of 3 (docs/BENCHMARKS.md, issue 15, helper "cluster6"); a KV file runs
  // them on its one SQLite thread anyway. Holds first: busy time only moves from a hold to an
  // appointment (confirm, reschedule), so a move landing between the two reads is seen by one of
  // them. Records elsewhere (MongoDB) are read beside the KV's holds.
  const oneStore = options.follow === "kv-records";

  async function load(doctorId: string, fromMs: number, toMs: number, nowMs: number) {
    const booking = () => sources.appointments.busy(doctorId, fromMs, toMs);
    const holding = () => sources.holds.active(doctorId, fromMs, toMs, nowMs);
    let booked, held;
    if (oneStore) {
      held = await holding();
      booked = await booking();
    } else [booked, held] = await Promise.all([booking(), holding()]);
    const out = new Map<string, BusyInterval>();
    booked.forEach((b, i) =>
      out.set(
        `a:${b.id ?? i}`,
        b.pendingForMs === undefined
          ? b
          : { startMs: b.startMs, endMs: b.endMs, recheckAtMs: nowMs + b.pendingForMs },
      )
    );
    held.forEach((h, i) => out.set(`h:${h.id ?? i}`, h));
    return out;
  }

  /** Applies a commit's writes to the doctor's appointment and hold indexes to `loaded`. */
  function apply(
    intervals: Map<string, BusyInterval>,
    loaded: Loaded,
    doctorId: string,
    writes: CalendarCommit["writes"],
  ) {
    const [apptSpace] = apptByDoctorPrefix(doctorId);
    const [holdSpace] = holdByDoctorPrefix(doctorId);
    for (const w of writes) {
      const [space, doctor, , id] = w.key;
      if (doctor !== doctorId || (space !== apptSpace && space !== holdSpace)) continue;
      const name = `${space === apptSpace ? "a" : "h"}:${String(id)}`;
      const interval = w.deleted
        ? null
        : space === apptSpace
        ? bookedIntervalOf(w.value as AppointmentRecord)
        : heldIntervalOf(w.value as Parameters<typeof heldIntervalOf>[0]);
      if (interval && interval.startMs < loaded.toMs && interval.endMs > loaded.fromMs) {
        intervals.set(name, interval);
      } else {
        intervals.delete(name);
      }
    }
    return intervals;
  }

  function follow(commit: CalendarCommit) {
    versions.committed(commit.doctorId, commit.toVersion);
    const entry = entries.get(commit.doctorId);
    if (!entry || entry.version !== (commit.fromVersion ?? "none")) return;
    const [doctorSpace] = doctorKey(commit.doctorId);
    if (
      commit.announces.doctorChanged ||
      commit.writes.some((w) => w.key[0] === doctorSpace && w.key[1] === commit.doctorId)
    ) {
      return; // the record itself changed: the next read loads it at the new version
    }
    entry.version = commit.toVersion;
    dropMemos(entry);
    const loaded = entry.loaded;
    const outsideKv = options.follow === "records-outside-kv";
    const announced = outsideKv ? commit.announces.booked : undefined;
    const booked = announced?.since === commit.fromVersion ? announced.intervals : undefined;
    if (outsideKv && !addsHold(commit) && !booked) {
      // It may announce an appointment stored outside KV: busy time reloads, the doctor stays.
      entry.loaded = undefined;
      return;
    }
    if (loaded) {
      const next = loaded.intervals.then((m) =>
        addBooked(apply(m, loaded, commit.doctorId, commit.writes), loaded, booked ?? [])
      );
      next.catch(() => {}); // a failed load is handled where it started (`busy`)
      loaded.intervals = next;
    }
  }
  /**
   * Adds bookings stored outside KV that a commit announced. A load may already have read one
   * (without its id): an active appointment with the same interval is that one, since claims
   * never let two overlap.
   */
  function addBooked(
    intervals: Map<string, BusyInterval>,
    loaded: Loaded,
    booked: readonly BookedInterval[],
  ) {
    for (const b of booked) {
      if (b.startMs >= loaded.toMs || b.endMs <= loaded.fromMs) continue;
      const known = [...intervals.values()].some((i) =>
        i.expiresAtMs === undefined && i.startMs === b.startMs && i.endMs === b.endMs
      );
      if (!known) intervals.set(`a:${b.id ?? b.startMs}`, { startMs: b.startMs, endMs: b.endMs });
    }
    return intervals;
  }

  /**
   * With records outside KV, an appointment change is announced by a bare bump or by dropping the
   * consumed hold, never by a commit that adds a hold: only such a commit is applied as it is.
   */
  function addsHold(commit: CalendarCommit) {
    const [holdSpace] = holdByDoctorPrefix(commit.doctorId);
    return commit.writes.some((w) =>
      !w.deleted && w.key[0] === holdSpace && w.key[1] === commit.doctorId
    );
  }
  if (options.follow) followCalendarCommits(kv, follow);

  /**
   * The busy time of one kind ("a" appointments, "h" live holds) overlapping [fromMs, toMs) as
   * loaded at `version` (or later, see KnownCalendar); undefined unless the doctor's entry is at
   * that version with that time loaded.
   */
  async function knownBusy(
    doctorId: string,
    version: string,
    kind: "a" | "h",
    fromMs: number,
    toMs: number,
    nowMs: number,
  ): Promise<BusyInterval[] | undefined> {
    const entry = entries.get(doctorId);
    const loaded = entry?.version === version ? entry.loaded : undefined;
    if (!loaded || fromMs < loaded.fromMs || toMs > loaded.toMs) return undefined;
    // A hold left out as lapsed at a later time than this step's would count here.
    if (kind === "h" && nowMs < loaded.atMs) return undefined;
    const out: BusyInterval[] = [];
    for (const [name, b] of await loaded.intervals) {
      if (name[0] !== kind || b.startMs >= toMs || b.endMs <= fromMs) continue;
      if (b.expiresAtMs !== undefined && b.expiresAtMs <= nowMs) continue;
      out.push(b);
    }
    return out;
  }
  // With KV records every change of busy time is in a calendar commit, so what is loaded at a
  // version is what the indexes held then: the double-booking guards take it instead of a list.
  if (options.follow === "kv-records") {
    shareCalendarKnowledge(kv, (doctorId, version): KnownCalendar => {
      const at = version ?? "none";
      return {
        held: (fromMs, toMs, nowMs) =>
          knownBusy(doctorId, at, "h", fromMs, toMs, nowMs) as Promise<HeldInterval[] | undefined>,
        booked: (fromMs, toMs) => knownBusy(doctorId, at, "a", fromMs, toMs, -Infinity),
      };
    });
  }

  /** Whether `loaded` holds a pending entry whose grace has run out at `nowMs`. */
  async function outlivesPending(loaded: Loaded, nowMs: number): Promise<boolean> {
    if (loaded.recheckAtMs === undefined) {
      const intervals = await loaded.intervals.catch(() => new Map<string, BusyInterval>());
      let at = Infinity;
      for (const b of intervals.values()) {
        if (b.recheckAtMs !== undefined) at = Math.min(at, b.recheckAtMs);
      }
      loaded.recheckAtMs = at;
    }
    return loaded.recheckAtMs <= nowMs;
  }

  function calendarOf(doctorId: string, entry: Entry, doctor: DoctorRecord): DoctorCalendar {
    return {
      doctor,
      async busy(fromMs, toMs, nowMs) {
        let loaded = entry.loaded;
        // A pending entry past its grace: a read now settles it (its change may have died, and
        // then nothing bumps the calendar again), so the busy time is read again, once.
        // (Known after the load's first read: no await on a listing's path from then on.)
        const outlived = loaded?.recheckAtMs === undefined
          ? loaded !== undefined && await outlivesPending(loaded, nowMs)
          : loaded.recheckAtMs <= nowMs;
        if (loaded && outlived && entry.loaded === loaded) {
          entry.loaded = loaded = undefined;
        }
        if (!loaded || fromMs < loaded.fromMs || toMs > loaded.toMs) {
          const from = Math.min(fromMs, nowMs - DAY_MS);
          const to = Math.max(toMs, nowMs + aheadMs);
          loaded = {
            fromMs: from,
            toMs: to,
            atMs: nowMs,
            intervals: load(doctorId, from, to, nowMs),
          };
          entry.loaded = loaded;
          // A failed load is not kept: the next listing tries again.
          loaded.intervals.catch(() => {
            if (entry.loaded === loaded) entry.loaded = undefined;
          });
        }
        const out: BusyInterval[] = [];
        for (const b of (await loaded.intervals).values()) {
          if (b.startMs >= toMs || b.endMs <= fromMs) continue;
          if (b.expiresAtMs !== undefined && b.expiresAtMs <= nowMs) continue;
          out.push(b);
        }
        return out;
      },
      reused<T>(key: string, nowMs: number): T | undefined {
        const hit = entry.memos.get(key);
        return hit?.settled && nowMs < hit.validUntilMs ? hit.settled.value as T : undefined;
      },
      async memo<T>(
        key: string,
        nowMs: number,
        compute: () => Promise<MemoComputed<T>>,
      ): Promise<T> {
        const memos = entry.memos;
        const hit = memos.get(key);
        if (hit && nowMs < hit.validUntilMs) return await (hit.value as Promise<T>);
        const computed = compute();
        // Until it settles, concurrent listings share it; it is only valid for this instant.
        const memo: Memo = { value: computed.then((c) => c.value), validUntilMs: nowMs + 1 };
        dropMemo(memos, key);
        memos.set(key, memo);
        if (memos.size > MAX_MEMOS) dropMemo(memos, memos.keys().next().value!);
        try {
          const c = await computed;
          memo.validUntilMs = c.validUntilMs;
          memo.settled = { value: c.value };
          if (memos === entry.memos && memos.get(key) === memo) {
            keep(memos, key, memo, (c.bytes ?? 0) + MEMO_OVERHEAD_BYTES);
          }
          return c.value;
        } catch (err) {
          if (memos.get(key) === memo) memos.delete(key);
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
