/**
 * What MongoDB records keep for time that is long past, and how `deno task purge` drops the rest.
 *
 * A booking leaves one claim per 5-minute cell (claims.ts) and one busy entry per interval
 * (busy_index.ts). Both exist for what is still to come: the claims refuse a second booking of a
 * cell, the entries are what listings read. Nothing books, moves or lists time that ended days
 * ago (a hold or a move must start in the future; a listing looks back at most `MAX_CLAIM_MS`
 * from today), so a week after a cell or interval ended its guard is dead weight: 1,000 doctors'
 * 5,000 bookings a day leave ~30,000 claims and 5,000 entries a day, forever, in collections every
 * booking writes to. The appointment itself (the record, its status, its history) is never
 * touched here.
 *
 * The one rule, shared with reconcile.ts (which must not report a pruned guard as missing, nor
 * put it back): a guard is past once its time ended `PAST_GUARDS_KEPT_MS` or more before now.
 * Reconcile's "now" is never earlier than the purge's that ran before it, so whatever the purge
 * removed, reconcile's rule calls past too.
 */
import type { Db } from "mongodb";
import { CELL_MS } from "../records.ts";
import { type BusyEntryDocument, doctorEntriesRange, startKey } from "./busy_index.ts";
import { type ClaimDocument, claimId } from "./claims.ts";

/** How long after its time ended a cell's claim or an interval's busy entry is kept. */
export const PAST_GUARDS_KEPT_MS = 7 * 24 * 60 * 60 * 1000;

/** Time ending at or before this instant is past for good at `nowMs`. */
export function pastBefore(nowMs: number): number {
  return nowMs - PAST_GUARDS_KEPT_MS;
}

/** Whether a claim on the cell starting at `cellMs` is past at `nowMs`. */
export function isPastCell(cellMs: number, nowMs: number): boolean {
  return cellMs + CELL_MS <= pastBefore(nowMs);
}

/** Whether an interval (a busy entry, an appointment) ending at `endMs` is past at `nowMs`. */
export function isPastInterval(endMs: number, nowMs: number): boolean {
  return endMs <= pastBefore(nowMs);
}

/** The purge's names for the two kinds (`deno task purge --only`). */
export const PAST_GUARD_NAMES = ["past claims", "past busy entries"] as const;

export interface PastGuardsCount {
  name: typeof PAST_GUARD_NAMES[number];
  scanned: number;
  expired: number;
  deleted: number;
}

/** Deletes by `_id`, at most this many per command. */
const DELETE_BATCH = 500;

/**
 * Counts (and with `apply`, deletes) the past claims and busy entries of every doctor, a doctor at
 * a time, each query carrying the doctor (the shard key's first field). `only` limits it to the
 * named kinds.
 */
export async function prunePastGuards(
  db: Db,
  options: {
    nowMs: number;
    apply: boolean;
    only?: readonly string[];
    onDoctor?: () => void;
  },
): Promise<PastGuardsCount[]> {
  const claims = db.collection<ClaimDocument>("claims");
  const entries = db.collection<BusyEntryDocument>("busy_entries");
  const doctors = db.collection<{ _id: string }>("doctors");
  const wanted = (name: PastGuardsCount["name"]) => !options.only || options.only.includes(name);
  const counts: PastGuardsCount[] = [];
  const [claimCount, entryCount]: PastGuardsCount[] = PAST_GUARD_NAMES.map((name) => ({
    name,
    scanned: 0,
    expired: 0,
    deleted: 0,
  }));
  if (wanted(claimCount.name)) counts.push(claimCount);
  if (wanted(entryCount.name)) counts.push(entryCount);
  const cutoff = pastBefore(options.nowMs);

  async function drop(
    count: PastGuardsCount,
    ids: string[],
    remove: (batch: string[]) => Promise<{ deletedCount: number }>,
  ) {
    count.expired += ids.length;
    if (!options.apply) return;
    for (let i = 0; i < ids.length; i += DELETE_BATCH) {
      count.deleted += (await remove(ids.slice(i, i + DELETE_BATCH))).deletedCount;
    }
  }

  for await (const { _id: doctorId } of doctors.find({}, { projection: { _id: 1 } })) {
    options.onDoctor?.();
    if (wanted(claimCount.name)) {
      // By `_id` ("<doctorId>:<cellMs>", 13 digits until 2286): a range, not a scan, on FerretDB.
      const range = { $gte: `${doctorId}:`, $lt: claimId(doctorId, cutoff) };
      const found = await claims.find({ _id: range }, { projection: { _id: 1, start: 1 } })
        .toArray();
      claimCount.scanned += found.length;
      const past = found.filter((c) => isPastCell(c.start.getTime(), options.nowMs));
      await drop(
        claimCount,
        past.map((c) => c._id),
        (batch) => claims.deleteMany({ _id: { $in: batch }, doctorId }),
      );
    }
    if (wanted(entryCount.name)) {
      // Entries sort by start within the doctor's range: those starting before the cutoff.
      const range = { ...doctorEntriesRange(doctorId), $lt: startKey(doctorId, cutoff) };
      const found = await entries.find({ _id: range }, { projection: { _id: 1, endMs: 1 } })
        .toArray();
      entryCount.scanned += found.length;
      const past = found.filter((e) => isPastInterval(e.endMs, options.nowMs));
      await drop(
        entryCount,
        past.map((e) => e._id),
        (batch) => entries.deleteMany({ _id: { $in: batch } }),
      );
    }
  }
  return counts;
}
