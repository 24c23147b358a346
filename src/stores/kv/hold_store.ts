/**
 * Slot holds in Deno KV; this module alone owns their layout. A hold is its record, an entry in
 * the doctor's hold index ["hold_by_doctor", doctorId, startMs, holdId] and one in the patient's
 * list. Creating holds is one commit on the doctor's calendar version (calendar.ts): the index
 * around the slot is read after the version (a live entry overlapping it refuses the hold, and
 * so does an active appointment, given `booked`: the appointment index), and the commit checks
 * the version, the new hold's id and the patient's list of active holds — at most 3 checks
 * however long the slot; every writer of the index commits on that version, so two holds never
 * overlap and a patient never exceeds the limit. A course holds all its sessions in one such
 * commit, with its own record alongside. A booking on KV records removes the hold it uses
 * up in its own commit (`consumption`), so a confirm is one commit.
 * Earlier versions also marked each 5-minute cell under ["hold_cell", ...] and read those instead;
 * the index always came with the marks, so holds they wrote read the same. Such a version sees only
 * the marks, so while one may still run on the same KV (a rolling deploy), `cellMarks` writes and
 * removes them as it did (cell_marks.ts); a booking leaves its hold's marks to expire, which such
 * a version reads as busy until then (the time is booked).
 * `expireIn` deletes lazily: every value carries `expiresAtMs` and a past one counts as free.
 */
import {
  ConflictError,
  HoldCodesSpentError,
  HoldExpiredError,
  NotFoundError,
  SlotUnavailableError,
} from "../../errors.ts";
import { holdPlaced } from "../../domain/appointment_machine.ts";
import { localDateOf } from "../../domain/zoned_time.ts";
import { envelopesOf } from "../../events/event_types.ts";
import { addToOutbox, dueKeyOf } from "../../events/outbox.ts";
import type {
  BookedInterval,
  DayLimit,
  HeldInterval,
  HoldRecord,
  HoldRemoval,
  HoldStore,
} from "../ports.ts";
import {
  commitOnCalendar,
  type KnownCalendar,
  overlapping,
  overlappingOrKnown,
} from "./calendar.ts";
import { addHoldCells, type CellMarkOptions, holdCellKeys, removeHoldCells } from "./cell_marks.ts";
import { commit, getManyChunked, untilCommitted, withKvRetry } from "./kv_commit.ts";
import { holdByDoctorKey, holdByDoctorPrefix, holdKey, patientHoldsKey } from "./keys.ts";

export type { HoldRecord, HoldStore } from "../ports.ts";

/** A hold's id and lapse, as the patient's list and the doctor's index keep it. */
interface HoldMark {
  holdId: string;
  expiresAtMs: number;
}

type PatientHolds = HoldMark[];

interface DoctorHold extends HoldMark {
  startMs: number;
  endMs: number;
}

/**
 * The held time a `hold_by_doctor` entry stands for: what `active()` lists (when live) and what
 * the calendar view applies from this process's own commits.
 */
export function heldIntervalOf(h: DoctorHold): HeldInterval {
  return { startMs: h.startMs, endMs: h.endMs, expiresAtMs: h.expiresAtMs, id: h.holdId };
}

/**
 * The outbox entries of the holds' expiry checks (`holdPlaced`, written beside a hold when it is
 * placed), deleted by every removal of the holds: moot from then on, and until then what drops a
 * hold a dead writer left. Left behind, each cost the relay a lease, a read and a done mark five
 * minutes later for a hold already gone. (A course's holds have none: deleting nothing is free.)
 */
function expiryCheckKeys(holds: HoldRecord[]): Deno.KvKey[] {
  return holds.flatMap((hold) => envelopesOf(holdPlaced(hold, 0)).map(dueKeyOf));
}

/** How far from a slot `assertDayOpen` looks: every instant of its local day is within it. */
const DAY_WINDOW_MS = 36 * 3_600_000;

/** Expired holds stay readable this long, so a late confirm answers 410 rather than 404. */
const KEEP_EXPIRED_MS = 60 * 60 * 1000;

function oneDoctor(holds: HoldRecord[]): string {
  const doctorId = holds[0]?.doctorId;
  if (!doctorId || holds.some((h) => h.doctorId !== doctorId)) {
    throw new RangeError("Holds in one commit must all be with one doctor");
  }
  return doctorId;
}

export interface KvHoldStoreOptions extends CellMarkOptions {
  /**
   * The doctor's active appointments overlapping [fromMs, toMs), read in a step on the doctor's
   * calendar (KV records: their appointment index, whose every writer commits on that version).
   * With it, placing holds refuses booked time too, not only held time: the listing a hold
   * request checked may predate a hold placed and booked since, by another request or instance.
   */
  booked?: (doctorId: string, fromMs: number, toMs: number) => Promise<BookedInterval[]>;
}

