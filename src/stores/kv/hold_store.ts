/**
 * Slot holds in Deno KV. A hold claims the 5-minute cells of its slot under ["hold_cell", ...] for
 * its lifetime; creating one is a single atomic commit that checks every cell and the patient's
 * list of active holds, so two holds never overlap and a patient never exceeds the limit.
 * `expireIn` deletes lazily: every value carries `expiresAtMs` and a past one counts as free.
 */
import { ConflictError, SlotUnavailableError } from "../../errors.ts";
import type { Interval } from "../../domain/slots.ts";
import { cellsOf, MAX_CLAIM_MS } from "../records.ts";
import { commit, getManyChunked, untilCommitted, withKvRetry } from "./kv_commit.ts";
import {
  holdByDoctorKey,
  holdByDoctorPrefix,
  holdCellKey,
  holdKey,
  patientHoldsKey,
} from "./keys.ts";

export interface HoldRecord {
  id: string;
  doctorId: string;
  patientId: string;
  start: string;
  end: string;
  startMs: number;
  endMs: number;
  expiresAtMs: number;
  /** HMAC of the confirmation code, bound to this hold's id. */
  codeHash: string;
  attempts: number;
  createdAt: string;
}

interface CellValue {
  holdId: string;
  expiresAtMs: number;
}

type PatientHolds = CellValue[];

interface DoctorHold extends CellValue {
  startMs: number;
  endMs: number;
}

/** Expired holds stay readable this long, so a late confirm answers 410 rather than 404. */
const KEEP_EXPIRED_MS = 60 * 60 * 1000;

export interface HoldStore {
  create(hold: HoldRecord, maxActivePerPatient: number, nowMs: number): Promise<HoldRecord>;
  get(id: string): Promise<HoldRecord | null>;
  /**
   * Counts one check of the hold's code before it is compared; false when `max` checks were
   * already counted (or the hold is gone), so a burst of guesses compares at most `max`.
   */
  reserveAttempt(holdId: string, max: number): Promise<boolean>;
  /** Removes the hold and frees its cells. Safe to call twice. */
  remove(hold: HoldRecord): Promise<void>;
  /** Live holds of a doctor overlapping [fromMs, toMs). */
  active(doctorId: string, fromMs: number, toMs: number, nowMs: number): Promise<Interval[]>;
  /** Live holds of a patient. */
  countActiveForPatient(patientId: string, nowMs: number): Promise<number>;
  /** Removes every hold listed for the patient, expired or not (erasure). Returns how many. */
  removeAllForPatient(patientId: string): Promise<number>;
}

export function createKvHoldStore(kv: Deno.Kv): HoldStore {
  async function get(id: string) {
    return (await withKvRetry(() => kv.get<HoldRecord>(holdKey(id)))).value;
  }

  return {
    get,

    async create(hold, maxActivePerPatient, nowMs) {
      const cells = cellsOf(hold.startMs, hold.endMs);
      const ttl = hold.expiresAtMs - nowMs;
      const cellValue: CellValue = { holdId: hold.id, expiresAtMs: hold.expiresAtMs };
      for (let attempt = 0; attempt < 5; attempt++) {
        const cellEntries = await getManyChunked<CellValue>(
          kv,
          cells.map((c) => holdCellKey(hold.doctorId, c)),
        );
        if (cellEntries.some((e) => e.value && e.value.expiresAtMs > nowMs)) {
          throw new SlotUnavailableError("That slot is held by someone else");
        }
        const mine = await withKvRetry(() => kv.get<PatientHolds>(patientHoldsKey(hold.patientId)));
        const live = (mine.value ?? []).filter((h) => h.expiresAtMs > nowMs);
        if (live.length >= maxActivePerPatient) {
          throw new ConflictError(
            "hold_limit_reached",
            `You already hold ${live.length} slots; confirm or release one first`,
          );
        }
        const res = await commit(() => {
          const op = kv.atomic().check(mine);
          for (const e of cellEntries) op.check(e).set(e.key, cellValue, { expireIn: ttl });
          return op
            .check({ key: holdKey(hold.id), versionstamp: null })
            .set(holdKey(hold.id), hold, { expireIn: ttl + KEEP_EXPIRED_MS })
            .set(
              holdByDoctorKey(hold.doctorId, hold.startMs, hold.id),
              { ...cellValue, startMs: hold.startMs, endMs: hold.endMs } satisfies DoctorHold,
              { expireIn: ttl },
            )
            .set(patientHoldsKey(hold.patientId), [...live, cellValue], {
              expireIn: Math.max(ttl, ...live.map((h) => h.expiresAtMs - nowMs)),
            });
        });
        if (res.ok) return hold;
      }
      throw new SlotUnavailableError("That slot is being held by someone else right now");
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

    async remove(hold) {
      const cells = cellsOf(hold.startMs, hold.endMs);
      for (let attempt = 0; attempt < 5; attempt++) {
        const cellEntries = await getManyChunked<CellValue>(
          kv,
          cells.map((c) => holdCellKey(hold.doctorId, c)),
        );
        const mine = await withKvRetry(() => kv.get<PatientHolds>(patientHoldsKey(hold.patientId)));
        const res = await commit(() => {
          const op = kv.atomic().check(mine).delete(holdKey(hold.id))
            .delete(holdByDoctorKey(hold.doctorId, hold.startMs, hold.id));
          for (const e of cellEntries) {
            if (e.value?.holdId === hold.id) op.check(e).delete(e.key);
          }
          const rest = (mine.value ?? []).filter((h) => h.holdId !== hold.id);
          return rest.length > 0
            ? op.set(patientHoldsKey(hold.patientId), rest)
            : op.delete(patientHoldsKey(hold.patientId));
        });
        if (res.ok) return;
      }
      throw new ConflictError("hold_busy", `Hold ${hold.id} is changing; try again`);
    },

    async active(doctorId, fromMs, toMs, nowMs) {
      const out: Interval[] = [];
      const prefix = holdByDoctorPrefix(doctorId);
      const iter = kv.list<DoctorHold>({
        start: [...prefix, fromMs - MAX_CLAIM_MS],
        end: [...prefix, toMs],
      });
      for await (const e of iter) {
        const h = e.value;
        if (h.expiresAtMs > nowMs && h.startMs < toMs && h.endMs > fromMs) {
          out.push({ startMs: h.startMs, endMs: h.endMs });
        }
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
