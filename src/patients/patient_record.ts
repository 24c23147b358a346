/** A new patient's stored record: the defaults every registration path (login, seed) starts from. */
import { type PatientRecord, SCHEMA_VERSION } from "../stores/records.ts";

export interface NewPatientFields {
  id: string;
  phoneIndex: string;
  phoneSealed: string;
  nameSealed?: string | null;
  /** The language their messages go in until they choose one; English when absent. */
  language?: string;
  nowIso: string;
}

export function newPatientRecord(f: NewPatientFields): PatientRecord {
  return {
    id: f.id,
    schemaVersion: SCHEMA_VERSION,
    phoneIndex: f.phoneIndex,
    phoneSealed: f.phoneSealed,
    nameSealed: f.nameSealed ?? null,
    language: f.language ?? "en",
    channel: "sms",
    timeZone: "Asia/Kolkata",
    profileSealed: null,
    createdAt: f.nowIso,
    updatedAt: f.nowIso,
    erasedAt: null,
    version: 1,
  };
}
