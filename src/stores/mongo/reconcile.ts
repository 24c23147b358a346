/**
 * Finds and repairs what a crash between the claim and the appointment write can leave behind in
 * MongoDB: claims whose appointment is missing, cancelled or elsewhere (they block a slot), and
 * active appointments missing a claim on one of their cells (a booking the guard no longer
 * protects). Scans doctor by doctor, so every claims and appointments query carries `doctorId`.
 * Claims younger than the grace period are left alone: their booking may still be in flight.
 */
import type { Db } from "mongodb";
import { type AppointmentRecord, cellsOf, isActive } from "../records.ts";
import { type ClaimDocument, claimId } from "./claims.ts";
import type { Stored } from "./documents.ts";

export interface ReconcileFinding {
  kind: "orphan_claim" | "missing_claim" | "claim_conflict";
  doctorId: string;
  claimId: string;
  appointmentId: string;
}

export interface ReconcileResult {
  doctors: number;
  findings: ReconcileFinding[];
  repaired: number;
}

export async function reconcile(
  db: Db,
  options: { fix: boolean; graceMs: number; nowMs: number; onDoctor?: () => void },
): Promise<ReconcileResult> {
  const claims = db.collection<ClaimDocument>("claims");
  const appointments = db.collection<Stored<AppointmentRecord>>("appointments");
  const doctors = db.collection<{ _id: string }>("doctors");
  const findings: ReconcileFinding[] = [];
  let repaired = 0;
  let count = 0;
  for await (const doctor of doctors.find({}, { projection: { _id: 1 } })) {
    count++;
    options.onDoctor?.();
    const doctorId = doctor._id;
    const active = new Map<string, Stored<AppointmentRecord>>();
    for await (const a of appointments.find({ doctorId })) {
      if (isActive(a.status)) active.set(a._id, a);
    }
    const claimed = new Set<string>();
    for await (const c of claims.find({ doctorId })) {
      claimed.add(c._id);
      const holder = active.get(c.appointmentId);
      const covers = holder && c.start.getTime() >= holder.startMs &&
        c.start.getTime() < holder.endMs;
      if (covers || options.nowMs - c.createdAt.getTime() < options.graceMs) continue;
      findings.push({
        kind: "orphan_claim",
        doctorId,
        claimId: c._id,
        appointmentId: c.appointmentId,
      });
      if (options.fix) {
        const res = await claims.deleteOne({
          _id: c._id,
          doctorId,
          appointmentId: c.appointmentId,
        });
        repaired += res.deletedCount;
      }
    }
    for (const a of active.values()) {
      for (const cell of cellsOf(a.startMs, a.endMs)) {
        const id = claimId(doctorId, cell);
        if (claimed.has(id)) continue;
        findings.push({ kind: "missing_claim", doctorId, claimId: id, appointmentId: a._id });
        if (!options.fix) continue;
        try {
          await claims.insertOne({
            _id: id,
            doctorId,
            start: new Date(cell),
            appointmentId: a._id,
            claimToken: "reconcile",
            createdAt: new Date(options.nowMs),
          });
          repaired++;
        } catch {
          findings.push({ kind: "claim_conflict", doctorId, claimId: id, appointmentId: a._id });
        }
      }
    }
  }
  return { doctors: count, findings, repaired };
}
