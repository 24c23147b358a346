/**
 * Every store interface of the product, in one place: the records (doctors, patients,
 * appointments; a Deno KV adapter in stores/kv/ and a MongoDB one in stores/mongo/, chosen once at
 * start-up), holds, courses, idempotency, short-lived shared state, sessions, admins, waitlist,
 * webhooks, prakriti and video signalling. Their record shapes stay beside their adapters. The
 * booking guarantees live in the contracts of `AppointmentStore` and `HoldStore`.
 */
import type { Interval } from "../domain/slots.ts";
import type { EventEnvelope } from "../events/event_types.ts";
import type {
  AppointmentRecord,
  AppointmentStatus,
  DoctorRecord,
  PatientRecord,
} from "./records.ts";
import type { SeatRef } from "./kv/room_signal_store.ts";
import type { AdminGrant } from "./kv/admin_store.ts";
import type { CourseRecord } from "./kv/course_store.ts";
import type { BeginResult, IdempotencyRecord } from "./kv/idempotency_store.ts";
import type { WebSession } from "../ui/session_store.ts";
import type { WaitlistEntry } from "../waitlist/waitlist_store.ts";
import type { PrakritiAssessment } from "../recommend/prakriti_store.ts";
import type { WebhookAttempt, WebhookEndpoint } from "../webhooks/webhook_store.ts";

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
  /**
   * Deactivated doctors too: the operator tasks' walks (export, report, purge, reconcile, key
   * rotation), whose appointments and sealed values stay. Never set from a request.
   */
  includeInactive?: boolean;
  /** Deactivated doctors only (the admin's listing, `GET /v1/admin/doctors?active=false`). */
  inactiveOnly?: boolean;
}

export interface DoctorStore {
  /** Throws `ConflictError("doctor_exists")` when another doctor has the same phone index. */
  create(doctor: DoctorRecord): Promise<void>;
  /** Writes `next` if the stored version is still `next.version - 1`, else `ConflictError("version_conflict")`. */
  update(next: DoctorRecord): Promise<void>;
  get(id: string): Promise<DoctorRecord | null>;
  findByPhoneIndex(phoneIndex: string): Promise<DoctorRecord | null>;
  /**
   * Active doctors only (no `deactivatedAt`) unless `filter.includeInactive` (all) or
   * `filter.inactiveOnly` (deactivated ones only), ordered by id
   * (creation order); `cursor` is opaque and comes from a previous page.
   */
  search(filter: DoctorFilter, limit: number, cursor?: string): Promise<Page<DoctorRecord>>;
}

