/**
 * Our ids in FHIR form. FHIR ids allow only `[A-Za-z0-9\-\.]{1,64}`, and ours are `prefix_base32`
 * (crypto/random.ts `newId`), so the underscore becomes a dash: `doc_01j…` is `doc-01j…`. A Slot
 * has no record of its own: its id is the schedule's id and the start instant, `doc-01j….<ms>`.
 * Parsers return null for anything malformed, which the callers answer with 404 or 400.
 */
import { inYearRange } from "../domain/zoned_time.ts";

const OUR_ID = /^([a-z]+)_([0-9a-z]+)$/;
const FHIR_FORM = /^([a-z]+)-([0-9a-z]+)$/;

export function toFhirId(id: string): string {
  const m = OUR_ID.exec(id);
  return m ? `${m[1]}-${m[2]}` : id;
}

/** The internal id for a FHIR id, or null when it cannot be one of ours. */
export function fromFhirId(fhirId: string): string | null {
  if (fhirId.length > 64) return null; // FHIR's own limit, and far below KV's key size
  const m = FHIR_FORM.exec(fhirId);
  if (m) return `${m[1]}_${m[2]}`;
  return /^[A-Za-z0-9]{1,64}$/.test(fhirId) ? fhirId : null;
}

export function reference(type: "Practitioner" | "Patient" | "Schedule", id: string): string {
  return `${type}/${toFhirId(id)}`;
}

/**
 * The internal id named by a reference search value: `Practitioner/doc-1`, a bare `doc-1`, or an
 * absolute `https://…/fhir/R4/Practitioner/doc-1`. Null when it names another type or is malformed.
 */
export function idFromReference(value: string, type: string): string | null {
  const parts = value.split("/");
  const last = parts.at(-1) ?? "";
  if (parts.length > 1 && parts.at(-2) !== type) return null;
  return fromFhirId(last);
}

export function slotFhirId(doctorId: string, startMs: number): string {
  return `${toFhirId(doctorId)}.${startMs}`;
}

/** Null too for an instant outside the years the product can mean (zoned_time.ts `inYearRange`). */
export function parseSlotFhirId(fhirId: string): { doctorId: string; startMs: number } | null {
  const m = /^([A-Za-z0-9-]+)\.(\d{1,15})$/.exec(fhirId);
  const doctorId = m ? fromFhirId(m[1]) : null;
  const startMs = m ? Number(m[2]) : NaN;
  return doctorId && inYearRange(startMs) ? { doctorId, startMs } : null;
}
