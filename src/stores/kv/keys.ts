/**
 * Every Deno KV key of the embedded stores, built by typed functions so no key is spelled twice:
 * whole keys (`holdKey(id)`) and the prefixes that list them (`holdByDoctorPrefix(doctorId)`,
 * `keySpace("hold")` for a whole space). Nothing else in src/ or scripts/ writes a key array
 * (tests/unit/kv_keys_test.ts checks that, and that this table matches KEY_SPACES).
 *
 * | key                                             | value                        | expiry        |
 * | ----------------------------------------------- | ---------------------------- | ------------- |
 * | ["doctor", id]                                  | DoctorRecord                 | -             |
 * | ["doctor_by_phone", phoneIndex]                 | doctor id                    | -             |
 * | ["doctor_by_attr", "spec"/"lang"/"city", v, id] | doctor id                    | -             |
 * | ["patient", id]                                 | PatientRecord                | -             |
 * | ["patient_by_phone", phoneIndex]                | patient id                   | -             |
 * | ["appointment", id]                             | AppointmentRecord            | -             |
 * | ["appt_by_doctor", doctorId, startMs, id]       | AppointmentRecord (copy)     | -             |
 * | ["appt_by_patient", patientId, startMs, id]     | AppointmentRecord (copy)     | -             |
 * | ["claim", doctorId, cellMs]                     | appointment id (2)           | -             |
 * | ["hold", id]                                    | HoldRecord                   | expiresAt+1 h |
 * | ["hold_cell", doctorId, cellMs]                 | {holdId, expiresAt} (1)      | expiresAt     |
 * | ["hold_by_doctor", doctorId, startMs, holdId]   | {endMs, expiresAt}           | expiresAt     |
 * | ["patient_holds", patientId]                    | [{holdId, expiresAt}]        | longest hold  |
 * | ["idem", scope, key]                            | IdempotencyRecord            | 24 h          |
 * | ["ephemeral", name]                             | {value, expiresAt}           | its TTL       |
 * | ["secret", name]                                | generated dev secret         | -             |
 * | ["outbox", sentAtMs, id]                        | dev outbox message (3)       | 1 h           |
 * | ["outbox_by_to", phoneIndex, sentAtMs, id]      | dev outbox message (4)       | 1 h           |
 * | ["admin_by_phone", phoneIndex]                  | AdminGrant (admin:create)    | -             |
 * | ["ops_checkpoint", name]                        | rotate-keys checkpoint       | -             |
 * | ["ui_session", sha256(sessionToken)]            | UiSession (doctor web UI)    | its TTL       |
 * | ["patient_session", sha256(sessionToken)]       | PatientSession (/book pages) | its TTL       |
 * | ["calendar", doctorId]                          | version (bumped per change)  | -             |
 * | ["calendar_epoch"]                              | 0 (rewritten with any change)| -             |
 * | ["event_due", dueMs, eventId, handler]          | EventEnvelope (the outbox)   | -             |
 * | ["event_handled", handler, eventId]             | {state, leaseUntilMs} (lease)| 30 d          |
 * | ["event_dlq", id]                               | DeadLetter (or raw envelope) | -             |
 * | ["waitlist", doctorId, date, createdMs, id]     | WaitlistEntry                | date + 2 d    |
 * | ["waitlist_by_patient", patientId, id]          | waitlist key of the entry    | date + 2 d    |
 * | ["waitlist_unique", patientId, doctorId, date]  | entry id                     | date + 2 d    |
 * | ["audit", seq]                                  | AuditEntry (hash-chained)    | -             |
 * | ["audit_head"]                                  | {seq, hash}                  | -             |
 * | ["audit_by", "appointment"/"patient"/"actor", id, seq] | seq                   | -             |
 * | ["webhook", id]                                 | WebhookEndpoint              | -             |
 * | ["webhook_attempt", endpointId, atMs, id]       | WebhookAttempt               | 7 d           |
 * | ["webhook_presence"]                            | {any} (webhook_presence.ts)  | -             |
 * | ["course", id]                                  | CourseRecord (therapy course)| -             |
 * | ["prakriti", patientId]                         | StoredPrakriti (sealed)      | -             |
 * | ["delivery", messageSid]                        | DeliveryRecord (Twilio)      | 7 d           |
 * | ["room_seat", appointmentId, role]              | {connId, open, expiresAt}    | its lease     |
 * | ["room_head", appointmentId, role]              | {seq, expiresAt}             | 1 d           |
 * | ["room_signal", appointmentId, role, seq]       | {text, expiresAt}            | 2 min         |
 * | ["room_token_used", tokenId]                    | {expiresAt}                  | token life+1m |
 * | ["refresh", sha(refreshToken)]                  | RefreshRecord                | the token's   |
 * | ["session", familyId]                           | SessionRecord                | the token's   |
 * | ["session_by_user", userId, familyId]           | family id                    | the token's   |
 * | ["refresh_by_user", userId, sha(refreshToken)]  | null (erasure finds tokens)  | the token's   |
 * | ["refresh_indexed_since"]                       | epoch ms (5)                 | -             |
 * | ["ping"]                                        | never written (health probe) | -             |
 *
 * (1) Written by earlier versions only, and read by nothing: holds are guarded by the doctor's
 * hold index (hold_store.ts), which always came with the cells; they expire on their own.
 * (2) Written by earlier versions only, and read by nothing: bookings are guarded by the doctor's
 * appointment index (appointment_store.ts), which always came with the claims.
 * (3) Written by earlier versions only (6b36eb2 and before), and read by nothing: the dev outbox
 * is read by phone (console_sender.ts); erasure deletes what is left.
 * (4) Under the phone's blind index, without the phone in the value. Earlier versions (49fa038 and
 * before) used the phone itself and kept it in the value; those expire within the hour, and erasure
 * deletes them.
 * (5) When this store first wrote ["refresh_by_user"] entries: refresh tokens of earlier versions
 * have none, so erasure also reads all of ["refresh"] until every such token has expired.
 *
 * "-" is no expiry of the value's own; on denokv's SQLite the group commit stores such a value
 * with one ~1,000 years away, which only orders SQLite's index of rows by expiry (group_commit.ts).
 * `expireIn` deletes lazily, so values that expire carry `expiresAt` and readers check it; the
 * `purge` rule of a space in KEY_SPACES is how `deno task purge` (scripts/_purge_plan.ts) tells an
 * entry that has outlived its use.
 */

