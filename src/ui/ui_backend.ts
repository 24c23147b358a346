/**
 * What the doctor web UI needs beyond the public services: its session store, the doctor a
 * verified phone belongs to, patients' display names, and a patient's earlier visits with one
 * doctor. Built once in bootstrap.ts; personal data is opened here and never logged.
 */
import type { AuditLog } from "../audit/audit_log.ts";
import type { DataCipher } from "../crypto/data_cipher.ts";
import type { KeyedHash } from "../crypto/keyed_hash.ts";
import type { RecordStores } from "../stores/ports.ts";
import type { AppointmentRecord } from "../stores/records.ts";
import { createKvUiSessionStore, type UiSessionStore } from "./session_store.ts";

export interface EarlierVisit {
  id: string;
  start: string;
  status: AppointmentRecord["status"];
  reason: string | null;
  notes: string | null;
}

export interface DoctorUiBackend {
  sessions: UiSessionStore;
  /** The doctor registered to `phone` (already verified by a login code), else null. */
  doctorIdForPhone(phone: string): Promise<string | null>;
  /** Display names by patient id; null where the patient gave none (or was erased). */
  patientNames(patientIds: string[]): Promise<Map<string, string | null>>;
  /** The patient's visits with this doctor that started before `beforeMs`, newest first. */
  earlierVisits(doctorId: string, patientId: string, beforeMs: number): Promise<EarlierVisit[]>;
}

export interface DoctorUiBackendDeps {
  kv: Deno.Kv;
  records: RecordStores;
  cipher: DataCipher;
  hash: KeyedHash;
  /** Every opening of visit notes is recorded (`appointment.notes_read`) before they are shown. */
  audit: AuditLog;
  sessionTtlMs: number;
  now: () => number;
  /** Whether the identity session behind a web session stands (`refresh.isLive`). */
  isApiSessionLive: (sessionId: string) => Promise<boolean>;
}

const MAX_EARLIER_VISITS = 20;

export function createDoctorUiBackend(deps: DoctorUiBackendDeps): DoctorUiBackend {
  const { records, cipher, hash } = deps;
  const openOrNull = (sealed: string | null) => (sealed ? cipher.open(sealed) : null);
  return {
    sessions: createKvUiSessionStore(
      deps.kv,
      deps.sessionTtlMs,
      deps.now,
      deps.isApiSessionLive,
    ),

    async doctorIdForPhone(phone) {
      const doctor = await records.doctors.findByPhoneIndex(await hash.hash("phone", phone));
      return doctor?.id ?? null;
    },

    async patientNames(patientIds) {
      const names = new Map<string, string | null>();
      await Promise.all([...new Set(patientIds)].map(async (id) => {
        const p = await records.patients.get(id);
        names.set(id, p && !p.erasedAt ? await openOrNull(p.nameSealed) : null);
      }));
      return names;
    },

    async earlierVisits(doctorId, patientId, beforeMs) {
      // A patient has few appointments, so their own index is the cheap way in.
      const visits: AppointmentRecord[] = [];
      let cursor: string | undefined;
      do {
        const page = await records.appointments.listForPatient(
          patientId,
          { toMs: beforeMs },
          100,
          cursor,
        );
        visits.push(...page.items.filter((a) => a.doctorId === doctorId && a.startMs < beforeMs));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      const newest = visits.sort((a, b) => b.startMs - a.startMs).slice(0, MAX_EARLIER_VISITS);
      // Recorded before anything is opened: if the audit trail cannot take it, nothing is shown.
      await Promise.all(
        newest.filter((a) => a.notesSealed).map((a) =>
          deps.audit.append({
            actorId: doctorId,
            actorRole: "doctor",
            action: "appointment.notes_read",
            appointmentId: a.id,
            patientId: a.patientId,
            doctorId: a.doctorId,
          })
        ),
      );
      return await Promise.all(newest.map(async (a) => ({
        id: a.id,
        start: a.start,
        status: a.status,
        reason: await openOrNull(a.reasonSealed),
        notes: await openOrNull(a.notesSealed),
      })));
    },
  };
}
