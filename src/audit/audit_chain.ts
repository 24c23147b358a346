/**
 * The hash chain of the audit trail, pure: canonical JSON (keys sorted, no spaces) and
 * `hash_i = SHA-256(hash_{i-1} + canonical(entry_i without its hash))`, hex. The first entry
 * chains to GENESIS_HASH. Anything that changes, removes or reorders an entry breaks every hash
 * from there on.
 */

export const GENESIS_HASH = "0".repeat(64);

export type AuditAction =
  | "appointment.book"
  | "appointment.cancel"
  | "appointment.reschedule"
  | "appointment.complete"
  | "appointment.no_show"
  | "appointment.notes_write"
  | "appointment.notes_read";

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
  prevHash: string;
  hash: string;
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(",")}}`;
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

export function entryHash(entry: Omit<AuditEntry, "hash">): Promise<string> {
  const { prevHash } = entry;
  const body = { ...entry } as Partial<AuditEntry>;
  delete body.hash;
  return sha256Hex(prevHash + canonicalJson(body));
}