const HOUR_MS = 3_600_000;

/** How `deno task purge` recognises an outlived entry of a key space. */
export type PurgeRule =
  /** The value's `expiresAtMs` (+ `graceMs`) is past. */
  | { name: string; by: "value"; graceMs?: number }
  /** Every element of the value (a list) has a past `expiresAtMs`. */
  | { name: string; by: "list" }
  /** The key's part at `index` is a time in ms, and `lifeMs` has passed since. */
  | { name: string; by: "key"; index: number; lifeMs: number };

/**
 * Every key space (the first part of a key). `purge` is set where stale entries can linger and
 * carry a readable expiry; spaces with `expireIn` but no readable expiry are left to KV itself.
 */
export const KEY_SPACES = {
  doctor: {},
  doctor_by_phone: {},
  doctor_by_attr: {},
  patient: {},
  patient_by_phone: {},
  appointment: {},
  appt_by_doctor: {},
  appt_by_patient: {},
  claim: {},
  // Expired holds stay readable 1 h so a late confirm answers 410 (hold_store.ts).
  hold: { purge: { name: "holds", by: "value", graceMs: HOUR_MS } },
  hold_cell: { purge: { name: "hold cells", by: "value" } },
  hold_by_doctor: { purge: { name: "hold index", by: "value" } },
  patient_holds: { purge: { name: "patient hold lists", by: "list" } },
  idem: { purge: { name: "idempotency keys", by: "value" } },
  ephemeral: { purge: { name: "codes and counters", by: "value" } },
  secret: {},
  outbox: { purge: { name: "dev outbox", by: "key", index: 1, lifeMs: HOUR_MS } },
  outbox_by_to: { purge: { name: "dev outbox by phone", by: "key", index: 2, lifeMs: HOUR_MS } },
  admin_by_phone: {},
  ops_checkpoint: {},
  ui_session: { purge: { name: "doctor UI sessions", by: "value" } },
  patient_session: { purge: { name: "patient page sessions", by: "value" } },
  calendar: {},
  calendar_epoch: {},
  event_due: {},
  event_handled: {},
  event_dlq: {},
  waitlist: {},
  waitlist_by_patient: {},
  waitlist_unique: {},
  audit: {},
  audit_head: {},
  audit_by: {},
  webhook: {},
  webhook_attempt: {},
  webhook_presence: {},
  course: {},
  prakriti: {},
  delivery: {},
  room_seat: {},
  room_head: {},
  room_signal: {},
  room_token_used: {},
  refresh: { purge: { name: "refresh tokens", by: "value" } },
  session: { purge: { name: "sessions", by: "value" } },
  session_by_user: {},
  refresh_by_user: {},
  refresh_indexed_since: {},
  ping: {},
} as const satisfies Record<string, { purge?: PurgeRule }>;
export type KeySpace = keyof typeof KEY_SPACES;