export interface PatientStore {
  /**
   * Returns the patient with `candidate.phoneIndex`, creating `candidate` if none exists
   * (race-safe). `absent`: the caller has just found no patient with this phone
   * (`findByPhoneIndex`), so the store tries the create first, without looking again; a patient
   * registered meanwhile still fails that create and is then read and returned.
   */
  getOrCreate(candidate: PatientRecord, options?: { absent?: boolean }): Promise<PatientRecord>;
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

/** The checks and mutations a `CommitPart` adds to the commit. */
export type CommitBuild = (op: Deno.AtomicOperation) => Deno.AtomicOperation;

/**
 * What another store adds to a KV commit it does not own (a hold used up by the booking that
 * consumes it): called once per attempt of that commit, after the doctor's calendar entry was
 * read, it reads what it needs, throws to refuse, and returns the checks and mutations to add.
 * A part that declares `reads` takes their entries from the commit's owner instead, who reads
 * them in the same `getMany` as the calendar version (at or after it, as every read of the step
 * must be) and passes them in that order; called without them, the part reads them itself.
 */
export interface CommitPart {
  (read?: readonly Deno.KvEntryMaybe<unknown>[]): Promise<CommitBuild>;
  readonly reads?: readonly Deno.KvKey[];
}

/**
 * Every appointment write carries `outbox`: the envelopes of the events the change causes. An
 * adapter stores them with the change, atomically (KV: in the same commit; MongoDB: inside the
 * appointment document, until `pendingEvents`/`clearPendingEvents` relay them). Only the
 * appointment writer (src/booking/appointment_writer.ts) calls `book`, `bookMany`, `transition`.
 */
export interface AppointmentStore {
  /**
   * True where events wait inside records (MongoDB) and must be moved to the KV outbox. False
   * where a write is one KV commit: then `book` and `transition` add their `alongside` part (the
   * consumed hold) to that commit; where true they never get one.
   */
  readonly eventsInRecords: boolean;
  /**
   * Claims every 5-minute cell of [startMs, endMs) for the doctor and writes the appointment, as one
   * step: afterwards either both exist or neither does (a crash may leave claims that `get`/`book`
   * and reconcile treat as free once their appointment is missing). Throws `SlotUnavailableError`
   * when any cell is claimed by another active appointment. Booking the same id again returns the
   * stored appointment (idempotent retry) and stores no events again.
   */
  book(
    appointment: AppointmentRecord,
    outbox?: EventEnvelope[],
    alongside?: CommitPart,
  ): Promise<AppointmentRecord>;
  /**
   * Books several appointments of one doctor all or nothing (a therapy course): either every one
   * is stored with its claims and `outbox`, or none is and `SlotUnavailableError` is thrown.
   * Appointments already stored under their ids count as booked (idempotent retry).
   */
  bookMany(
    appointments: AppointmentRecord[],
    outbox?: EventEnvelope[],
    alongside?: CommitPart,
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
    alongside?: CommitPart,
  ): Promise<AppointmentRecord>;
  /** Events stored inside records and not yet relayed (always empty where commits are atomic). */
  pendingEvents(limit: number): Promise<{ appointmentId: string; envelopes: EventEnvelope[] }[]>;
  /**
   * Forgets relayed events of one appointment: `relayed` as they were stored (or listed). The
   * appointment writer answers without waiting for it; the records' `close()` waits for clears
   * still running.
   */
  clearPendingEvents(appointmentId: string, relayed: EventEnvelope[]): Promise<void>;
  get(id: string): Promise<AppointmentRecord | null>;
  /** Active appointments of a doctor overlapping [fromMs, toMs). */
  busy(doctorId: string, fromMs: number, toMs: number): Promise<BookedInterval[]>;
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

/** What a hold's removal commits besides it (`HoldStore.remove`). */
export interface HoldRemoval {
  outbox?: EventEnvelope[];
  announces?: CalendarAnnouncement;
  alongside?: CommitPart;
  /**
   * Refuse (404) should a hold be gone when the removal commits (a confirm used it up
   * meanwhile): a patient's release then frees and announces nothing.
   */
  onlyIfPresent?: boolean;
}

/**
 * The doctor's daily maximum, checked by a hold's own commit: the live holds and (where the store
 * can tell) active appointments starting on `date` in `timeZone` (the doctor's), at most `max`
 * with the new hold refused when there are that many already.
 */
export interface DayLimit {
  date: string;
  timeZone: string;
  max: number;
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
/**
 * An appointment's time. `id` is the appointment's where the store has it at no cost (KV): the
 * calendar view then follows this process's own commits without reloading (calendar_view.ts).
 */
/**
 * What a calendar commit announces about records stored outside KV (MongoDB), for this process's
 * calendar view (calendar_view.ts `follow: "records-outside-kv"`): the doctor's record changed, or exactly
 * these new bookings of the doctor were stored (and nothing else this commit announces).
 */
export interface CalendarAnnouncement {
  doctorChanged?: boolean;
  booked?: AnnouncedBookings;
}

/**
 * New bookings stored outside KV, and the doctor's calendar version read before they were stored
 * (`since`; null: never written). They hold for a view only if the announcing commit moved the
 * calendar from exactly that version: then nothing else changed in between, not even a cancel of
 * one of them made before this announcement. Otherwise the view reloads the busy time.
 */
export interface AnnouncedBookings {
  intervals: readonly BookedInterval[];
  since: string | null;
}

export interface BookedInterval extends Interval {
  id?: string;
  /**
   * A change's pending entry (MongoDB busy index): busy for now, and a read this many ms later
   * settles it from the appointment, should that change have died before settling it. Whoever
   * keeps this answer reads again by then: no calendar bump follows that settle.
   */
  pendingForMs?: number;
}

/** A held time and when the hold lapses (a past `expiresAtMs` is free); `id` as above. */
export interface HeldInterval extends Interval {
  expiresAtMs: number;
  id?: string;
}

export interface HoldStore {
  /** One hold, counted against the patient's `maxActivePerPatient`. */
  create(
    hold: HoldRecord,
    maxActivePerPatient: number,
    nowMs: number,
    outbox?: EventEnvelope[],
    dayLimit?: DayLimit,
  ): Promise<HoldRecord>;
  /**
   * Several holds of one doctor, all or nothing, with `alongside`; counted once (as the first
   * hold, released with it) against the patient's `maxActivePerPatient`.
   */
  createGroup(
    holds: HoldRecord[],
    nowMs: number,
    options: { alongside: HeldAlongside; outbox?: EventEnvelope[]; maxActivePerPatient: number },
  ): Promise<void>;
  get(id: string): Promise<HoldRecord | null>;
  /**
   * Counts one check of the hold's code; false when `max` checks were already counted (or the
   * hold is gone). A code's answer is given only once it was counted within the limit, so a burst
   * of guesses learns at most `max` answers. `hold` as `get` answered it: the count is checked
   * against that read (a count made since reads the hold again), so it costs no second read.
   */
  reserveAttempt(hold: HoldRecord, max: number): Promise<boolean>;
  /**
   * The removal of holds (one patient's, one doctor's) as part of the KV commit that uses them up
   * (a booking or a course's on KV records): the part refuses a hold that is gone (404), lapsed
   * (410) or, with `maxAttempts`, has that many
   * code checks counted (422), and checks the hold's entry, so a code check counted meanwhile
   * makes the commit run again. Counts as the right code's own check. The hold's cells are left
   * to expire: the booking's claims guard that time, and a cell whose hold is gone marks nothing.
   * `now` is read on each attempt of the commit: a lapse is judged at the attempt's own time.
   */
  consumption(
    holds: HoldRecord | HoldRecord[],
    options: { now: () => number; maxAttempts?: number },
  ): CommitPart;
  /**
   * Removes the holds (one doctor) and frees their cells, with `outbox`. Safe to call twice.
   * `announces`: what the commit announces about records stored outside KV (calendar.ts);
   * `alongside`: another store's checks and mutations in the same commit (called on each attempt).
   */
  remove(holds: HoldRecord | HoldRecord[], options?: HoldRemoval): Promise<void>;
  /** Live holds of a doctor overlapping [fromMs, toMs), each with its expiry. */
  active(doctorId: string, fromMs: number, toMs: number, nowMs: number): Promise<HeldInterval[]>;
  /** Live holds of a patient. */
  countActiveForPatient(patientId: string, nowMs: number): Promise<number>;
  /** Removes every hold listed for the patient, expired or not (erasure). Returns how many. */
  removeAllForPatient(patientId: string): Promise<number>;
}

/**
 * The port for short-lived shared state: one-time code hashes, attempt counters, lock-outs,
 * resend cool-downs and rate-limit windows. Deno KV by default; Upstash Redis in production, so
 * every instance in every region sees the same counters. Every value has a TTL.
 */
export interface EphemeralStore {
  readonly name: string;
  get<T>(key: string): Promise<T | null>;
  set(key: string, value: unknown, ttlMs: number): Promise<void>;
  /** Sets only if absent; true when this call set it. */
  setIfAbsent(key: string, value: unknown, ttlMs: number): Promise<boolean>;
  /** Deletes; true only for the one caller that removed an existing value (single use). */
  take(key: string): Promise<boolean>;
  /**
   * Adds 1 and returns the new count; the TTL starts with the first increment. With `cap`, a
   * count already at `cap` is left alone and `cap + 1` is returned: a caller comparing the answer
   * with its limit sees "over", and a burst past the limit costs no writes (no contention).
   * Never loses an increment under concurrency.
   */
  increment(key: string, ttlMs: number, cap?: number): Promise<number>;
  /** Milliseconds until the key expires, or 0 when absent. */
  ttl(key: string): Promise<number>;
  ping(): Promise<void>;
}

export interface RoomSignalStore {
  /**
   * Leases the seat for `connId` and spends the room token in one commit; refused when the seat
   * is held by a live lease or the token was used before.
   */
  takeSeat(
    seat: SeatRef,
    connId: string,
    leaseMs: number,
    token: { id: string; expiresAtMs: number },
  ): Promise<"ok" | "seat_taken" | "token_used">;
  /** Whether the seat is held by a live lease (and, with `openOnly`, its socket is open). */
  seatTaken(seat: SeatRef, openOnly?: boolean): Promise<boolean>;
  tokenUsed(tokenId: string): Promise<boolean>;
  /** Renews the lease of `connId` (marking it open); false when the seat is no longer its own. */
  renewSeat(seat: SeatRef, connId: string, leaseMs: number): Promise<boolean>;
  releaseSeat(seat: SeatRef, connId: string): Promise<void>;
  /** The seq of the last signal for the seat (0 before any). */
  headSeq(seat: SeatRef): Promise<number>;
  /** Appends a signal to the seat's inbox. */
  append(seat: SeatRef, text: string): Promise<void>;
  /** The live signals of the inbox after `afterSeq`, and the last seq seen. */
  readSince(seat: SeatRef, afterSeq: number): Promise<{ seq: number; texts: string[] }>;
  /** A stream that yields whenever the seat's head changes (and once at start). */
  watchHead(seat: SeatRef): ReadableStream<unknown>;
}

export interface AdminStore {
  isAdmin(phoneIndex: string): Promise<boolean>;
  /** Grants admin; false when the phone already was one (nothing is written). */
  grant(phoneIndex: string, grant: AdminGrant): Promise<boolean>;
  /** Revokes admin; false when the phone was not one. */
  revoke(phoneIndex: string): Promise<boolean>;
  count(): Promise<number>;
}

export interface CourseStore {
  /**
   * Writes the course and all its holds atomically, or throws `SlotUnavailableError`, or
   * `hold_limit_reached` when the patient already has `maxActivePerPatient` live holds (the
   * course counts as one).
   */
  create(
    course: CourseRecord,
    holds: HoldRecord[],
    nowMs: number,
    maxActivePerPatient: number,
  ): Promise<CourseRecord>;
  get(id: string): Promise<CourseRecord | null>;
  /** Compare-and-set on `version`; false when the stored course changed meanwhile. */
  update(next: CourseRecord): Promise<boolean>;
  /** Deletes the course's holds and frees their cells (safe to call twice). */
  releaseHolds(course: CourseRecord): Promise<void>;
  /** The patient's courses still held (erasure; reads every course: there is no index by patient). */
  heldByPatient(patientId: string): Promise<CourseRecord[]>;
}

export interface IdempotencyStore {
  begin(scope: string, key: string, fingerprint: string, nowMs: number): Promise<BeginResult>;
  finish(scope: string, key: string, record: IdempotencyRecord, ttlMs: number): Promise<void>;
  abandon(scope: string, key: string): Promise<void>;
  /** Deletes every record of scopes starting with `${userId}:` (erasure). Returns how many. */
  forgetUser(userId: string): Promise<number>;
  /**
   * Deletes every record of scopes starting with `scopeStart` (and accepted by `where`, if given)
   * (erasure). Returns how many.
   */
  forgetScopes(scopeStart: string, where?: (scope: string) => boolean): Promise<number>;
}

export interface SessionStore<S> {
  /** Starts a session; returns the token to put in the cookie. */
  create(subject: S): Promise<{ token: string; session: WebSession<S> }>;
  /** The live session for a cookie token, or null when unknown or expired. */
  get(token: string): Promise<WebSession<S> | null>;
  remove(token: string): Promise<void>;
}

export interface WaitlistStore {
  /**
   * The new entry, or the existing one for the same patient, doctor and day. A new one is refused
   * (409 `waitlist_limit_reached`) while the patient has `limit.max` entries for days from
   * `limit.fromDate` on.
   */
  add(
    entry: WaitlistEntry,
    ttlMs: number,
    limit: { max: number; fromDate: string },
  ): Promise<{ entry: WaitlistEntry; created: boolean }>;
  listForPatient(patientId: string): Promise<WaitlistEntry[]>;
  remove(patientId: string, id: string): Promise<boolean>;
  /** FIFO order. */
  listForDay(doctorId: string, date: string): Promise<WaitlistEntry[]>;
  /** true if this call set `notifiedAt` (nobody had before). */
  markNotified(entry: WaitlistEntry, atMs: number): Promise<boolean>;
  /** Undoes `markNotified` when the message could not be sent. */
  clearNotified(entry: WaitlistEntry): Promise<void>;
}

export interface PrakritiStore {
  save(assessment: PrakritiAssessment): Promise<void>;
  get(patientId: string): Promise<PrakritiAssessment | null>;
  /** Deletes the patient's assessment (erasure); true if there was one. */
  remove(patientId: string): Promise<boolean>;
}

export interface WebhookStore {
  create(endpoint: WebhookEndpoint): Promise<void>;
  update(next: WebhookEndpoint): Promise<void>;
  get(id: string): Promise<WebhookEndpoint | null>;
  list(): Promise<WebhookEndpoint[]>;
  remove(id: string): Promise<boolean>;
  recordAttempt(attempt: WebhookAttempt, atMs: number): Promise<void>;
  /** Newest first. */
  recentAttempts(endpointId: string, limit: number): Promise<WebhookAttempt[]>;
}
