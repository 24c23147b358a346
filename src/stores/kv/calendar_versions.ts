/**
 * Reads of doctors' calendar versions (["calendar", doctorId], calendar.ts) for the calendar
 * view, shared by the listings that arrive together: what a listing's store cost comes down to.
 *
 * Why it stays exact: a caller only ever gets a version from reads that STARTED after it called
 * `read()`. Callers wait in `pending`; a round takes everything pending at its start, and whoever
 * calls while a round is in flight waits for the next one. A round first reads the calendar epoch
 * (bumped in the same commit as any doctor's version): a doctor whose version was read in a
 * snapshot with that same epoch has not changed since, so one small read confirms every such
 * doctor. The others are read with the epoch in one snapshot, 9 doctors per `getMany` (its limit
 * is 10 keys), batches back to back. So a listing sees every write that had answered, on any
 * instance, before it asked — the same guarantee as a `get` of its own, at a fraction of the cost.
 *
 * On a local KV file a round first takes the file's commit mark (commit_witness.ts), like its reads
 * after every call it answers: if nothing at all has committed since the mark of an earlier round
 * that then read the epoch, the epoch is still what that round read, and this round answers
 * without reading the KV. A round takes its mark before its own reads, so a commit landing between
 * the two changes the next mark and is never trusted away.
 *
 * Over a `denokv` server shared by instances (`freshForMs`), a read does not wait when the last
 * round that read the epoch was SENT less than `freshForMs` before it and the doctor's version is
 * known under that epoch: every calendar commit of every instance then answers its writer at least
 * `freshForMs` after it landed (calendar.ts `delayCalendarAnswers`), so a write that had answered
 * when the read was asked landed before that round was sent, and the round saw it. Only durations
 * on each process's own monotonic clock are compared. Such reads keep rounds going, so the next
 * reads find a recent one; when none is recent enough a read waits as above.
 *
 * It owns no key and writes nothing.
 */
import { setImmediate, setTimeout } from "node:timers";
import { getManyChunked, withKvRetry } from "./kv_commit.ts";
import { calendarEpochKey, calendarKey } from "./keys.ts";
import { RecentMap } from "./recent_map.ts";
import type { CommitWitness } from "./commit_witness.ts";

export interface CalendarVersions {
  /** The doctor's calendar versionstamp (null if it never changed), read after this call. */
  read(doctorId: string): Promise<string | null>;
  /**
   * This process's commit moved the doctor's calendar, and with it the epoch, to `version`: a
   * round that then finds the epoch unchanged answers `version` without reading the doctor's.
   */
  committed(doctorId: string, version: string): void;
}

interface Known {
  version: string | null;
  /** The epoch's versionstamp in the snapshot the version came from. */
  epoch: string | null;
}

/** Doctors per `getMany` besides the epoch key (KV reads at most 10 keys at once). */
const PER_READ = 9;
/**
 * Least time from the start of a round that read the KV to the next round: a local KV read costs
 * ~80 µs of CPU, and under moderate load a round per event-loop turn carried a few listings each,
 * so reads were a third of a listing's CPU (docs/BENCHMARKS.md, issue 15). Under full load a turn
 * lasts longer than this and rounds follow each other at once; a listing waits at most this much
 * longer. A round the commit witness answers (no read) costs a few µs and imposes no gap.
 */
export const MIN_ROUND_GAP_MS = 1;
/**
 * The same over a `denokv` server (KV Connect): each round is an HTTP/2 request that costs the
 * server ~250 µs of CPU and the instance more than a local read. With three instances on two
 * CPUs, 1 ms let each instance read every ~7 ms, ~6 listings a read; 5 ms cut the reads per
 * listing by a third and denokv's CPU per listing by ~35% (docs/BENCHMARKS.md, issue 15 on the
 * cluster). A round still starts after every listing it answers arrived, whatever the gap.
 */
export const REMOTE_MIN_ROUND_GAP_MS = 5;

/**
 * How old a round may be for a read over a `denokv` server to answer from it (`freshForMs`), and
 * so how much later every calendar commit answers there (calendar.ts `delayCalendarAnswers`). A
 * round that waited for its gap carried the listings of ~5-7 ms: in-process with 17 listings in
 * flight an instance answered ~2.2-2.7k listings/s, and ~10-30k without waiting
 * (docs/BENCHMARKS.md, issue 15, helper "cluster7"). Rounds go every REMOTE_MIN_ROUND_GAP_MS plus
 * a round trip, so one this recent is there under moderate load; a hold or a confirm over denokv
 * takes 50-100 ms, of which this is a small part.
 */
export const FRESH_FOR_MS = 15;
/** A calendar commit answers this much beyond FRESH_FOR_MS: a timer may fire up to ~1 ms early. */
export const ANSWER_MARGIN_MS = 2;

