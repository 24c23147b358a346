/**
 * The stored shapes of durable records, as every records adapter (KV, MongoDB) keeps them.
 * Personal and medical fields are already sealed (`*Sealed`, see crypto/data_cipher.ts) and phones
 * are found by their blind index (`phoneIndex`); adapters never see plaintext personal data.
 */
import type { Schedule } from "../domain/slots.ts";

export const SCHEMA_VERSION = 1;

export interface DoctorRecord {
  id: string;
  schemaVersion: number;
  name: string;
  phoneIndex: string;
  phoneSealed: string;
  specializations: string[];
  languages: string[];
  city: string;
  timezone: string;
  fee: number | null;
  bio: string | null;
  schedule: Schedule;
  createdAt: string;
  updatedAt: string;
  /** Incremented on every write; updates compare it (optimistic concurrency). */
  version: number;
  /**
   * When an admin took the doctor off the platform; null or absent (records from before) while
   * active. An inactive doctor is left out of search and refuses new holds and bookings.
   */
  deactivatedAt?: string | null;
}

export interface PatientRecord {
  id: string;
  schemaVersion: number;
  phoneIndex: string;
  phoneSealed: string;
  nameSealed: string | null;
  language: string;
  channel: "sms" | "whatsapp";
  timeZone: string;
  profileSealed: string | null;
  createdAt: string;
  updatedAt: string;
  erasedAt: string | null;
  version: number;
}

export type AppointmentStatus = "confirmed" | "cancelled" | "completed" | "no_show";

/** Statuses whose time stays claimed on the doctor's calendar. */
export const ACTIVE_STATUSES: readonly AppointmentStatus[] = ["confirmed", "completed", "no_show"];

export interface AppointmentRecord {
  id: string;
  schemaVersion: number;
  doctorId: string;
  patientId: string;
  start: string;
  end: string;
  startMs: number;
  endMs: number;
  status: AppointmentStatus;
  reasonSealed: string | null;
  notesSealed: string | null;
  cancelReasonSealed: string | null;
  cancelledBy: "patient" | "doctor" | "admin" | null;
  /** The hold this appointment was confirmed from (or last rescheduled with). */
  holdId: string;
  /**
   * A video consultation (rooms in src/rooms/). Written as a boolean by every booking since it
   * existed; absent on older records and on paths that never book online: read as false.
   */
  online?: boolean;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export function isActive(status: AppointmentStatus): boolean {
  return ACTIVE_STATUSES.includes(status);
}

/**
 * The longest a claim (hold or appointment) can last: stores that index by start look back this
 * far to find claims that began earlier but still overlap a window. Slots are at most 240 min.
 */
export const MAX_CLAIM_MS = 8 * 60 * 60 * 1000;

/** The claim grid: every claim covers whole 5-minute cells, so slots of any length can be compared. */
export const CELL_MS = 5 * 60 * 1000;

/** Start instants of every 5-minute cell covered by [startMs, endMs). */
export function cellsOf(startMs: number, endMs: number): number[] {
  if (startMs % CELL_MS !== 0 || endMs % CELL_MS !== 0 || endMs <= startMs) {
    throw new RangeError(`Cannot claim [${startMs}, ${endMs}): not on the 5-minute grid`);
  }
  const cells: number[] = [];
  for (let t = startMs; t < endMs; t += CELL_MS) cells.push(t);
  return cells;
}
