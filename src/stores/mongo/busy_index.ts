/**
 * A doctor's booked time for listings, read without a range query. FerretDB finds a document
 * through an index only for a filter that is exactly `{_id: <string>}` and scans the whole
 * collection for anything else (docs/BENCHMARKS.md; the rig's build also narrows `{_id, …}` and
 * `{_id: {$in}}`), so `busy()` reads a doctor's weeks by `_id`, in one command, instead of
 * querying appointments by doctor and time.
 *
 * Collection `busy_weeks`: one document per doctor and week of start times,
 * `_id: "<doctorId>:<week>"` (week = floor(startMs / 7 days)), `{doctorId, entries: BusyEntry[]}`,
 * one entry per interval of an active appointment. Entries change only under the doctor's lock
 * (locks.ts), in two steps around the appointment write: `begin` marks every interval the write
 * adds or drops as pending (pending counts as busy), and the write's `settle` then keeps the
 * appointment's current interval and drops the rest. Entries carry the version that wrote them, so
 * a late `settle` never undoes a newer write's. A pending entry older than the grace period belongs
 * to a write that crashed (writers give up after half of it): `busy()` settles it from the
 * appointment itself. A new booking skips the pending step: `record` adds its entry once, after the
 * appointment's insert (its claims already keep the time from a second booking). A crash between
 * the two leaves the booking unlisted but unanswered; its retry, or the event relay moving its
 * events, records it.
 */
import type { Db } from "mongodb";
import type { Interval } from "../../domain/slots.ts";
import { ACTIVE_STATUSES, type AppointmentRecord, isActive, MAX_CLAIM_MS } from "../records.ts";
import type { Stored } from "./documents.ts";
import type { Locks } from "./locks.ts";

export interface BusyEntry extends Interval {
  appointmentId: string;
  /** The appointment version whose write added or last marked this entry. */
  version: number;
  pendingSinceMs?: number;
}

export interface BusyWeekDocument {
  _id: string;
  doctorId: string;
  entries: BusyEntry[];
}

/** An appointment as the index needs it: its version and its interval while active. */
export interface IndexedState {
  version: number;
  active: Interval | null;
}

export interface BusyIndex {
  /** Marks the intervals a write of `version` adds or drops as pending (adding absent ones). */
  begin(
    doctorId: string,
    appointmentId: string,
    version: number,
    touched: Interval[],
  ): Promise<void>;
  /** After the write of `state`: keeps its active interval, drops the other touched entries. */
  settle(
    doctorId: string,
    appointmentId: string,
    touched: Interval[],
    state: IndexedState,
  ): Promise<void>;
  /**
   * After a new appointment's insert, in one update instead of `begin` + `settle`: adds its entry
   * at `interval` (of the version read) if the appointment, read under the lock, is still active
   * there. With `checkFirst`, reads the week first and edits only if the entry is missing (a
   * retried booking, which may have crashed before its entry).
   */
  record(
    doctorId: string,
    appointmentId: string,
    interval: Interval,
    checkFirst?: boolean,
  ): Promise<void>;
  /** Whether the appointment has an entry at `interval` (one read, no lock). */
  listed(doctorId: string, appointmentId: string, interval: Interval): Promise<boolean>;
  /** Busy intervals overlapping [fromMs, toMs), with crashed writes' entries settled first. */
  busy(doctorId: string, fromMs: number, toMs: number): Promise<Interval[]>;
}

/** What the index keeps of an appointment: its version, and its interval while it is active. */
export function indexedStateOf(
  a: Pick<AppointmentRecord, "status" | "startMs" | "endMs" | "version">,
): IndexedState {
  return {
    version: a.version,
    active: isActive(a.status) ? { startMs: a.startMs, endMs: a.endMs } : null,
  };
}

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

export function busyWeekId(doctorId: string, startMs: number): string {
  return `${doctorId}:${Math.floor(startMs / WEEK_MS)}`;
}

function same(a: Interval, b: Interval | null): boolean {
  return b !== null && a.startMs === b.startMs && a.endMs === b.endMs;
}