export interface CalendarVersionsOptions {
  /** Doctors whose last version is remembered. Default 10,000. */
  maxDoctors?: number;
  /** Least time from a round that read the KV to the next round. Default MIN_ROUND_GAP_MS. */
  minRoundGapMs?: number;
  /** The local KV file's commit witness; absent: every round with known doctors reads the epoch. */
  witness?: CommitWitness;
  /**
   * Answer a read at once from the last round that read the epoch if that round began less than
   * this long before the read, and the doctor's version is known under that epoch; only where
   * every calendar commit of every instance answers at least this long after it landed
   * (calendar.ts `delayCalendarAnswers`): a write answered before the read then landed before
   * that round began. Default 0 (every read waits for a round begun after it).
   */
  freshForMs?: number;
}

export function createCalendarVersions(
  kv: Deno.Kv,
  options: CalendarVersionsOptions = {},
): CalendarVersions {
  const maxDoctors = options.maxDoctors ?? 10_000;
  const minRoundGapMs = options.minRoundGapMs ?? MIN_ROUND_GAP_MS;
  let pending = new Map<string, PromiseWithResolvers<string | null>>();
  let running = false;
  /** When the last round that read the KV began reading: the least gap counts from there. */
  let lastReadAt = -Infinity;
  const known = new RecentMap<string, Known>(maxDoctors);
  const witness = options.witness;
  const freshForMs = options.freshForMs ?? 0;
  /**
   * The epoch as read by the last round that read it: when that read was sent, and the witness's
   * mark taken before it (undefined without a witness).
   */
  let latest: { sentAt: number; epoch: string | null; mark: number | undefined } | undefined;

  function remember(doctorId: string, value: Known) {
    known.set(doctorId, value);
  }

  async function readRound(ids: string[]): Promise<Map<string, string | null>> {
    // Before any read of this round: a commit after this moment changes the next mark.
    const mark = witness?.mark();
    const out = new Map<string, string | null>();
    let stale = ids;
    // With `freshForMs` a round with no reader waiting only refreshes the epoch (see `read`).
    if (ids.some((id) => known.has(id)) || (freshForMs > 0 && ids.length === 0)) {
      let epoch: string | null;
      if (mark !== undefined && latest?.mark === mark) epoch = latest.epoch;
      else {
        const sentAt = lastReadAt = performance.now();
        epoch = (await withKvRetry(() => kv.get(calendarEpochKey))).versionstamp;
        latest = { sentAt, epoch, mark };
      }
      stale = [];
      for (const id of ids) {
        const k = known.get(id);
        if (k && k.epoch === epoch) out.set(id, k.version);
        else stale.push(id);
      }
    }
    if (stale.length > 0) lastReadAt = performance.now();
    for (let i = 0; i < stale.length; i += PER_READ) {
      const chunk = stale.slice(i, i + PER_READ);
      const sentAt = performance.now();
      const [epoch, ...versions] = await getManyChunked(kv, [
        calendarEpochKey,
        ...chunk.map(calendarKey),
      ]);
      chunk.forEach((id, j) => {
        remember(id, { version: versions[j].versionstamp, epoch: epoch.versionstamp });
        out.set(id, versions[j].versionstamp);
      });
      latest = { sentAt, epoch: epoch.versionstamp, mark };
    }
    return out;
  }

  /**
   * The next round starts on a later turn of the event loop (after I/O), so the requests the
   * server took in meanwhile share it: a local KV read answers without yielding to the loop.
   * setImmediate, not setTimeout(0), unless the last round that read the KV began under the
   * least gap ago: Node's timers wait at least 1 ms.
   */
  function scheduleRound() {
    const wait = lastReadAt + minRoundGapMs - performance.now();
    if (wait > 0) setTimeout(round, wait);
    else setImmediate(round);
  }

  async function round() {
    const waiting = pending;
    pending = new Map();
    try {
      const versions = await readRound([...waiting.keys()]);
      for (const [id, waiter] of waiting) waiter.resolve(versions.get(id)!);
    } catch (err) {
      for (const waiter of waiting.values()) waiter.reject(err);
    }
    if (pending.size > 0) scheduleRound();
    else running = false;
  }

  return {
    committed(doctorId, version) {
      remember(doctorId, { version, epoch: version });
    },
    read(doctorId) {
      if (latest && freshForMs > 0) {
        const age = performance.now() - latest.sentAt;
        const k = known.get(doctorId);
        if (age < freshForMs && k && k.epoch === latest.epoch) {
          // Keep the epoch fresh for the reads that follow, without making this one wait.
          if (!running && age >= freshForMs / 2) {
            running = true;
            scheduleRound();
          }
          return Promise.resolve(k.version);
        }
      }
      let waiter = pending.get(doctorId);
      if (!waiter) {
        waiter = Promise.withResolvers<string | null>();
        pending.set(doctorId, waiter);
      }
      if (!running) {
        running = true;
        scheduleRound();
      }
      return waiter.promise;
    },
  };
}