/** The prefix of a whole key space, e.g. every hold: `keySpace("hold")`. */
export const keySpace = (space: KeySpace): Deno.KvKey => [space];

/** A key no store writes: reading it proves the KV answers (readiness probes). */
export const pingKey: Deno.KvKey = keySpace("ping");

export const doctorKey = (id: string): Deno.KvKey => ["doctor", id];
export const doctorByPhoneKey = (phoneIndex: string): Deno.KvKey => ["doctor_by_phone", phoneIndex];
export type DoctorAttr = "spec" | "lang" | "city";
export const doctorByAttrPrefix = (attr: DoctorAttr, value: string): Deno.KvKey => [
  "doctor_by_attr",
  attr,
  value.toLowerCase(),
];
export const doctorByAttrKey = (attr: DoctorAttr, value: string, id: string): Deno.KvKey => [
  ...doctorByAttrPrefix(attr, value),
  id,
];

export const patientKey = (id: string): Deno.KvKey => ["patient", id];
export const patientByPhoneKey = (phoneIndex: string): Deno.KvKey => [
  "patient_by_phone",
  phoneIndex,
];

export const appointmentKey = (id: string): Deno.KvKey => ["appointment", id];
export const apptByDoctorPrefix = (doctorId: string): Deno.KvKey => ["appt_by_doctor", doctorId];
export const apptByDoctorKey = (doctorId: string, startMs: number, id: string): Deno.KvKey => [
  ...apptByDoctorPrefix(doctorId),
  startMs,
  id,
];
export const apptByPatientPrefix = (patientId: string): Deno.KvKey => [
  "appt_by_patient",
  patientId,
];
export const apptByPatientKey = (patientId: string, startMs: number, id: string): Deno.KvKey => [
  ...apptByPatientPrefix(patientId),
  startMs,
  id,
];
export const claimKey = (doctorId: string, cellMs: number): Deno.KvKey => [
  "claim",
  doctorId,
  cellMs,
];

export const holdKey = (id: string): Deno.KvKey => ["hold", id];
export const holdCellKey = (doctorId: string, cellMs: number): Deno.KvKey => [
  "hold_cell",
  doctorId,
  cellMs,
];
export const holdByDoctorPrefix = (doctorId: string): Deno.KvKey => ["hold_by_doctor", doctorId];
export const holdByDoctorKey = (doctorId: string, startMs: number, holdId: string): Deno.KvKey => [
  ...holdByDoctorPrefix(doctorId),
  startMs,
  holdId,
];
export const patientHoldsKey = (patientId: string): Deno.KvKey => ["patient_holds", patientId];

export const idempotencyPrefix: Deno.KvKey = ["idem"];
export const idempotencyKey = (scope: string, key: string): Deno.KvKey => ["idem", scope, key];
/** Every idempotency key whose scope starts with `scopeStart` (a range, as scopes are strings). */
export const idempotencyScopeRange = (scopeStart: string) => ({
  start: ["idem", scopeStart] as Deno.KvKey,
  end: ["idem", `${scopeStart}\uffff`] as Deno.KvKey,
});
export const ephemeralKey = (name: string): Deno.KvKey => ["ephemeral", name];
export const secretKey = (name: string): Deno.KvKey => ["secret", name];
export const outboxKey = (sentAtMs: number, id: string): Deno.KvKey => ["outbox", sentAtMs, id];
export const outboxByToPrefix = (phoneIndex: string): Deno.KvKey => ["outbox_by_to", phoneIndex];
export const outboxByToKey = (phoneIndex: string, sentAtMs: number, id: string): Deno.KvKey => [
  ...outboxByToPrefix(phoneIndex),
  sentAtMs,
  id,
];
export const adminByPhoneKey = (phoneIndex: string): Deno.KvKey => ["admin_by_phone", phoneIndex];
export const opsCheckpointKey = (name: string): Deno.KvKey => ["ops_checkpoint", name];
export const uiSessionKey = (tokenHash: string): Deno.KvKey => ["ui_session", tokenHash];
export const patientSessionKey = (tokenHash: string): Deno.KvKey => [
  "patient_session",
  tokenHash,
];

