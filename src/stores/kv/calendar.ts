/**
 * A doctor's calendar version, ["calendar", doctorId]: every KV commit that changes the doctor's
 * busy time (holds, their release, appointments and their claims) checks it and bumps it. So the
 * changes on one doctor's calendar serialize on ONE check, whatever the number of 5-minute cells
 * they touch, and the cells themselves are plain mutations: each commit stays within the 10
 * checks a `denokv` server accepts, while different doctors never contend.
 *
 * A step reads what it needs (cells, records) after the calendar entry, decides, and returns the
 * operation to commit; if anything moved meanwhile the commit fails and the step runs again on
 * fresh reads.
 *
 * The same commit writes ["calendar_epoch"], one key for all doctors (a blind `set`, so it adds
 * no check and writers of different doctors still never contend; only its versionstamp counts,
 * and the value stays plain JSON for every tool that dumps the KV): while it is unchanged, no
 * doctor's calendar moved, which lets listings confirm many doctors' versions with one read
 * (calendar_versions.ts). It is a change mark (group_commit.ts `setChangeMark`): calendar commits
 * that share a group commit set it once.
 */
import { ServiceUnavailableError } from "../../errors.ts";
import { groupCommitOf, type RecordedWrite, setChangeMark, writesOf } from "./group_commit.ts";
import { getManyChunked, withKvRetry } from "./kv_commit.ts";
import { calendarEpochKey, calendarKey } from "./keys.ts";
import type { BookedInterval, CalendarAnnouncement, HeldInterval, RecordStores } from "../ports.ts";
import { envelopesOf } from "../../events/event_types.ts";
import { removeFromOutbox, writeToOutbox } from "../../events/outbox.ts";
import { MAX_CLAIM_MS } from "../records.ts";

/** Enough for dozens of writers racing on one doctor; each lost round costs one read and commit. */
const MAX_TRIES = 100;

/**
 * A commit on a doctor's calendar that this process made: the calendar moved from `fromVersion`
 * (null: never written) straight to `toVersion` (the commit's versionstamp, which the epoch has
 * too), with exactly `writes` in between, since the commit checked `fromVersion`.
 */
export interface CalendarCommit {
  doctorId: string;
  fromVersion: string | null;
  toVersion: string;
  writes: readonly RecordedWrite[];
  /** What the commit announces about records stored outside KV (MongoDB), if anything. */
  announces: CalendarAnnouncement;
}

/**
 * What this process already knows of a doctor's calendar at one version (the calendar view's
 * busy time): the live holds, or the active appointments, overlapping a time. Each answers
 * undefined unless it knows them as of exactly that version or later, and the step then reads the
 * index itself. Newer is harmless: a step's commit checks the version it read, so it fails if
 * anything moved after it.
 */
export interface KnownCalendar {
  held(fromMs: number, toMs: number, nowMs: number): Promise<HeldInterval[] | undefined>;
  booked(fromMs: number, toMs: number): Promise<BookedInterval[] | undefined>;
}

/** Where a step finds what this process knows of a doctor's calendar at a version. */
export type CalendarKnowledge = (doctorId: string, version: string | null) => KnownCalendar;

const followers = new WeakMap<Deno.Kv, Set<(commit: CalendarCommit) => void>>();
const raceWatchers = new WeakMap<Deno.Kv, Set<() => void>>();
const knowledge = new WeakMap<Deno.Kv, CalendarKnowledge>();
const answerDelays = new WeakMap<Deno.Kv, number>();

/**
 * From now on every calendar commit through `kv` answers its caller `ms` after it landed. What
 * lets the listings of every instance answer from a version round begun up to `ms` before them
 * without waiting for a new one (calendar_versions.ts `freshForMs`): a write that has answered
 * landed at least `ms` earlier, so such a round read after it.
 */
export function delayCalendarAnswers(kv: Deno.Kv, ms: number): void {
  answerDelays.set(kv, ms);
}

/**
 * Calls `follow` after each calendar commit this process makes through `kv`, before the writer
 * gets its answer; returns the function that stops it. (Other processes' commits reach a follower
 * only as a newer version.)
 */
export function followCalendarCommits(
  kv: Deno.Kv,
  follow: (commit: CalendarCommit) => void,
): () => void {
  let set = followers.get(kv);
  if (!set) followers.set(kv, set = new Set());
  set.add(follow);
  return () => set.delete(follow);
}

/**
 * Calls `lost` each time a calendar commit this process makes through `kv` is refused because a key
 * it checks moved after its step read it, before the step runs again: since one process's writes
 * on a calendar take turns, mostly another process's write on that calendar (an instance on a
 * shared KV), else one on another key the step checked (the patient's hold list, written by a hold
 * of theirs with another doctor). What `vaidya_calendar_races_lost_total` counts: how often
 * instances contend for one doctor. Returns the function that stops it.
 */
