/**
 * The ports between the product and its durable records. Each has a Deno KV adapter (the embedded
 * default, stores/kv/) and a MongoDB adapter (stores/mongo/), chosen once at start-up. The booking
 * guarantees live in the contract of `AppointmentStore`: every adapter must keep them.
 */
import type { Interval } from "../domain/slots.ts";
import type { EventEnvelope } from "../events/event_types.ts";
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

/**
 * Every appointment write carries `outbox`: the envelopes of the events the change causes. An
 * adapter stores them with the change, atomically (KV: in the same commit; MongoDB: inside the
 * appointment document, until `pendingEvents`/`clearPendingEvents` relay them). Only the
 * appointment writer (src/booking/appointment_writer.ts) calls `book`, `bookMany`, `transition`.
 */
export interface AppointmentStore {
  /** True where events wait inside records (MongoDB) and must be moved to the KV outbox. */
  readonly eventsInRecords: boolean;
  /**
   * Claims every 5-minute cell of [startMs, endMs) for the doctor and writes the appointment, as one
   * step: afterwards either both exist or neither does (a crash may leave claims that `get`/`book`
   * and reconcile treat as free once their appointment is missing). Throws `SlotUnavailableError`
   * when any cell is claimed by another active appointment. Booking the same id again returns the
   * stored appointment (idempotent retry) and stores no events again.
   */
  book(appointment: AppointmentRecord, outbox?: EventEnvelope[]): Promise<AppointmentRecord>;
  /**
   * Books several appointments of one doctor all or nothing (a therapy course): either every one
   * is stored with its claims and `outbox`, or none is and `SlotUnavailableError` is thrown.
   * Appointments already stored under their ids count as booked (idempotent retry).
   */
  bookMany(
    appointments: AppointmentRecord[],
    outbox?: EventEnvelope[],
  ): Promise<AppointmentRecord[]>;
  /**
   * Replaces `prev` with `next` (same id, `next.version === prev.version + 1`), moving claims: cells
   * of `next` not held by `prev` are claimed (else `SlotUnavailableError`), cells of `prev` not in
   * `next` are released; a cancelled appointment holds no cells. Throws
   * `ConflictError("version_conflict")` if the stored version is not `prev.version`.
   */
  transition(
    prev: AppointmentRecord,
    next: AppointmentRecord,
    outbox?: EventEnvelope[],
  ): Promise<AppointmentRecord>;
  /** Events stored inside records and not yet relayed (always empty where commits are atomic). */
  pendingEvents(limit: number): Promise<{ appointmentId: string; envelopes: EventEnvelope[] }[]>;
  /** Forgets relayed events of one appointment, by event id. */
  clearPendingEvents(appointmentId: string, eventIds: string[]): Promise<void>;
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

/** A slot held for a patient until `expiresAtMs`, waiting for its confirmation code. */
export interface HoldRecord {
  id: string;
  doctorId: string;
  patientId: string;
  start: string;
  end: string;
  startMs: number;
  endMs: number;
  expiresAtMs: number;
  /** HMAC of the confirmation code, bound to this hold's id. */
  codeHash: string;
  attempts: number;
  createdAt: string;
}

/** A record written in the same commit as a group of holds, if its key is still free (a course). */
export interface HeldAlongside {
  key: Deno.KvKey;
  value: unknown;
}

/**
 * Slot holds (always in KV, whatever the records store). Creating and releasing holds is one
 * commit on the doctor's calendar version; `outbox` envelopes (hold expiry checks, released slots)
 * are written in that commit.
 */
/** A held time and when the hold lapses (a past `expiresAtMs` is free). */
export interface HeldInterval extends Interval {
  expiresAtMs: number;
}

export interface HoldStore {
  /** One hold, counted against the patient's `maxActivePerPatient`. */
  create(
    hold: HoldRecord,
    maxActivePerPatient: number,
    nowMs: number,
    outbox?: EventEnvelope[],
  ): Promise<HoldRecord>;
  /** Several holds of one doctor, all or nothing, with `alongside` (not counted per patient). */
  createGroup(
    holds: HoldRecord[],
    nowMs: number,
    options: { alongside: HeldAlongside; outbox?: EventEnvelope[] },
  ): Promise<void>;
  get(id: string): Promise<HoldRecord | null>;
  /**
   * Counts one check of the hold's code before it is compared; false when `max` checks were
   * already counted (or the hold is gone), so a burst of guesses compares at most `max`.
   */
  reserveAttempt(holdId: string, max: number): Promise<boolean>;
  /** Removes the holds (one doctor) and frees their cells, with `outbox`. Safe to call twice. */
  remove(holds: HoldRecord | HoldRecord[], outbox?: EventEnvelope[]): Promise<void>;
  /** Live holds of a doctor overlapping [fromMs, toMs), each with its expiry. */
  active(doctorId: string, fromMs: number, toMs: number, nowMs: number): Promise<HeldInterval[]>;
  /** Live holds of a patient. */
  countActiveForPatient(patientId: string, nowMs: number): Promise<number>;
  /** Removes every hold listed for the patient, expired or not (erasure). Returns how many. */
  removeAllForPatient(patientId: string): Promise<number>;
}
