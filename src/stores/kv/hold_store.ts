/**
 * Slot holds in Deno KV; this module alone owns their layout. A hold marks the 5-minute cells of
 * its slot under ["hold_cell", ...] for its lifetime. Creating holds is one commit on the doctor's
 * calendar version (calendar.ts): the cells are read after the version, and the commit checks the
 * version, the new hold's id and the patient's list of active holds — at most 3 checks however
 * long the slot, so two holds never overlap and a patient never exceeds the limit. A course holds
 * all its sessions in one such commit, with its own record alongside. A booking on KV records
 * removes the hold it uses up in its own commit (`consumption`), so a confirm is one commit; that
 * commit leaves the hold's cells to expire (its claims guard the time now), so a live cell marks
 * the slot only while its hold's record exists (every other removal deletes cells and record
 * together, in a commit on the calendar version).
 * `expireIn` deletes lazily: every value carries `expiresAtMs` and a past one counts as free.
 */
import {
  ConflictError,
  HoldCodesSpentError,
  HoldExpiredError,
  NotFoundError,
  SlotUnavailableError,
} from "../../errors.ts";
import type { EventEnvelope } from "../../events/event_types.ts";
import { addToOutbox } from "../../events/outbox.ts";
import type { HeldInterval, HoldRecord, HoldStore } from "../ports.ts";
import { cellsOf, MAX_CLAIM_MS } from "../records.ts";
import { commitOnCalendar } from "./calendar.ts";
import { commit, getManyChunked, untilCommitted, withKvRetry } from "./kv_commit.ts";
import {
  holdByDoctorKey,
  holdByDoctorPrefix,
  holdCellKey,
  holdKey,
  patientHoldsKey,
} from "./keys.ts";

export type { HoldRecord, HoldStore } from "../ports.ts";

interface CellValue {
  holdId: string;
  expiresAtMs: number;
}

type PatientHolds = CellValue[];