/** An entry of the appointment at `interval` written by `version` or a newer write. */
function present(
  entries: BusyEntry[],
  appointmentId: string,
  interval: Interval,
  version: number,
): boolean {
  return entries.some((e) =>
    e.appointmentId === appointmentId && same(e, interval) && e.version >= version
  );
}

export function createBusyIndex(
  db: Db,
  locks: Locks,
  options: { graceMs: number },
): BusyIndex {
  const weeks = db.collection<BusyWeekDocument>("busy_weeks");
  const appointments = db.collection<Stored<AppointmentRecord>>("appointments");

  /** The appointment's state now (by `_id` alone, the fields the index keeps), or null. */
  async function current(appointmentId: string): Promise<IndexedState | null> {
    const doc = await appointments.findOne(
      { _id: appointmentId },
      { projection: { status: 1, startMs: 1, endMs: 1, version: 1 } },
    );
    return doc ? indexedStateOf(doc) : null;
  }

  /**
   * The week documents of `ids`, in their order (null where none is stored), in one command: a
   * `$in` on `_id` is an index lookup on MongoDB, and on the test rig's FerretDB once patched
   * (scripts/install_ferretdb.sh); one `_id` stays a plain `{_id}` filter.
   */
  async function weeksById(ids: string[]): Promise<(BusyWeekDocument | null)[]> {
    if (ids.length === 0) return [];
    if (ids.length === 1) return [await weeks.findOne({ _id: ids[0] })];
    const found = new Map<string, BusyWeekDocument>();
    for (const doc of await weeks.find({ _id: { $in: ids } }).toArray()) found.set(doc._id, doc);
    return ids.map((id) => found.get(id) ?? null);
  }

  /**
   * Reads the weeks of `starts`, lets `change` edit their entries, writes back what changed;
   * `alongside` is read under the lock together with the weeks and handed to `change`.
   */
  function edit<T = undefined>(
    doctorId: string,
    starts: number[],
    change: (entries: BusyEntry[], read: T) => BusyEntry[],
    alongside?: () => Promise<T>,
  ): Promise<void> {
    const ids = [...new Set(starts.map((s) => busyWeekId(doctorId, s)))];
    return locks.withLock(`busy:${doctorId}`, async () => {
      const [read, docs] = await Promise.all([alongside?.() as Promise<T>, weeksById(ids)]);
      await Promise.all(ids.map((_id, i) => {
        const before = docs[i]?.entries ?? [];
        const after = change(before, read as T);
        if (JSON.stringify(after) === JSON.stringify(before)) return;
        if (after.length === 0) return weeks.deleteOne({ _id });
        return weeks.replaceOne({ _id }, { doctorId, entries: after }, { upsert: true });
      }));
    });
  }

  async function listed(doctorId: string, appointmentId: string, interval: Interval) {
    const [doc] = await weeksById([busyWeekId(doctorId, interval.startMs)]);
    return present(doc?.entries ?? [], appointmentId, interval, 0);
  }

  /** Commits the appointment's entries that `applies` to and match its state, drops the rest. */
  function settleIn(
    entries: BusyEntry[],
    appointmentId: string,
    state: IndexedState,
    applies: (e: BusyEntry) => boolean,
  ): BusyEntry[] {
    const out: BusyEntry[] = [];
    for (const e of entries) {
      if (e.appointmentId !== appointmentId || !applies(e)) out.push(e);
      else if (same(e, state.active) && !present(out, appointmentId, e, state.version)) {
        // One entry per interval: `record` may have added its own beside this write's pending one.
        const { pendingSinceMs: _, ...committed } = e;
        out.push({ ...committed, version: state.version });
      }
    }
    return out;
  }

  return {
    begin(doctorId, appointmentId, version, touched) {
      if (touched.length === 0) return Promise.resolve();
      const nowMs = Date.now();
      return edit(doctorId, touched.map((t) => t.startMs), (entries) => {
        const out = entries.map((e) =>
          e.appointmentId === appointmentId && touched.some((t) => same(e, t))
            ? { ...e, version, pendingSinceMs: nowMs }
            : e
        );
        for (const t of touched) {
          if (out.some((e) => e.appointmentId === appointmentId && same(e, t))) continue;
          out.push({
            appointmentId,
            startMs: t.startMs,
            endMs: t.endMs,
            version,
            pendingSinceMs: nowMs,
          });
        }
        return out;
      });
    },

    settle(doctorId, appointmentId, touched, state) {
      const starts = [...touched, ...(state.active ? [state.active] : [])].map((t) => t.startMs);
      if (starts.length === 0) return Promise.resolve();
      return edit(
        doctorId,
        starts,
        (entries) => settleIn(entries, appointmentId, state, (e) => e.version <= state.version),
      );
    },

    listed,

    async record(doctorId, appointmentId, interval, checkFirst = false) {
      if (checkFirst && await listed(doctorId, appointmentId, interval)) return;
      const _id = busyWeekId(doctorId, interval.startMs);
      await locks.withLock(`busy:${doctorId}`, async () => {
        const state = await current(appointmentId);
        // Moved or cancelled meanwhile: that transition's own begin and settle index it.
        if (!state || !same(interval, state.active)) return;
        // One update, without reading the week: every edit of a week runs under this lock, so
        // FerretDB's read-change-write of `$addToSet` cannot interleave with another. An entry
        // already there (a retry's, or the relay's) is the same value and is not added twice; one
        // of a transition in flight stays beside it, and that transition's settle rewrites both.
        const entry: BusyEntry = {
          appointmentId,
          startMs: interval.startMs,
          endMs: interval.endMs,
          version: state.version,
        };
        await weeks.updateOne(
          { _id },
          { $set: { doctorId }, $addToSet: { entries: entry } },
          { upsert: true },
        );
      });
    },

    async busy(doctorId, fromMs, toMs) {
      const ids: string[] = [];
      const first = Math.floor((fromMs - MAX_CLAIM_MS) / WEEK_MS);
      for (let w = first; w <= Math.floor((toMs - 1) / WEEK_MS); w++) ids.push(`${doctorId}:${w}`);
      const docs = await weeksById(ids);
      const nowMs = Date.now();
      const overlapping = docs.flatMap((d) => d?.entries ?? [])
        .filter((e) => e.startMs < toMs && e.endMs > fromMs);
      const stale = (e: BusyEntry) =>
        e.pendingSinceMs !== undefined && nowMs - e.pendingSinceMs > options.graceMs;
      const crashed = [...new Set(overlapping.filter(stale).map((e) => e.appointmentId))];
      const settled = new Map<string, IndexedState>();
      for (const appointmentId of crashed) {
        const state = await current(appointmentId) ?? { version: 0, active: null };
        settled.set(appointmentId, state);
        const starts = overlapping.filter((e) => e.appointmentId === appointmentId)
          .map((e) => e.startMs);
        await edit(doctorId, starts, (entries) => settleIn(entries, appointmentId, state, stale));
      }
      return overlapping
        .filter((e) => !stale(e) || same(e, settled.get(e.appointmentId)?.active ?? null))
        .map((e) => ({ startMs: e.startMs, endMs: e.endMs }))
        .sort((a, b) => a.startMs - b.startMs);
    },
  };
}

/**
 * Fills `busy_weeks` from the active appointments (one scan), for a database whose appointments
 * were booked before the index existed; run once, when migrate.ts creates the collection, before
 * instances of this version serve. Returns how many appointments it indexed.
 */
export async function backfillBusyWeeks(db: Db): Promise<number> {
  const docs = new Map<string, BusyWeekDocument>();
  let count = 0;
  const active = db.collection<Stored<AppointmentRecord>>("appointments").find(
    { status: { $in: [...ACTIVE_STATUSES] } },
    { projection: { doctorId: 1, startMs: 1, endMs: 1, version: 1 } },
  );
  for await (const a of active) {
    const _id = busyWeekId(a.doctorId, a.startMs);
    const doc = docs.get(_id) ?? { _id, doctorId: a.doctorId, entries: [] };
    doc.entries.push({
      appointmentId: a._id,
      startMs: a.startMs,
      endMs: a.endMs,
      version: a.version,
    });
    docs.set(_id, doc);
    count++;
  }
  const weeks = db.collection<BusyWeekDocument>("busy_weeks");
  for (const doc of docs.values()) await weeks.replaceOne({ _id: doc._id }, doc, { upsert: true });
  return count;
}
