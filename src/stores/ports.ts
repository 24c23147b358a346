/**
 * The ports between the product and its durable records. Each has a Deno KV adapter (the embedded
 * default, stores/kv/) and a MongoDB adapter (stores/mongo/), chosen once at start-up. The booking
 * guarantees live in the contract of `AppointmentStore`: every adapter must keep them.
 */
import type { Interval } from "../domain/slots.ts";
import type {
  AppointmentRecord,
  AppointmentStatus,
  DoctorRecord,
  PatientRecord,
} from "./records.ts";

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface DoctorFilter {
  specialization?: string;
  language?: string;
  city?: string;
  /** Case-insensitive substring of the name. */
  q?: string;
}

export interface DoctorStore {
  /** Throws `ConflictError("doctor_exists")` when another doctor has the same phone index. */
  create(doctor: DoctorRecord): Promise<void>;
  /** Writes `next` if the stored version is still `next.version - 1`, else `ConflictError("version_conflict")`. */
  update(next: DoctorRecord): Promise<void>;
  get(id: string): Promise<DoctorRecord | null>;
  findByPhoneIndex(phoneIndex: string): Promise<DoctorRecord | null>;
  /** Ordered by id (creation order); `cursor` is opaque and comes from a previous page. */
  search(filter: DoctorFilter, limit: number, cursor?: string): Promise<Page<DoctorRecord>>;
}

export interface PatientStore {
  /** Returns the patient with `candidate.phoneIndex`, creating `candidate` if none exists (race-safe). */
  getOrCreate(candidate: PatientRecord): Promise<PatientRecord>;
  get(id: string): Promise<PatientRecord | null>;
  findByPhoneIndex(phoneIndex: string): Promise<PatientRecord | null>;
  /** Compare-and-set on `version` like `DoctorStore.update`. */
  update(next: PatientRecord): Promise<void>;
  /** Every patient, ordered by id, a page at a time (operator tasks such as key rotation). */
  list(limit: number, cursor?: string): Promise<Page<PatientRecord>>;
}

export interface AppointmentQuery {
  fromMs?: number;
  toMs?: number;
  status?: AppointmentStatus;
}

export interface AppointmentStore {
  /**
   * Claims every 5-minute cell of [startMs, endMs) for the doctor and writes the appointment, as one
   * step: afterwards either both exist or neither does (a crash may leave claims that `get`/`book`
   * and reconcile treat as free once their appointment is missing). Throws `SlotUnavailableError`
   * when any cell is claimed by another active appointment. Booking the same id again returns the
   * stored appointment (idempotent retry).
   */
  book(appointment: AppointmentRecord): Promise<AppointmentRecord>;
  /**
   * Replaces `prev` with `next` (same id, `next.version === prev.version + 1`), moving claims: cells
   * of `next` not held by `prev` are claimed (else `SlotUnavailableError`), cells of `prev` not in
   * `next` are released; a cancelled appointment holds no cells. Throws
   * `ConflictError("version_conflict")` if the stored version is not `prev.version`.
   */
  transition(prev: AppointmentRecord, next: AppointmentRecord): Promise<AppointmentRecord>;
  get(id: string): Promise<AppointmentRecord | null>;
  /** Active appointments of a doctor overlapping [fromMs, toMs). */
  busy(doctorId: string, fromMs: number, toMs: number): Promise<Interval[]>;
  /** Ordered by start, then id. */
  listForDoctor(
    doctorId: string,
    query: AppointmentQuery,
    limit: number,
    cursor?: string,
  ): Promise<Page<AppointmentRecord>>;
  listForPatient(
    patientId: string,
    query: AppointmentQuery,
    limit: number,
    cursor?: string,
  ): Promise<Page<AppointmentRecord>>;
}

/** Liveness of a store for `/readyz`. */
export interface Pingable {
  ping(): Promise<void>;
}

export interface RecordStores {
  doctors: DoctorStore;
  patients: PatientStore;
  appointments: AppointmentStore;
  ping(): Promise<void>;
  close(): Promise<void>;
}
