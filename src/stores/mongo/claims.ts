/**
 * The double-booking guard without transactions: collection `claims` holds one document per
 * 5-minute cell a doctor's active appointment covers, `_id: "<doctorId>:<cellMs>"`, so the unique
 * `_id` lets exactly one appointment claim a cell. Claims are written before the appointment and
 * released after it, so a crash can leave claims without a live appointment; whoever meets such a
 * claim later, once it is older than the grace period, deletes it and claims again ("reads heal
 * what they meet"). A writer must finish within half the grace period (a lease) or give up.
 *
 * Documents: `{_id, doctorId, start: Date, appointmentId, claimToken, createdAt: Date, firstMs}`;
 * the `claimToken` marks one call's claims so a rollback never deletes what a concurrent retry of
 * the same appointment claimed, and `firstMs` is the first cell that call asked for (absent on
 * claims written before it was kept, and on reconcile's). Every query carries `doctorId` (the
 * shard key is `{doctorId, start}`).
 *
 * Two calls for overlapping time each insert their cells in ascending order, but FerretDB applies
 * two commands' documents interleaved (after a failed batch, one transaction per document), so
 * each can take cells the other needs. Then a call that holds its cells up to the first one it
 * lost, to a call that asked for an earlier first cell, holds what that call needs: the other
 * backs off, and this one gives back its cells after the lost one and waits for it (as an ordered
 * insert would have stopped at the lost cell). Without that wait both backed off and nobody got a
 * slot ten patients raced for. Any other holder keeps the cell: the call backs off at once.
 */
import type { Db } from "mongodb";
import { ServiceUnavailableError, SlotUnavailableError } from "../../errors.ts";
import { type AppointmentRecord, isActive } from "../records.ts";
import type { Stored } from "./documents.ts";
import { groupedInsertEach, throwUnlessDuplicates } from "./grouped.ts";

export interface ClaimDocument {
  _id: string;
  doctorId: string;
  start: Date;
  appointmentId: string;
  claimToken: string;
  createdAt: Date;
  /** The first cell the claiming call asked for (see the header). */
  firstMs?: number;
}

/** The cells one call claimed: what its rollback may delete. */
export interface HeldClaims {
  doctorId: string;
  appointmentId: string;
  ids: string[];
  token: string;
  claimedAtMs: number;
}

export interface ClaimGuard {
  /** Claims every cell for the appointment, healing orphans; else `SlotUnavailableError`. */
  claim(doctorId: string, appointmentId: string, cells: number[]): Promise<HeldClaims>;
  /** Throws if the claims are too old to write the appointment safely (see the lease above). */
  assertLeaseHeld(held: HeldClaims): Promise<void>;
  /** Deletes what `claim` inserted, and nothing a concurrent call inserted. */
  rollback(held: HeldClaims): Promise<void>;
  /** Deletes the appointment's claims on these cells. */
  release(doctorId: string, appointmentId: string, cells: number[]): Promise<void>;
}

/**
 * A cell is held by an earlier try of this same appointment that has not finished (still in
 * flight, or lost its database before writing the appointment, so healing takes it after the
 * grace): not someone else's booking, so the caller is told to try again, not that it is taken.
 */
export class OwnClaimsPendingError extends ServiceUnavailableError {
  override name = "OwnClaimsPendingError";
}

export function claimId(doctorId: string, cellMs: number): string {
  return `${doctorId}:${cellMs}`;
}

