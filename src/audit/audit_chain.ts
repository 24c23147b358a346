/**
 * The keyed chain of the audit trail, pure apart from WebCrypto: canonical JSON (keys sorted, no
 * spaces) and `hash_i = HMAC-SHA256(key[keyId_i], hash_{i-1} + canonical(entry_i without hash))`,
 * hex. The first entry chains to GENESIS_HASH. Anything that changes, removes or reorders an entry
 * breaks every hash from there on, and without the key (AUDIT_KEY, see audit_keys.ts) nobody can
 * recompute the chain after tampering with it. Each entry names the key it was signed with, so the
 * key can rotate: the first configured key signs, every configured key verifies.
 */
import type { AuditKeyring } from "./audit_keys.ts";

export const GENESIS_HASH = "0".repeat(64);

export type AuditAction =
  | "appointment.book"
  | "appointment.cancel"
  | "appointment.reschedule"
  | "appointment.complete"
  | "appointment.no_show"
  | "appointment.outcome_correct"
  | "appointment.notes_write"
  | "appointment.notes_read"
  | "doctor.create"
  | "doctor.update"
  | "doctor.availability_set"
  | "doctor.deactivate"
  | "doctor.reactivate"
  | "webhook.register"
  | "webhook.rotate_secret"
  | "webhook.delete"
  | "admin.grant"
  | "admin.revoke"
  | "event.dlq_replay";

/** Ids and action names only: never phones, names, reasons or notes. */
export interface AuditEntry {
  seq: number;
  id: string;
  atMs: number;
  at: string;
  actorId: string;
  actorRole: string;
  action: AuditAction;
  appointmentId: string | null;
  patientId: string | null;
  doctorId: string | null;
  /**
   * The record acted on when it is none of the above (a webhook endpoint, an admin's user id, a
   * dead letter). Absent otherwise, so entries written before it existed hash as they did.
   */
  targetId?: string;
  /**
   * A corrected outcome: the status before and after. Absent otherwise, so older entries hash as
   * they did.
   */
  fromStatus?: string;
  toStatus?: string;
  prevHash: string;
  /** The audit key that signed `hash`. */
  keyId: string;
  hash: string;
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(",")}}`;
}

/** The keyed hash of an entry under the key it names; throws if that key is not configured. */
export function entryHash(entry: Omit<AuditEntry, "hash">, keys: AuditKeyring): Promise<string> {
  const body = { ...entry } as Partial<AuditEntry>;
  delete body.hash;
  return keys.mac(entry.keyId, entry.prevHash + canonicalJson(body));
}