export function createKvHoldStore(
  kv: Deno.Kv,
  { cellMarks = false, booked }: KvHoldStoreOptions = {},
): HoldStore {
  /**
   * The versionstamp each record `get` answered was read at, so that `reserveAttempt` can check
   * it instead of reading the hold again. Only records this store handed out are in it.
   */
  const readAt = new WeakMap<HoldRecord, string>();

  async function get(id: string) {
    const entry = await withKvRetry(() => kv.get<HoldRecord>(holdKey(id)));
    if (entry.value) readAt.set(entry.value, entry.versionstamp);
    return entry.value;
  }

  function active(doctorId: string, fromMs: number, toMs: number, nowMs: number) {
    return overlapping(
      kv,
      holdByDoctorPrefix(doctorId),
      fromMs,
      toMs,
      (h: DoctorHold) => h.expiresAtMs > nowMs ? heldIntervalOf(h) : null,
    );
  }

  /**
   * A doctor's live holds and active appointments overlapping [fromMs, toMs), from the calendar
   * view's knowledge at the step's version or read from the doctor's indexes. Appointments come
   * from `booked` (KV records); without it only from the view, and only with `viewBookings`.
   */
  function occupied(
    doctorId: string,
    fromMs: number,
    toMs: number,
    nowMs: number,
    known: KnownCalendar | undefined,
    viewBookings = false,
  ): Promise<[HeldInterval[], BookedInterval[]]> {
    return Promise.all([
      overlappingOrKnown(
        known?.held(fromMs, toMs, nowMs),
        () => active(doctorId, fromMs, toMs, nowMs),
      ),
      booked
        ? overlappingOrKnown(known?.booked(fromMs, toMs), () => booked(doctorId, fromMs, toMs))
        : viewBookings
        ? known?.booked(fromMs, toMs).then((b) => b ?? [], () => []) ?? Promise.resolve([])
        : Promise.resolve([]),
    ]);
  }

  /**
   * Throws unless fewer than `max` live holds and active appointments (those the store can tell:
   * `booked`, or the calendar view's knowledge at this version) start on the hold's local day:
   * within the step on the calendar version, as `assertFree`, so that holds placed at the same
   * moment on one day cannot each pass a count taken before either committed.
   */
  async function assertDayOpen(
    hold: HoldRecord,
    { date, timeZone, max }: DayLimit,
    nowMs: number,
    known?: KnownCalendar,
  ) {
    // Any local day lies within 36 hours of an instant in it, whatever the zone.
    const [held, taken] = await occupied(
      hold.doctorId,
      hold.startMs - DAY_WINDOW_MS,
      hold.startMs + DAY_WINDOW_MS,
      nowMs,
      known,
      true,
    );
    const onDay = [...held, ...taken]
      .filter((i) => localDateOf(i.startMs, timeZone) === date).length;
    if (onDay >= max) throw new SlotUnavailableError("The doctor's day is fully booked");
  }

  /**
   * Throws unless no live hold (nor, with `booked`, active appointment) overlaps any of `holds`
   * at `nowMs`: read from the doctor's indexes within the caller's step on the calendar version
   * (see the module header), unless the step was handed them as known at that version (`known`,
   * the calendar view).
   */
  async function assertFree(holds: HoldRecord[], nowMs: number, known?: KnownCalendar) {
    const found = await Promise.all(
      holds.map((h) => occupied(h.doctorId, h.startMs, h.endMs, nowMs, known)),
    );
    if (found.some(([, taken]) => taken.length > 0)) {
      throw new SlotUnavailableError(
        holds.length > 1 ? "A session of the course is booked already" : "That slot is booked",
      );
    }
    if (found.some(([held]) => held.length > 0)) {
      throw new SlotUnavailableError(
        holds.length > 1
          ? "A session of the course is held by someone else"
          : "That slot is held by someone else",
      );
    }
  }

  /**
   * The deletes that free `holds` (one patient's): records, index, patient's list, their expiry
   * checks, and with `cellMarks` their cell marks unless `keepCells` (a booking's: they expire on
   * their own).
   * Reads what it needs in one `getMany`, with `alsoRead` if given, unless `read` hands in the
   * entries of those keys (`removalReads`), read by the caller.
   */
  async function plannedRemoval(
    holds: HoldRecord[],
    alsoRead: Deno.KvKey[] = [],
    keepCells = false,
    read?: readonly Deno.KvEntryMaybe<unknown>[],
  ) {
    const patientId = holds[0].patientId;
    if (holds.some((h) => h.patientId !== patientId)) {
      throw new RangeError("Holds released together share a patient");
    }
    const ids = new Set(holds.map((h) => h.id));
    const keys = removalReads(holds, alsoRead, keepCells);
    if (read && read.length !== keys.length) throw new RangeError("Not the entries of the reads");
    const entries = read ?? await getManyChunked<unknown>(kv, keys);
    const mine = entries[0] as Deno.KvEntryMaybe<PatientHolds>;
    const also = entries.slice(1, 1 + alsoRead.length);
    const cells = entries.slice(1 + alsoRead.length);
    const remove = (op: Deno.AtomicOperation) => {
      op.check(mine);
      for (const h of holds) {
        op.delete(holdKey(h.id)).delete(holdByDoctorKey(h.doctorId, h.startMs, h.id));
      }
      for (const key of expiryCheckKeys(holds)) op.delete(key);
      removeHoldCells(op, cells, ids);
      const rest = (mine.value ?? []).filter((h) => !ids.has(h.holdId));
      if (rest.length > 0) op.set(patientHoldsKey(patientId), rest);
      else op.delete(patientHoldsKey(patientId));
      return op;
    };
    return { remove, also };
  }

  /** What `plannedRemoval` reads: the patient's hold list, `alsoRead`, cells. */
  function removalReads(holds: HoldRecord[], alsoRead: Deno.KvKey[] = [], keepCells = false) {
    return [
      patientHoldsKey(holds[0].patientId),
      ...alsoRead,
      ...(cellMarks && !keepCells ? holdCellKeys(holds) : []),
    ];
  }

  /**
   * Adds `hold` to the patient's live holds (`mine`, as read), or throws `hold_limit_reached`
   * when they already have `max`: the mutation to add to the hold's commit, checked on `mine`.
   */
  function countedAmong(
    mine: Deno.KvEntryMaybe<PatientHolds>,
    hold: HoldRecord,
    max: number,
    nowMs: number,
  ) {
    const live = (mine.value ?? []).filter((h) => h.expiresAtMs > nowMs);
    if (live.length >= max) {
      throw new ConflictError(
        "hold_limit_reached",
        `You already hold ${live.length} slots; confirm or release one first`,
      );
    }
    const ttl = hold.expiresAtMs - nowMs;
    const mark: HoldMark = { holdId: hold.id, expiresAtMs: hold.expiresAtMs };
    return (op: Deno.AtomicOperation) =>
      op.check(mine).set(patientHoldsKey(hold.patientId), [...live, mark], {
        expireIn: Math.max(ttl, ...live.map((h) => h.expiresAtMs - nowMs)),
      });
  }

  /** The index and record mutations of new holds. */
  function setHolds(op: Deno.AtomicOperation, holds: HoldRecord[], nowMs: number) {
    for (const h of holds) {
      const ttl = Math.max(1, h.expiresAtMs - nowMs);
      op.set(holdKey(h.id), h, { expireIn: ttl + KEEP_EXPIRED_MS })
        .set(
          holdByDoctorKey(h.doctorId, h.startMs, h.id),
          {
            holdId: h.id,
            expiresAtMs: h.expiresAtMs,
            startMs: h.startMs,
            endMs: h.endMs,
          } satisfies DoctorHold,
          { expireIn: ttl },
        );
    }
    if (cellMarks) addHoldCells(op, holds, nowMs);
    return op;
  }

  return {
    get,

    create(hold, maxActivePerPatient, nowMs, outbox = [], dayLimit) {
      // The patient's holds are read with the calendar version, in one call.
      const prefetch = [patientHoldsKey(hold.patientId)];
      return commitOnCalendar(kv, hold.doctorId, "hold the slot", async (_, read, known) => {
        const [mine] = read as [Deno.KvEntryMaybe<PatientHolds>];
        await Promise.all([
          assertFree([hold], nowMs, known),
          dayLimit && assertDayOpen(hold, dayLimit, nowMs, known),
        ]);
        const counted = countedAmong(mine, hold, maxActivePerPatient, nowMs);
        return {
          result: hold,
          build: (op: Deno.AtomicOperation) =>
            addToOutbox(
              counted(setHolds(op, [hold], nowMs))
                .check({ key: holdKey(hold.id), versionstamp: null }),
              outbox,
            ),
        };
      }, prefetch);
    },

    createGroup(holds, nowMs, { alongside, outbox = [], maxActivePerPatient }) {
      const prefetch = [patientHoldsKey(holds[0].patientId)];
      return commitOnCalendar(kv, oneDoctor(holds), "hold the course", async (_, read, known) => {
        const [mine] = read as [Deno.KvEntryMaybe<PatientHolds>];
        await assertFree(holds, nowMs, known);
        // Counted as its first hold: any release or use of the course's holds drops the mark.
        const counted = countedAmong(mine, holds[0], maxActivePerPatient, nowMs);
        return {
          result: undefined,
          build: (op: Deno.AtomicOperation) =>
            addToOutbox(
              counted(setHolds(op, holds, nowMs))
                .check({ key: alongside.key, versionstamp: null })
                .set(alongside.key, alongside.value),
              outbox,
            ),
        };
      }, prefetch);
    },

    reserveAttempt(read, max) {
      const key = holdKey(read.id);
      const versionstamp = readAt.get(read);
      // The first try checks the read the caller made; a count made since fails it, and every
      // later try reads the hold again.
      let known: Deno.KvEntryMaybe<HoldRecord> | null = versionstamp === undefined
        ? null
        : { key, value: read, versionstamp };
      return untilCommitted("Counting a code check", async () => {
        const entry = known ?? await withKvRetry(() => kv.get<HoldRecord>(key));
        known = null;
        if (!entry.value || entry.value.attempts >= max) return false;
        const hold = entry.value;
        const res = await commit(() =>
          kv.atomic().check(entry).set(key, { ...hold, attempts: hold.attempts + 1 }, {
            expireIn: Math.max(1000, hold.expiresAtMs - Date.now() + KEEP_EXPIRED_MS),
          })
        );
        return res.ok ? true : undefined;
      });
    },

    async remove(
      target,
      { outbox = [], announces = {}, alongside, onlyIfPresent = false }: HoldRemoval = {},
    ) {
      const holds = Array.isArray(target) ? target : [target];
      if (holds.length === 0) return;
      // What the removal and `alongside` read comes in the calendar version's own `getMany`.
      const own = removalReads(holds);
      // Every removal of a hold commits on the calendar (its version is checked): presence read
      // here still holds when this commits.
      const present = onlyIfPresent ? holds.map((h) => holdKey(h.id)) : [];
      const split = own.length + present.length;
      await commitOnCalendar(
        kv,
        oneDoctor(holds),
        "release the hold",
        async (_, read) => {
          const gone = read.slice(own.length, split).findIndex((e) => e.value === null);
          if (gone >= 0) throw new NotFoundError(`Hold ${holds[gone].id} does not exist`);
          const [{ remove }, add] = await Promise.all([
            plannedRemoval(holds, [], false, read.slice(0, own.length)),
            alongside?.(read.slice(split)),
          ]);
          return {
            result: undefined,
            build: (op) => {
              const removed = addToOutbox(remove(op), outbox);
              return add ? add(removed) : removed;
            },
          };
        },
        [...own, ...present, ...alongside?.reads ?? []],
        announces,
      );
    },

    consumption(target, { now, maxAttempts }) {
      const holds = Array.isArray(target) ? target : [target];
      oneDoctor(holds);
      const keys = holds.map((h) => holdKey(h.id));
      const reads = removalReads(holds, keys, true);
      return Object.assign(async (read?: readonly Deno.KvEntryMaybe<unknown>[]) => {
        // The lapse is judged at this step's own time, not the first one's: a step run again
        // after its commit lost the calendar check may run after the hold lapsed and another
        // patient held the freed time (which only the hold kept from them).
        const nowMs = now();
        const { remove, also } = await plannedRemoval(holds, keys, true, read);
        const entries = also as Deno.KvEntryMaybe<HoldRecord>[]; // alsoRead was given
        entries.forEach((entry, i) => {
          const stored = entry.value;
          if (!stored || stored.patientId !== holds[i].patientId) {
            throw new NotFoundError(`Hold ${holds[i].id} does not exist`);
          }
          if (stored.expiresAtMs <= nowMs) throw new HoldExpiredError();
          if (maxAttempts !== undefined && stored.attempts >= maxAttempts) {
            throw new HoldCodesSpentError();
          }
        });
        // One hold's entry is checked: a code check counted meanwhile (off the calendar) makes
        // the commit run again. A course's holds count none, and every removal of a hold commits
        // on the calendar, so their presence needs no check of its own (nor a denokv check each).
        return (op: Deno.AtomicOperation) => remove(holds.length === 1 ? op.check(entries[0]) : op);
      }, { reads });
    },

    active,

    async countActiveForPatient(patientId, nowMs) {
      const mine = await withKvRetry(() => kv.get<PatientHolds>(patientHoldsKey(patientId)));
      return (mine.value ?? []).filter((h) => h.expiresAtMs > nowMs).length;
    },

    async removeAllForPatient(patientId) {
      const mine = await withKvRetry(() => kv.get<PatientHolds>(patientHoldsKey(patientId)));
      let removed = 0;
      for (const { holdId } of mine.value ?? []) {
        const hold = await get(holdId);
        if (hold) {
          await this.remove(hold);
          removed++;
        }
      }
      await commit(() => kv.atomic().delete(patientHoldsKey(patientId)));
      return removed;
    },
  };
}