export const eventHandledKey = (handler: string, eventId: string): Deno.KvKey => [
  "event_handled",
  handler,
  eventId,
];
/** The doctor's calendar version: every commit that changes the doctor's busy time checks and bumps it. */
export const calendarKey = (doctorId: string): Deno.KvKey => ["calendar", doctorId];
/** Bumped in the same commit as any doctor's calendar version: unchanged means no calendar moved. */
export const calendarEpochKey: Deno.KvKey = ["calendar_epoch"];
/** The transactional outbox: one entry per (event, handler), ordered by due time. */
export const eventDueKey = (dueMs: number, eventId: string, handler: string): Deno.KvKey => [
  "event_due",
  dueMs,
  eventId,
  handler,
];
export const eventDlqKey = (id: string): Deno.KvKey => ["event_dlq", id];
export const waitlistDayPrefix = (doctorId: string, date: string): Deno.KvKey => [
  "waitlist",
  doctorId,
  date,
];
export const waitlistKey = (
  doctorId: string,
  date: string,
  createdAtMs: number,
  id: string,
): Deno.KvKey => [...waitlistDayPrefix(doctorId, date), createdAtMs, id];
export const waitlistByPatientPrefix = (patientId: string): Deno.KvKey => [
  "waitlist_by_patient",
  patientId,
];
export const waitlistByPatientKey = (patientId: string, id: string): Deno.KvKey => [
  ...waitlistByPatientPrefix(patientId),
  id,
];
export const waitlistUniqueKey = (
  patientId: string,
  doctorId: string,
  date: string,
): Deno.KvKey => ["waitlist_unique", patientId, doctorId, date];
export const auditKey = (seq: number): Deno.KvKey => ["audit", seq];
export const auditHeadKey: Deno.KvKey = ["audit_head"];
export type AuditIndex = "appointment" | "patient" | "actor";
export const auditIndexPrefix = (index: AuditIndex, id: string): Deno.KvKey => [
  "audit_by",
  index,
  id,
];
export const auditIndexKey = (index: AuditIndex, id: string, seq: number): Deno.KvKey => [
  ...auditIndexPrefix(index, id),
  seq,
];
export const webhookKey = (id: string): Deno.KvKey => ["webhook", id];
export const webhookPresenceKey: Deno.KvKey = ["webhook_presence"];
export const courseKey = (id: string): Deno.KvKey => ["course", id];
export const prakritiPrefix: Deno.KvKey = keySpace("prakriti");
export const prakritiKey = (patientId: string): Deno.KvKey => [...prakritiPrefix, patientId];
export const webhookAttemptPrefix = (endpointId: string): Deno.KvKey => [
  "webhook_attempt",
  endpointId,
];
export const webhookAttemptKey = (endpointId: string, atMs: number, id: string): Deno.KvKey => [
  ...webhookAttemptPrefix(endpointId),
  atMs,
  id,
];

export type RoomSeatRole = "patient" | "doctor";
export const roomSeatKey = (appointmentId: string, role: RoomSeatRole): Deno.KvKey => [
  "room_seat",
  appointmentId,
  role,
];
export const roomHeadKey = (appointmentId: string, role: RoomSeatRole): Deno.KvKey => [
  "room_head",
  appointmentId,
  role,
];
export const roomSignalPrefix = (appointmentId: string, role: RoomSeatRole): Deno.KvKey => [
  "room_signal",
  appointmentId,
  role,
];
export const roomSignalKey = (
  appointmentId: string,
  role: RoomSeatRole,
  seq: number,
): Deno.KvKey => [
  ...roomSignalPrefix(appointmentId, role),
  seq,
];
export const roomTokenUsedKey = (tokenId: string): Deno.KvKey => ["room_token_used", tokenId];
export const refreshKey = (tokenHash: string): Deno.KvKey => ["refresh", tokenHash];
export const sessionKey = (familyId: string): Deno.KvKey => ["session", familyId];
export const sessionByUserPrefix = (userId: string): Deno.KvKey => ["session_by_user", userId];
export const sessionByUserKey = (userId: string, familyId: string): Deno.KvKey => [
  ...sessionByUserPrefix(userId),
  familyId,
];
export const refreshByUserPrefix = (userId: string): Deno.KvKey => ["refresh_by_user", userId];
export const refreshByUserKey = (userId: string, tokenHash: string): Deno.KvKey => [
  ...refreshByUserPrefix(userId),
  tokenHash,
];
export const refreshIndexedSinceKey: Deno.KvKey = keySpace("refresh_indexed_since");

export const deliveryPrefix: Deno.KvKey = keySpace("delivery");
export const deliveryKey = (sid: string): Deno.KvKey => [...deliveryPrefix, sid];