export function watchCalendarRaces(kv: Deno.Kv, lost: () => void): () => void {
  let set = raceWatchers.get(kv);
  if (!set) raceWatchers.set(kv, set = new Set());
  set.add(lost);
  return () => set.delete(lost);
}

/**
 * From now on each step on a calendar through `kv` is handed what `known` knows of that doctor's
 * calendar at the version the step read (the calendar view, kept exact by that version), so the
 * double-booking guards read their index only when it knows nothing. Returns the function that
 * stops it.
 */
export function shareCalendarKnowledge(kv: Deno.Kv, known: CalendarKnowledge): () => void {
  knowledge.set(kv, known);
  return () => {
    if (knowledge.get(kv) === known) knowledge.delete(kv);
  };
}

export type CalendarStep<T> =
  /** Commit this operation (the calendar check and bump are added) and return `result`. */
  | { build: (op: Deno.AtomicOperation) => Deno.AtomicOperation; result: T }
  /** Nothing to write (e.g. an idempotent retry found its work done). */
  | { result: T; build?: undefined };

/**
 * The turn of the last write on each doctor's calendar waiting in this process, by KV handle
 * (see `inTurn`).
 */
const turns = new WeakMap<Deno.Kv, Map<string, Promise<void>>>();

/**
 * Runs `write` once every earlier write of this process on the doctor's calendar through `kv` has
 * ended (first come, first served). Writes of one process on one calendar never race each other
 * then: each reads the version the one before it committed, so it commits at its first try unless
 * another process moved the calendar meanwhile. Racing them cost each lost write a read, a step
 * and a commit per try (N at once: ~N²/2 tries), and against other instances' writes on a shared
 * `denokv`, one instance's queue of retries could lose every round for seconds (docs/BENCHMARKS.md,
 * issue 15, the hot doctor). Different doctors never wait for each other, and their commits still
 * share group commits. A step must not write on its own doctor's calendar (it would wait for
 * itself); none does.
 */
async function inTurn<T>(kv: Deno.Kv, doctorId: string, write: () => Promise<T>): Promise<T> {
  let queue = turns.get(kv);
  if (!queue) turns.set(kv, queue = new Map());
  const before = queue.get(doctorId);
  let done!: () => void;
  const turn = new Promise<void>((resolve) => done = resolve);
  queue.set(doctorId, turn);
  try {
    await before;
    return await write();
  } finally {
    done();
    if (queue.get(doctorId) === turn) queue.delete(doctorId);
  }
}

/**
 * Runs `step` on the doctor's calendar until its commit lands (see the module header), in this
 * process's turn on that calendar (`inTurn`). The entries of `prefetch` are read in the same
 * `getMany` as the calendar version (so at or after it, as every read of a step must be) and
 * handed to `step`: one store call instead of several.
 */
export async function commitOnCalendar<T>(
  kv: Deno.Kv,
  doctorId: string,
  what: string,
  step: (
    attempt: number,
    prefetched: Deno.KvEntryMaybe<unknown>[],
    known?: KnownCalendar,
  ) => Promise<CalendarStep<T>>,
  prefetch: Deno.KvKey[] = [],
  announces: CalendarAnnouncement = {},
): Promise<T> {
  const { result, committed } = await inTurn(
    kv,
    doctorId,
    () => stepUntilCommitted(kv, doctorId, what, step, prefetch, announces),
  );
  // The delay holds the answer, not the next write's turn.
  const delay = answerDelays.get(kv);
  if (committed && delay) await new Promise((r) => setTimeout(r, delay));
  return result;
}

async function stepUntilCommitted<T>(
  kv: Deno.Kv,
  doctorId: string,
  what: string,
  step: Parameters<typeof commitOnCalendar<T>>[3],
  prefetch: Deno.KvKey[],
  announces: CalendarAnnouncement,
): Promise<{ result: T; committed: boolean }> {
  const key = calendarKey(doctorId);
  const group = groupCommitOf(kv);
  for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
    const [calendar, ...prefetched] = await getManyChunked<unknown>(kv, [key, ...prefetch]) as [
      Deno.KvEntryMaybe<number>,
      ...Deno.KvEntryMaybe<unknown>[],
    ];
    const planned = await step(
      attempt,
      prefetched,
      knowledge.get(kv)?.(doctorId, calendar.versionstamp),
    );
    if (!planned.build) return { result: planned.result, committed: false };
    let recorded: Deno.AtomicOperation | undefined;
    const res = await group.commit((op) => {
      recorded = op;
      return setChangeMark(
        planned.build(op).check(calendar).set(key, (calendar.value ?? 0) + 1),
        calendarEpochKey,
      );
    });
    if (res.ok) {
      const follow = followers.get(kv);
      if (follow?.size) {
        const commit: CalendarCommit = {
          doctorId,
          fromVersion: calendar.versionstamp,
          toVersion: res.versionstamp,
          writes: writesOf(recorded!),
          announces,
        };
        for (const f of follow) f(commit);
      }
      return { result: planned.result, committed: true };
    }
    for (const lost of raceWatchers.get(kv) ?? []) lost();
    await new Promise((r) => setTimeout(r, Math.random() * Math.min(20, 1 + attempt)));
  }
  throw new ServiceUnavailableError(
    `Cannot ${what}: doctor ${doctorId}'s calendar kept changing; try again`,
  );
}