interface DoctorHold extends CellValue {
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

/** Expired holds stay readable this long, so a late confirm answers 410 rather than 404. */
const KEEP_EXPIRED_MS = 60 * 60 * 1000;

function oneDoctor(holds: HoldRecord[]): string {
  const doctorId = holds[0]?.doctorId;
  if (!doctorId || holds.some((h) => h.doctorId !== doctorId)) {
    throw new RangeError("Holds in one commit must all be with one doctor");
  }
  return doctorId;
}

export function createKvHoldStore(kv: Deno.Kv): HoldStore {
  async function get(id: string) {
    return (await withKvRetry(() => kv.get<HoldRecord>(holdKey(id)))).value;
  }

  const cellKeysOf = (holds: HoldRecord[]) =>
    holds.flatMap((h) => cellsOf(h.startMs, h.endMs).map((c) => holdCellKey(h.doctorId, c)));

  /**
   * Throws unless every cell of every hold is free at `nowMs`: unmarked, expired, or marked by a
   * hold whose record is gone (a booking consumed it and left its cells to expire). The records
   * are read only when a live mark is found, within the caller's step on the calendar version.
   */
  async function assertCellsFree(
    holds: HoldRecord[],
    entries: Deno.KvEntryMaybe<CellValue>[],
    nowMs: number,
  ) {
    const marks = new Set<string>();
    for (const e of entries) if (e.value && e.value.expiresAtMs > nowMs) marks.add(e.value.holdId);
    if (marks.size === 0) return;
    const owners = await getManyChunked<HoldRecord>(kv, [...marks].map(holdKey));
    if (owners.some((e) => e.value !== null)) {
      throw new SlotUnavailableError(
        holds.length > 1
          ? "A session of the course is held by someone else"
          : "That slot is held by someone else",
      );
    }
  }

  /**
   * The deletes that free `holds` (one patient's): records, index, own cells (unless
   * `keepCells`: they expire on their own, see the module header), patient's list.
   * Reads what it needs in one `getMany` (for one hold), with `alsoRead` if given.
   */
  async function plannedRemoval(holds: HoldRecord[], alsoRead?: Deno.KvKey, keepCells = false) {
    const patientId = holds[0].patientId;
    if (holds.some((h) => h.patientId !== patientId)) {
      throw new RangeError("Holds released together share a patient");
    }
    const ids = new Set(holds.map((h) => h.id));
    const [mine, also, ...cells] = await getManyChunked<unknown>(kv, [
      patientHoldsKey(patientId),
      alsoRead ?? patientHoldsKey(patientId),
      ...(keepCells ? [] : cellKeysOf(holds)),
    ]) as [
      Deno.KvEntryMaybe<PatientHolds>,
      Deno.KvEntryMaybe<unknown>,
      ...Deno.KvEntryMaybe<CellValue>[],
    ];
    const remove = (op: Deno.AtomicOperation) => {
      op.check(mine);
      for (const h of holds) {
        op.delete(holdKey(h.id)).delete(holdByDoctorKey(h.doctorId, h.startMs, h.id));
      }
      // Only our own marks: an expired cell may already be another hold's.
      for (const e of cells) if (e.value && ids.has(e.value.holdId)) op.delete(e.key);
      const rest = (mine.value ?? []).filter((h) => !ids.has(h.holdId));
      if (rest.length > 0) op.set(patientHoldsKey(patientId), rest);
      else op.delete(patientHoldsKey(patientId));
      return op;
    };
    return { remove, also };
  }

  /** The cell, index and record mutations of new holds. */
  function setHolds(op: Deno.AtomicOperation, holds: HoldRecord[], nowMs: number) {
    for (const h of holds) {
      const ttl = Math.max(1, h.expiresAtMs - nowMs);
      const cell: CellValue = { holdId: h.id, expiresAtMs: h.expiresAtMs };
      for (const c of cellsOf(h.startMs, h.endMs)) {
        op.set(holdCellKey(h.doctorId, c), cell, { expireIn: ttl });
      }
      op.set(holdKey(h.id), h, { expireIn: ttl + KEEP_EXPIRED_MS })
        .set(
          holdByDoctorKey(h.doctorId, h.startMs, h.id),
          { ...cell, startMs: h.startMs, endMs: h.endMs } satisfies DoctorHold,
          { expireIn: ttl },
        );
    }
    return op;
  }

  return {
    get,

    create(hold, maxActivePerPatient, nowMs, outbox = []) {
      // The patient's holds and the slot's cells are read with the calendar version, in one call.
      const prefetch = [patientHoldsKey(hold.patientId), ...cellKeysOf([hold])];
      return commitOnCalendar(kv, hold.doctorId, "hold the slot", async (_, read) => {
        const [mine, ...cells] = read as [
          Deno.KvEntryMaybe<PatientHolds>,
          ...Deno.KvEntryMaybe<CellValue>[],
        ];
        await assertCellsFree([hold], cells, nowMs);
        const live = (mine.value ?? []).filter((h) => h.expiresAtMs > nowMs);
        if (live.length >= maxActivePerPatient) {
          throw new ConflictError(
            "hold_limit_reached",
            `You already hold ${live.length} slots; confirm or release one first`,
          );
        }
        const ttl = hold.expiresAtMs - nowMs;
        const cell: CellValue = { holdId: hold.id, expiresAtMs: hold.expiresAtMs };
        return {
          result: hold,
          build: (op: Deno.AtomicOperation) =>
            addToOutbox(
              setHolds(op, [hold], nowMs)
                .check(mine)
                .check({ key: holdKey(hold.id), versionstamp: null })
                .set(patientHoldsKey(hold.patientId), [...live, cell], {
                  expireIn: Math.max(ttl, ...live.map((h) => h.expiresAtMs - nowMs)),
                }),
              outbox,
            ),
        };
      }, prefetch);
    },

    createGroup(holds, nowMs, { alongside, outbox = [] }) {
      return commitOnCalendar(kv, oneDoctor(holds), "hold the course", async (_, cells) => {
        await assertCellsFree(holds, cells as Deno.KvEntryMaybe<CellValue>[], nowMs);
        return {
          result: undefined,
          build: (op: Deno.AtomicOperation) =>
            addToOutbox(
              setHolds(op, holds, nowMs)
                .check({ key: alongside.key, versionstamp: null })
                .set(alongside.key, alongside.value),
              outbox,
            ),
        };
      }, cellKeysOf(holds));
    },

    reserveAttempt(holdId, max) {
      return untilCommitted("Counting a code check", async () => {
        const entry = await withKvRetry(() => kv.get<HoldRecord>(holdKey(holdId)));
        if (!entry.value || entry.value.attempts >= max) return false;
        const hold = entry.value;
        const res = await commit(() =>
          kv.atomic().check(entry).set(holdKey(holdId), { ...hold, attempts: hold.attempts + 1 }, {
            expireIn: Math.max(1000, hold.expiresAtMs - Date.now() + KEEP_EXPIRED_MS),
          })
        );
        return res.ok ? true : undefined;
      });
    },

    async remove(target, outbox: EventEnvelope[] = [], announces = {}) {
      const holds = Array.isArray(target) ? target : [target];
      if (holds.length === 0) return;
      await commitOnCalendar(
        kv,
        oneDoctor(holds),
        "release the hold",
        async () => {
          const { remove } = await plannedRemoval(holds);
          return { result: undefined, build: (op) => addToOutbox(remove(op), outbox) };
        },
        [],
        announces,
      );
    },

    consumption(hold, { nowMs, maxAttempts }) {
      return async () => {
        const { remove, also } = await plannedRemoval([hold], holdKey(hold.id), true);
        const entry = also as Deno.KvEntryMaybe<HoldRecord>;
        const stored = entry.value;
        if (!stored || stored.patientId !== hold.patientId) {
          throw new NotFoundError(`Hold ${hold.id} does not exist`);
        }
        if (stored.expiresAtMs <= nowMs) throw new HoldExpiredError();
        if (maxAttempts !== undefined && stored.attempts >= maxAttempts) {
          throw new HoldCodesSpentError();
        }
        return (op) => remove(op.check(entry));
      };
    },

    async active(doctorId, fromMs, toMs, nowMs) {
      const out: HeldInterval[] = [];
      const prefix = holdByDoctorPrefix(doctorId);
      const iter = kv.list<DoctorHold>({
        start: [...prefix, fromMs - MAX_CLAIM_MS],
        end: [...prefix, toMs],
      });
      for await (const e of iter) {
        const held = heldIntervalOf(e.value);
        if (held.expiresAtMs > nowMs && held.startMs < toMs && held.endMs > fromMs) out.push(held);
      }
      return out;
    },

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
