/**
 * The per-5-minute-cell keys that versions before the index guard read to keep a doctor's time
 * single-booked: ["claim", doctorId, cellMs] (an appointment's id) and ["hold_cell", doctorId,
 * cellMs] ({holdId, expiresAtMs}). This version guards with the doctor's appointment and hold
 * indexes instead (appointment_store.ts, hold_store.ts) and needs neither.
 *
 * A rolling deploy runs both versions on one KV for a while: an older instance sees only the cell
 * keys, so it would book or hold over time this version took. With `KV_CELL_MARKS=true` this
 * version writes and removes the cell keys exactly where the older one did, in the same commits;
 * the older instances then see every booking and hold, and this version reads the indexes, which
 * both versions always wrote. Turn it off once no older instance runs (README, "Upgrading").
 */
import type { HoldRecord } from "../ports.ts";
import { type AppointmentRecord, cellsOf, isActive } from "../records.ts";
import { claimKey, holdCellKey } from "./keys.ts";

/** How the KV calendar stores keep the older versions' cell keys. */
export interface CellMarkOptions {
  /** Write and remove the cell keys too (`KV_CELL_MARKS`); default false. */
  cellMarks?: boolean;
}

/** What an older version reads in a `hold_cell` entry. */
interface HoldCellValue {
  holdId: string;
  expiresAtMs: number;
}

function claimedCells(a: AppointmentRecord): number[] {
  return isActive(a.status) ? cellsOf(a.startMs, a.endMs) : [];
}

/** The claims of newly booked `appointments`. */
export function addClaims(op: Deno.AtomicOperation, appointments: AppointmentRecord[]) {
  for (const a of appointments) {
    for (const cell of claimedCells(a)) op.set(claimKey(a.doctorId, cell), a.id);
  }
}

/** Moves an appointment's claims from its stored time and status to its next ones. */
export function moveClaims(
  op: Deno.AtomicOperation,
  stored: AppointmentRecord,
  next: AppointmentRecord,
) {
  const before = new Set(claimedCells(stored));
  const after = new Set(claimedCells(next));
  for (const cell of after) if (!before.has(cell)) op.set(claimKey(next.doctorId, cell), next.id);
  for (const cell of before) if (!after.has(cell)) op.delete(claimKey(stored.doctorId, cell));
}

/** The cell keys of `holds`, in order (what `removeHoldCells` needs read). */
export function holdCellKeys(holds: HoldRecord[]): Deno.KvKey[] {
  return holds.flatMap((h) => cellsOf(h.startMs, h.endMs).map((c) => holdCellKey(h.doctorId, c)));
}

/** The cell marks of new holds, expiring with them. */
export function addHoldCells(op: Deno.AtomicOperation, holds: HoldRecord[], nowMs: number) {
  for (const h of holds) {
    const value: HoldCellValue = { holdId: h.id, expiresAtMs: h.expiresAtMs };
    const expireIn = Math.max(1, h.expiresAtMs - nowMs);
    for (const cell of cellsOf(h.startMs, h.endMs)) {
      op.set(holdCellKey(h.doctorId, cell), value, { expireIn });
    }
  }
}

/**
 * Deletes the read cell entries that still mark one of `holdIds`: a lapsed hold's cell may carry
 * a later hold's mark by now, which stays.
 */
export function removeHoldCells(
  op: Deno.AtomicOperation,
  read: Deno.KvEntryMaybe<unknown>[],
  holdIds: ReadonlySet<string>,
) {
  for (const e of read as Deno.KvEntryMaybe<HoldCellValue>[]) {
    if (e.value && holdIds.has(e.value.holdId)) op.delete(e.key);
  }
}
