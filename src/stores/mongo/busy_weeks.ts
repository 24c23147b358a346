/**
 * The busy index of the release before `busy_entries` (busy_index.ts), kept while that release may
 * still run beside this one (`MONGODB_BUSY_WEEKS=true`, README "Upgrading"): it reads a doctor's
 * busy time only from `busy_weeks`. With the switch on, every write of the index goes to both
 * layouts, and a listing reads both (an interval in either counts as busy), so neither release
 * offers time the other has booked. Once no older instance runs, deploy again without it; then
 * `busy_weeks` is neither read nor written.
 *
 * Collection `busy_weeks`: one document per doctor and week of start times,
 * `_id: "<doctorId>:<week>"` (week = floor(startMs / 7 days)), `{doctorId, entries: BusyEntry[]}`,
 * one entry per interval of an active appointment, changed only under the doctor's lock
 * (locks.ts, the name the older release takes): `begin` marks what a write adds or drops as
 * pending, `settle` keeps the current interval and drops the rest, `record` adds a booking's entry
 * with `$addToSet` after reading the appointment. A pending entry older than the grace period is
 * settled from the appointment by `busy()`, as the older release does.
 */
import type { Db } from "mongodb";
import type { Interval } from "../../domain/slots.ts";
import { MAX_CLAIM_MS } from "../records.ts";
import type { BookedInterval } from "../ports.ts";
import {
  type BusyEntry,
  type BusyIndex,
  busyOf,
  currentState,
  type IndexedState,
  sameInterval,
} from "./busy_index.ts";
import { findByIds } from "./documents.ts";
import type { Locks } from "./locks.ts";

export interface BusyWeekDocument {
  _id: string;
  doctorId: string;
  entries: BusyEntry[];
}

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

export function busyWeekId(doctorId: string, startMs: number): string {
  return `${doctorId}:${Math.floor(startMs / WEEK_MS)}`;
}

/** An entry of the appointment at `interval` written by `version` or a newer write. */
function present(
  entries: BusyEntry[],
  appointmentId: string,
  interval: Interval,
  version: number,
): boolean {
  return entries.some((e) =>
    e.appointmentId === appointmentId && sameInterval(e, interval) && e.version >= version
  );
}

/** The older release's index: its `record` reads the appointment for the version it writes. */
type WeekIndex = Omit<BusyIndex, "record"> & {
  record(
    doctorId: string,
    appointmentId: string,
    interval: Interval,
    checkFirst?: boolean,
  ): Promise<void>;
};

function createWeekIndex(
  db: Db,
  locks: Locks,
  options: { graceMs: number },
): WeekIndex {
  const weeks = db.collection<BusyWeekDocument>("busy_weeks");
  const current = currentState(db);

  /** The week documents of `ids`, in their order (null where none is stored), in one command. */
  async function weeksById(ids: string[]): Promise<(BusyWeekDocument | null)[]> {
    const found = await findByIds(weeks, ids);
    return ids.map((id) => found.get(id) ?? null);
  }

  /** Reads the weeks of `starts`, lets `change` edit their entries, writes back what changed. */
  function edit(
    doctorId: string,
    starts: number[],
    change: (entries: BusyEntry[]) => BusyEntry[],
  ): Promise<void> {
    const ids = [...new Set(starts.map((s) => busyWeekId(doctorId, s)))];
    return locks.withLock(`busy:${doctorId}`, async () => {
      const docs = await weeksById(ids);
      await Promise.all(ids.map((_id, i) => {
        const before = docs[i]?.entries ?? [];
        const after = change(before);
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
      else if (sameInterval(e, state.active) && !present(out, appointmentId, e, state.version)) {
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
          e.appointmentId === appointmentId && touched.some((t) => sameInterval(e, t))
            ? { ...e, version, pendingSinceMs: nowMs }
            : e
        );
        for (const t of touched) {
          if (out.some((e) => e.appointmentId === appointmentId && sameInterval(e, t))) continue;
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
        if (!state || !sameInterval(interval, state.active)) return;
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
        .filter((e) => !stale(e) || sameInterval(e, settled.get(e.appointmentId)?.active ?? null))
        .map((e) => busyOf(e, stale(e) ? undefined : e.pendingSinceMs, nowMs, options))
        .sort((a, b) => a.startMs - b.startMs);
    },
  };
}

/**
 * `index` (busy_entries) with every write also made to `busy_weeks` as the older release makes it,
 * and listings reading both: an interval either layout holds counts as busy.
 */
export function keepingBusyWeeks(
  index: BusyIndex,
  db: Db,
  locks: Locks,
  options: { graceMs: number },
): BusyIndex {
  const weeks = createWeekIndex(db, locks, options);
  return {
    async begin(...args) {
      await weeks.begin(...args);
      await index.begin(...args);
    },
    async settle(...args) {
      await index.settle(...args);
      await weeks.settle(...args);
    },
    async record(doctorId, appointmentId, interval, version, checkFirst) {
      await index.record(doctorId, appointmentId, interval, version, checkFirst);
      await weeks.record(doctorId, appointmentId, interval, checkFirst);
    },
    async listed(...args) {
      return await index.listed(...args) && await weeks.listed(...args);
    },
    async busy(doctorId, fromMs, toMs) {
      const both = await Promise.all([
        index.busy(doctorId, fromMs, toMs),
        weeks.busy(doctorId, fromMs, toMs),
      ]);
      const byInterval = new Map<string, BookedInterval>();
      for (const i of both.flat()) {
        const key = `${i.startMs}-${i.endMs}`;
        // Pending in either layout: read again once its grace has passed.
        const pendingForMs = Math.min(
          byInterval.get(key)?.pendingForMs ?? Infinity,
          i.pendingForMs ?? Infinity,
        );
        byInterval.set(key, pendingForMs === Infinity ? i : { ...i, pendingForMs });
      }
      return [...byInterval.values()].sort((a, b) => a.startMs - b.startMs);
    },
  };
}
