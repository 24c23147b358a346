/**
 * A doctor's booked time for listings, read without a scan. FerretDB finds documents through an
 * index only for filters on `_id` (the rig's build narrows `{_id}`, `{_id, …}`, `{_id: {$in}}` and
 * a string range on `_id`; docs/BENCHMARKS.md), so the index is keyed so that a listing is one
 * `_id` range: a doctor's entries sorted by start time.
 *
 * Collection `busy_entries`: one document per interval of an appointment,
 * `_id: "<doctorId>:<startMs, 14 digits>:<appointmentId>:<endMs>"`, `{appointmentId, startMs,
 * endMs, version, pendingSinceMs?, gone?}`. A booking inserts its entry once, after the
 * appointment's insert: no lock and no read, because an insert of an `_id` already there fails, and
 * every other write of an entry leaves the document in place (`gone` marks a dropped one). So a
 * booking's late insert can never bring back an interval a change has dropped meanwhile.
 *
 * A change (cancel, reschedule) edits the entries of one appointment under that appointment's lock
 * (locks.ts), in two steps around the appointment write: `begin` marks every interval the write
 * adds or drops as pending (pending counts as busy), and the write's `settle` then keeps the
 * appointment's current interval and marks the rest gone. Entries carry the version that wrote
 * them, so a late `settle` never undoes a newer write's. A pending entry older than the grace
 * period belongs to a write that crashed (writers give up after half of it): `busy()` settles it
 * from the appointment itself. That settle bumps no calendar, so `busy()` answers a young pending
 * entry with the time until then (`pendingForMs`), and a calendar view keeping the answer reads
 * again by then (a cancel that died before its settle otherwise stayed busy in every view that
 * loaded it within the grace: tests/unit/events/pending_busy_listing_test.ts). A crash between a booking's insert and its entry leaves the booking
 * unlisted but unanswered; its retry, or the event relay moving its events, records it.
 *
 * Before this layout, `busy_weeks` held a document per doctor and week, every booking rewrote it
 * under the doctor's lock (four commands, one a rewrite of the whole week, and one booking of a
 * doctor at a time); migrate.ts fills `busy_entries` from the appointments when it creates it.
 */
import type { Db } from "mongodb";
import type { Interval } from "../../domain/slots.ts";
import type { BookedInterval } from "../ports.ts";
import { ACTIVE_STATUSES, type AppointmentRecord, isActive, MAX_CLAIM_MS } from "../records.ts";
import { findByIds, type Stored } from "./documents.ts";
import { isDuplicateKey } from "./driver_errors.ts";
import { groupedInsert, insertEach, throwUnlessDuplicates } from "./grouped.ts";
import type { Locks } from "./locks.ts";

export interface BusyEntry extends Interval {
  appointmentId: string;
  /** The appointment version whose write added or last marked this entry. */
  version: number;
  pendingSinceMs?: number;
}

export interface BusyEntryDocument extends BusyEntry {
  _id: string;
  /** Dropped by a change: kept so that a booking's late insert of it fails. */
  gone?: true;
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
  /** After the write of `state`: keeps its active interval, marks the other touched ones gone. */
  settle(
    doctorId: string,
    appointmentId: string,
    touched: Interval[],
    state: IndexedState,
  ): Promise<void>;
  /**
   * After an appointment's insert: adds its entry at `interval`, written by `version`, in one
   * insert; an entry already there (this booking's, or a change's since) stays as it is. With
   * `checkFirst` (a retried booking, which may have crashed before its entry; reconcile), first
   * reads the appointment and, while it is still active there, settles the entry from it under
   * the appointment's lock: added if missing, kept again if marked gone by an older write.
   */
  record(
    doctorId: string,
    appointmentId: string,
    interval: Interval,
    version: number,
    checkFirst?: boolean,
  ): Promise<void>;
  /** Whether the appointment has an entry at `interval` (one read, no lock). */
  listed(doctorId: string, appointmentId: string, interval: Interval): Promise<boolean>;
  /**
   * Busy intervals overlapping [fromMs, toMs), with crashed writes' entries settled first; a
   * pending one says when it will have had its grace (`pendingForMs`).
   */
  busy(doctorId: string, fromMs: number, toMs: number): Promise<BookedInterval[]>;
}

