/**
 * Finds and repairs what a crash between the claim and the appointment write can leave behind in
 * MongoDB: claims whose appointment is missing, cancelled or elsewhere (they block a slot), and
 * active appointments missing a claim on one of their cells (a booking the guard no longer
 * protects). It also checks the busy index listings read (busy_index.ts): an active appointment
 * without its entry (offered as free, though its claims refuse a booking) and a settled entry whose
 * appointment is no longer active there (a free slot never offered, marked gone by the repair);
 * repairs go through the index itself, under the appointment's lock. Pending entries are left to
 * `busy()`, which settles a crashed write's. Scans doctor by doctor, so every claims and
 * appointments query carries `doctorId`, and the index is read as the doctor's `_id` range.
 * Claims, and appointments written, younger than the grace period are left alone: their write may
 * still be in flight. Time that is past for good (past_guards.ts: it ended a week or more ago) is
 * not checked: its guards are the purge's to drop, and none is reported missing or put back.
 */
import type { Db } from "mongodb";
import { type AppointmentRecord, cellsOf, isActive, MAX_CLAIM_MS } from "../records.ts";
import {
  type BusyEntryDocument,
  busyEntryId,
  createBusyIndex,
  doctorEntriesRange,
  indexedStateOf,
  sameInterval,
  startKey,
} from "./busy_index.ts";
import { type ClaimDocument, claimId } from "./claims.ts";
import type { Stored } from "./documents.ts";
import { createGraceLocks } from "./locks.ts";
import { isPastCell, isPastInterval, pastBefore } from "./past_guards.ts";

export interface ReconcileFinding {
  kind:
    | "orphan_claim"
    | "missing_claim"
    | "claim_conflict"
    | "unlisted_booking"
    | "stale_busy_entry";
  doctorId: string;
  /** The claim's `_id`, or for the busy index the entry's. */
  key: string;
  appointmentId: string;
}

export interface ReconcileResult {
  doctors: number;
  findings: ReconcileFinding[];
  repaired: number;
}