export function createClaimGuard(db: Db, graceMs: number): ClaimGuard {
  const claims = db.collection<ClaimDocument>("claims");
  const appointments = db.collection<Stored<AppointmentRecord>>("appointments");
  const insertEach = groupedInsertEach(claims);

  /** Whether the claim's appointment is stored, active, and covers the claimed cell. */
  async function ownerCovers(holder: ClaimDocument): Promise<boolean> {
    const owner = await appointments.findOne(
      { _id: holder.appointmentId, doctorId: holder.doctorId },
      { projection: { status: 1, startMs: 1, endMs: 1 } },
    );
    const cellMs = holder.start.getTime();
    return owner !== null && isActive(owner.status) && owner.startMs <= cellMs &&
      cellMs < owner.endMs;
  }

  /** Deletes the claim if it is an orphan (or finds it gone): null; else the live claim. */
  async function healIfOrphan(id: string, doctorId: string): Promise<ClaimDocument | null> {
    const holder = await claims.findOne({ _id: id, doctorId });
    if (!holder) return null;
    if (Date.now() - holder.createdAt.getTime() < graceMs) return holder;
    if (await ownerCovers(holder)) return holder;
    await claims.deleteOne({
      _id: id,
      doctorId,
      appointmentId: holder.appointmentId,
      createdAt: holder.createdAt,
    });
    return null;
  }

  async function rollback(held: HeldClaims) {
    if (held.ids.length === 0) return;
    await claims.deleteMany({
      _id: { $in: held.ids },
      doctorId: held.doctorId,
      appointmentId: held.appointmentId,
      claimToken: held.token,
    });
  }

  return {
    rollback,

    async claim(doctorId, appointmentId, cells) {
      const token = crypto.randomUUID();
      const createdAt = new Date();
      const held: HeldClaims = {
        doctorId,
        appointmentId,
        ids: [],
        token,
        claimedAtMs: createdAt.getTime(),
      };
      const docs: ClaimDocument[] = cells.map((cellMs) => ({
        _id: claimId(doctorId, cellMs),
        doctorId,
        start: new Date(cellMs),
        appointmentId,
        claimToken: token,
        createdAt,
        firstMs: cells[0],
      }));
      let rest = docs;
      let heals = 0;
      try {
        for (let round = 0; rest.length > 0; round++) {
          // Unordered, beside other calls' claims: a claim after a taken cell may go in too, and
          // is held (the rollback below deletes it should the call fail).
          const outcomes = await insertEach(rest);
          const taken: ClaimDocument[] = [];
          outcomes.forEach((o, i) => o.ok ? held.ids.push(rest[i]._id) : taken.push(rest[i]));
          throwUnlessDuplicates(outcomes);
          rest = taken;
          if (rest.length === 0) break;
          // Never could two calls both win a cell; each could win a part (see the header).
          const live = heals++ > cells.length ? rest[0] : await healIfOrphan(rest[0]._id, doctorId);
          if (live?.appointmentId === appointmentId && live.claimToken !== token) {
            const leftMs = live.createdAt.getTime() + graceMs - Date.now();
            throw new OwnClaimsPendingError(
              `An earlier try of this booking still holds ${live.start.toISOString()}; try again`,
              { retryAfterSeconds: Math.max(1, Math.ceil(leftMs / 1000)) },
            );
          }
          const lostMs = rest[0].start.getTime();
          const waitedMs = Date.now() - createdAt.getTime();
          if (
            live && live.appointmentId !== appointmentId && lostMs > cells[0] &&
            live.firstMs !== undefined && live.firstMs < lostMs && waitedMs < graceMs / 4 &&
            // A booking already written keeps its cell: one moved onto later time still has the
            // claims of its old time, naming that time's first cell.
            !(await ownerCovers(live))
          ) {
            // The other call lost one of our earlier cells and backs off: wait for it, holding
            // only the cells before the lost one, as the other call does in the mirror case.
            const lostAt = docs.indexOf(rest[0]);
            const beyond = new Set(docs.slice(lostAt).map((d) => d._id));
            await rollback({ ...held, ids: held.ids.filter((id) => beyond.has(id)) });
            held.ids = held.ids.filter((id) => !beyond.has(id));
            rest = docs.slice(lostAt);
            heals = 0;
            const pauseMs = Math.min(2 ** round, 20) * (0.5 + Math.random());
            await new Promise((resolve) => setTimeout(resolve, pauseMs));
            continue;
          }
          if (live) {
            throw new SlotUnavailableError(
              `That slot is no longer available: ${rest[0].start.toISOString()} is already claimed`,
            );
          }
        }
      } catch (err) {
        // Our own claims are safe to drop: the appointment has not been written yet.
        await rollback(held).catch(() => {});
        throw err;
      }
      return held;
    },

    async assertLeaseHeld(held) {
      if (Date.now() - held.claimedAtMs <= graceMs / 2) return;
      await rollback(held);
      throw new ServiceUnavailableError(
        `Booking took longer than ${graceMs / 2} ms between claim and write; try again`,
      );
    },

    async release(doctorId, appointmentId, cells) {
      if (cells.length === 0) return;
      await claims.deleteMany({
        _id: { $in: cells.map((c) => claimId(doctorId, c)) },
        doctorId,
        appointmentId,
      });
    },
  };
}