/**
 * What `intervalOf` makes of the entries of a doctor's calendar index under `prefix` (keys ending
 * in startMs and id: the appointment and hold indexes) that overlap [fromMs, toMs); it returns
 * null for an entry that does not count (cancelled, lapsed). Entries that began up to
 * MAX_CLAIM_MS before `fromMs` are read too: a claim that long may still overlap. Read inside a
 * step on the doctor's calendar version, this is the double-booking guard of both stores.
 */
export async function overlapping<V, T extends { startMs: number; endMs: number }>(
  kv: Deno.Kv,
  prefix: Deno.KvKey,
  fromMs: number,
  toMs: number,
  intervalOf: (value: V) => T | null,
): Promise<T[]> {
  const out: T[] = [];
  const iter = kv.list<V>({ start: [...prefix, fromMs - MAX_CLAIM_MS], end: [...prefix, toMs] });
  for await (const e of iter) {
    const interval = intervalOf(e.value);
    if (interval && interval.startMs < toMs && interval.endMs > fromMs) out.push(interval);
  }
  return out;
}

/**
 * The entries of a doctor's calendar index overlapping [fromMs, toMs), as `overlapping` reads
 * them, unless `known` (what a step was handed) answers for them first.
 */
export async function overlappingOrKnown<T>(
  known: Promise<T[] | undefined> | undefined,
  read: () => Promise<T[]>,
): Promise<T[]> {
  return (await known?.catch(() => undefined)) ?? await read();
}

/** The doctor's calendar version now (null if it never changed). */
export async function calendarVersionOf(kv: Deno.Kv, doctorId: string): Promise<string | null> {
  return (await withKvRetry(() => kv.get(calendarKey(doctorId)))).versionstamp;
}

/**
 * Bumps the doctor's calendar version (and the epoch) alone: how a change stored outside KV — an
 * appointment or doctor record in MongoDB — tells every instance's calendar view, after that
 * store answered and before the API does. `announces` says what changed, for this process's view
 * (a doctor change reloads the record; new bookings are added without reloading the busy time).
 */
export function bumpCalendar(
  kv: Deno.Kv,
  doctorId: string,
  announces: CalendarAnnouncement = {},
): Promise<void> {
  return commitOnCalendar(
    kv,
    doctorId,
    "announce the calendar change",
    () => Promise.resolve({ result: undefined, build: (op) => op }),
    [],
    announces,
  );
}

/**
 * How long after a doctor update began the relay announces it itself, should its process have
 * died before its own bump: longer than an update takes, so that it does not announce the
 * record as it was before.
 */
export const DOCTOR_ANNOUNCE_FALLBACK_MS = 60_000;

/**
 * Records kept outside KV (MongoDB): each doctor update is announced on the doctor's calendar
 * once stored, as the KV doctor store does in its commit, so listings see new hours at once.
 * (Appointment writes are announced by the appointment writer.) The update and the bump are two
 * stores, so a `calendar.announce` outbox entry written before the update and due
 * DOCTOR_ANNOUNCE_FALLBACK_MS later bumps it instead should the process die in between; the bump
 * deletes it in its own commit.
 */
export function announceDoctorUpdates(
  records: RecordStores,
  kv: Deno.Kv,
  now: () => number = Date.now,
): RecordStores {
  const { doctors } = records;
  return {
    ...records,
    doctors: {
      ...doctors,
      async update(next) {
        const nowMs = now();
        const fallback = envelopesOf([{
          event: {
            // Unique: two racing updates of one version must not share a handled record.
            id: `doctor.updated:${crypto.randomUUID()}`,
            type: "doctor.updated",
            occurredAtMs: nowMs,
            data: { doctorId: next.id },
          },
          atMs: nowMs + DOCTOR_ANNOUNCE_FALLBACK_MS,
        }]);
        await writeToOutbox(kv, fallback);
        await doctors.update(next);
        await commitOnCalendar<void>(
          kv,
          next.id,
          "announce the doctor update",
          () =>
            Promise.resolve({ result: undefined, build: (op) => removeFromOutbox(op, fallback) }),
          [],
          { doctorChanged: true },
        );
      },
    },
  };
}