export async function reconcile(
  db: Db,
  options: {
    fix: boolean;
    /** Claims and writes younger than this are left alone (at least the servers' claim grace). */
    graceMs: number;
    /**
     * The servers' claim grace, whose locks (locks.ts) this shares: a lock older than half of it
     * is a crashed holder's. Default `graceMs`; a longer scan grace must not lengthen the wait.
     */
    lockGraceMs?: number;
    nowMs: number;
    onDoctor?: () => void;
  },
): Promise<ReconcileResult> {
  const claims = db.collection<ClaimDocument>("claims");
  const appointments = db.collection<Stored<AppointmentRecord>>("appointments");
  const doctors = db.collection<{ _id: string }>("doctors");
  const busyEntries = db.collection<BusyEntryDocument>("busy_entries");
  const lockGraceMs = options.lockGraceMs ?? options.graceMs;
  const locks = createGraceLocks(db, lockGraceMs);
  const index = createBusyIndex(db, locks, { graceMs: lockGraceMs });
  const settledAt = (a: Stored<AppointmentRecord>) =>
    options.nowMs - Date.parse(a.updatedAt) >= options.graceMs;
  const findings: ReconcileFinding[] = [];
  let repaired = 0;
  let count = 0;
  for await (const doctor of doctors.find({}, { projection: { _id: 1 } })) {
    count++;
    options.onDoctor?.();
    const doctorId = doctor._id;
    const all = new Map<string, Stored<AppointmentRecord>>();
    const active = new Map<string, Stored<AppointmentRecord>>();
    for await (const a of appointments.find({ doctorId })) {
      all.set(a._id, a);
      if (isActive(a.status)) active.set(a._id, a);
    }
    const claimed = new Set<string>();
    for await (const c of claims.find({ doctorId })) {
      claimed.add(c._id);
      const holder = active.get(c.appointmentId);
      const covers = holder && c.start.getTime() >= holder.startMs &&
        c.start.getTime() < holder.endMs;
      if (covers || options.nowMs - c.createdAt.getTime() < options.graceMs) continue;
      if (isPastCell(c.start.getTime(), options.nowMs)) continue; // the purge's (past_guards.ts)
      findings.push({
        kind: "orphan_claim",
        doctorId,
        key: c._id,
        appointmentId: c.appointmentId,
      });
      if (options.fix) {
        // The claim as read, and no other: the same appointment, moved back onto the cell since,
        // heals it and claims the cell anew (claims.ts), with a token of its own.
        const res = await claims.deleteOne({
          _id: c._id,
          doctorId,
          appointmentId: c.appointmentId,
          claimToken: c.claimToken,
          createdAt: c.createdAt,
        });
        repaired += res.deletedCount;
      }
    }
    /** The appointment as stored now (the scan's copy may predate a booking or a change). */
    const reread = async (appointmentId: string) =>
      await appointments.findOne({ _id: appointmentId, doctorId }) ?? undefined;
    for (const a of active.values()) {
      for (const cell of cellsOf(a.startMs, a.endMs)) {
        const id = claimId(doctorId, cell);
        if (claimed.has(id) || isPastCell(cell, options.nowMs)) continue;
        findings.push({ kind: "missing_claim", doctorId, key: id, appointmentId: a._id });
        if (!options.fix) continue;
        const claim = { _id: id, doctorId, appointmentId: a._id, claimToken: "reconcile" };
        try {
          await claims.insertOne({
            ...claim,
            start: new Date(cell),
            createdAt: new Date(options.nowMs),
          });
        } catch {
          findings.push({ kind: "claim_conflict", doctorId, key: id, appointmentId: a._id });
          continue;
        }
        // Cancelled or moved since the scan read it: its change released its claims, before this
        // insert (the change's write then precedes this read) or after it (deleting this one too).
        const now = await reread(a._id);
        if (now && isActive(now.status) && now.startMs <= cell && cell < now.endMs) repaired++;
        else await claims.deleteOne(claim);
      }
    }
    // Entries that start earlier end before the cutoff: past, and left to the purge.
    const range = {
      ...doctorEntriesRange(doctorId),
      $gte: startKey(doctorId, pastBefore(options.nowMs) - MAX_CLAIM_MS),
    };
    const entries = (await busyEntries.find({ _id: range }).toArray())
      .filter((e) => !isPastInterval(e.endMs, options.nowMs));
    const listed = new Set(entries.filter((e) => !e.gone).map((e) => e._id));
    for (const a of active.values()) {
      const key = busyEntryId(doctorId, a._id, a);
      if (!settledAt(a) || listed.has(key) || isPastInterval(a.endMs, options.nowMs)) continue;
      findings.push({ kind: "unlisted_booking", doctorId, key, appointmentId: a._id });
      if (!options.fix) continue;
      await index.record(doctorId, a._id, { startMs: a.startMs, endMs: a.endMs }, a.version, true);
      repaired++;
    }
    for (const e of entries) {
      if (e.gone || e.pendingSinceMs !== undefined) continue;
      // An entry of an appointment the scan did not see: booked since (its insert precedes its
      // entry), so read it rather than take it for missing.
      const a = all.get(e.appointmentId) ?? await reread(e.appointmentId);
      if (a && (!settledAt(a) || (isActive(a.status) && sameInterval(e, a)))) continue;
      const key = e._id;
      findings.push({ kind: "stale_busy_entry", doctorId, key, appointmentId: e.appointmentId });
      if (!options.fix) continue;
      // A missing appointment's entries are dropped whatever version wrote them.
      const state = a ? indexedStateOf(a) : { version: Number.MAX_SAFE_INTEGER, active: null };
      await index.settle(doctorId, e.appointmentId, [e], state);
      repaired++;
    }
  }
  return { doctors: count, findings, repaired };
}