/**
 * An entry as `busy()` answers it: a pending one with the time left until a read settles it
 * should its write have died (a view that keeps the answer must read again by then).
 */
export function busyOf(
  e: Interval,
  pendingSinceMs: number | undefined,
  nowMs: number,
  options: { graceMs: number },
): BookedInterval {
  const busy = { startMs: e.startMs, endMs: e.endMs };
  if (pendingSinceMs === undefined) return busy;
  return { ...busy, pendingForMs: Math.max(1, pendingSinceMs + options.graceMs - nowMs + 1) };
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

/** The `_id` of a doctor's entries starting at `startMs` sort below every later one's. */
export function startKey(doctorId: string, startMs: number): string {
  return `${doctorId}:${String(Math.max(0, startMs)).padStart(14, "0")}`;
}

export function busyEntryId(doctorId: string, appointmentId: string, interval: Interval): string {
  return `${startKey(doctorId, interval.startMs)}:${appointmentId}:${interval.endMs}`;
}

/** The `_id` range of a doctor's entries (all of them: `startKey` ids sort within it). */
export function doctorEntriesRange(doctorId: string) {
  return { $gte: `${doctorId}:`, $lt: `${doctorId};` };
}

export function sameInterval(a: Interval, b: Interval | null): boolean {
  return b !== null && a.startMs === b.startMs && a.endMs === b.endMs;
}

function entryOf(appointmentId: string, interval: Interval, version: number): BusyEntry {
  return { appointmentId, startMs: interval.startMs, endMs: interval.endMs, version };
}

/** Reads an appointment's state now (by `_id` alone, the fields the index keeps), or null. */
export function currentState(db: Db): (appointmentId: string) => Promise<IndexedState | null> {
  const appointments = db.collection<Stored<AppointmentRecord>>("appointments");
  return async (appointmentId) => {
    const doc = await appointments.findOne(
      { _id: appointmentId },
      { projection: { status: 1, startMs: 1, endMs: 1, version: 1 } },
    );
    return doc ? indexedStateOf(doc) : null;
  };
}

export function createBusyIndex(
  db: Db,
  locks: Locks,
  options: { graceMs: number },
): BusyIndex {
  const entries = db.collection<BusyEntryDocument>("busy_entries");
  const insertEntry = groupedInsert(entries);
  const current = currentState(db);

  /** An entry as an edit stores it (`edit` knows its `_id`). */
  type Entry = Omit<BusyEntryDocument, "_id">;

  /**
   * Under the appointment's lock, reads its entries at `intervals` (one command) and writes what
   * `change` makes of each (given the entry stored, or null where none is; null leaves it). Every write but a
   * booking's insert goes through here, so entries of one appointment never change under each
   * other (FerretDB updates by reading, changing and writing back).
   */
  function edit(
    doctorId: string,
    appointmentId: string,
    intervals: Interval[],
    change: (stored: BusyEntryDocument | null, interval: Interval) => Entry | null,
  ): Promise<void> {
    const byId = new Map(intervals.map((i) => [busyEntryId(doctorId, appointmentId, i), i]));
    if (byId.size === 0) return Promise.resolve();
    return locks.withLock(`busy:${appointmentId}`, async () => {
      const found = await findByIds(entries, [...byId.keys()]);
      await Promise.all([...byId].map(([_id, interval]) => {
        const next = change(found.get(_id) ?? null, interval);
        return next && entries.replaceOne({ _id }, next, { upsert: true });
      }));
    });
  }

  /** The entry as `state`'s write leaves it at `interval`: kept where active, else gone. */
  function settled(appointmentId: string, interval: Interval, state: IndexedState): Entry {
    const entry = entryOf(appointmentId, interval, state.version);
    return sameInterval(interval, state.active) ? entry : { ...entry, gone: true };
  }

  /** Leaves each interval's entry as `state`'s write does, unless a newer write owns it. */
  function settleFrom(
    doctorId: string,
    appointmentId: string,
    intervals: Interval[],
    state: IndexedState,
  ): Promise<void> {
    return edit(
      doctorId,
      appointmentId,
      intervals,
      (stored, interval) =>
        stored && stored.version > state.version ? null : settled(appointmentId, interval, state),
    );
  }

  async function listed(doctorId: string, appointmentId: string, interval: Interval) {
    const doc = await entries.findOne({ _id: busyEntryId(doctorId, appointmentId, interval) });
    return doc !== null && !doc.gone;
  }

  async function insert(doctorId: string, appointmentId: string, interval: Interval, v: number) {
    const _id = busyEntryId(doctorId, appointmentId, interval);
    try {
      await insertEntry({ _id, ...entryOf(appointmentId, interval, v) });
    } catch (err) {
      // There already: this booking's own entry (a retry, the relay), or a change's since.
      if (!isDuplicateKey(err)) throw err;
    }
  }

  return {
    begin(doctorId, appointmentId, version, touched) {
      const nowMs = Date.now();
      return edit(doctorId, appointmentId, touched, (stored, interval) =>
        // A newer write's entry stays as that write left it.
        stored && stored.version > version
          ? null
          : { ...entryOf(appointmentId, interval, version), pendingSinceMs: nowMs });
    },

    settle(doctorId, appointmentId, touched, state) {
      return settleFrom(
        doctorId,
        appointmentId,
        state.active ? [...touched, state.active] : touched,
        state,
      );
    },

    listed,

    async record(doctorId, appointmentId, interval, version, checkFirst = false) {
      if (!checkFirst) return insert(doctorId, appointmentId, interval, version);
      if (await listed(doctorId, appointmentId, interval)) return;
      const state = await current(appointmentId);
      // Moved or cancelled meanwhile: that change's own begin and settle index it.
      if (!state || !sameInterval(interval, state.active)) return;
      await settleFrom(doctorId, appointmentId, [interval], state);
    },

    async busy(doctorId, fromMs, toMs) {
      const docs = await entries.find({
        _id: { $gte: startKey(doctorId, fromMs - MAX_CLAIM_MS), $lt: startKey(doctorId, toMs) },
      }).toArray();
      const nowMs = Date.now();
      const stale = (e: BusyEntry) =>
        e.pendingSinceMs !== undefined && nowMs - e.pendingSinceMs > options.graceMs;
      const overlapping = docs.filter((e) => !e.gone && e.startMs < toMs && e.endMs > fromMs);
      const crashed = [...new Set(overlapping.filter(stale).map((e) => e.appointmentId))];
      const kept = new Set<string>();
      for (const appointmentId of crashed) {
        const state = await current(appointmentId) ?? { version: 0, active: null };
        const intervals = overlapping.filter((e) => e.appointmentId === appointmentId);
        // Only entries still stale once read under the lock: a write may have settled them since.
        await edit(
          doctorId,
          appointmentId,
          intervals,
          (stored, interval) =>
            stored && stale(stored) ? settled(appointmentId, interval, state) : null,
        );
        for (const e of intervals) if (sameInterval(e, state.active)) kept.add(e._id);
      }
      return overlapping
        .filter((e) => !stale(e) || kept.has(e._id))
        .map((e) => busyOf(e, kept.has(e._id) ? undefined : e.pendingSinceMs, nowMs, options))
        .sort((a, b) => a.startMs - b.startMs);
    },
  };
}

/**
 * Fills `busy_entries` from the active appointments (one scan), for a database whose appointments
 * were booked before the index existed; run when migrate.ts creates the collection, before
 * instances of this version serve. An entry already there is left as it is. Returns how many
 * appointments it indexed.
 */
export async function backfillBusyEntries(db: Db): Promise<number> {
  const index = db.collection<BusyEntryDocument>("busy_entries");
  let count = 0;
  let batch: BusyEntryDocument[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const outcomes = await insertEach(index, batch);
    // Entries a serving instance inserted meanwhile stay; any other failure is the backfill's.
    throwUnlessDuplicates(outcomes);
    batch = [];
  };
  const active = db.collection<Stored<AppointmentRecord>>("appointments").find(
    { status: { $in: [...ACTIVE_STATUSES] } },
    { projection: { doctorId: 1, startMs: 1, endMs: 1, version: 1 } },
  );
  for await (const a of active) {
    const interval = { startMs: a.startMs, endMs: a.endMs };
    batch.push({
      _id: busyEntryId(a.doctorId, a._id, interval),
      ...entryOf(a._id, interval, a.version),
    });
    count++;
    if (batch.length >= 500) await flush();
  }
  await flush();
  return count;
}
