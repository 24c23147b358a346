/**
 * Every Deno KV key of the embedded stores, built by typed functions so no key is spelled twice.
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
 * | ["claim", doctorId, cellMs]                     | appointment id               | -             |
 * | ["hold", id]                                    | HoldRecord                   | expiresAt+1 h |
 * | ["hold_cell", doctorId, cellMs]                 | {holdId, expiresAt}          | expiresAt     |
 * | ["hold_by_doctor", doctorId, startMs, holdId]   | {endMs, expiresAt}           | expiresAt     |
 * | ["patient_holds", patientId]                    | [{holdId, expiresAt}]        | longest hold  |
 * | ["idem", scope, key]                            | IdempotencyRecord            | 24 h          |
 * | ["ephemeral", name]                             | {value, expiresAt}           | its TTL       |
 * | ["secret", name]                                | generated dev secret         | -             |
 * | ["outbox", sentAtMs, id]                        | dev outbox message           | 1 h           |
 *
 * `expireIn` deletes lazily, so values that expire carry `expiresAt` and readers check it.
 */

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
export const apptByDoctorKey = (doctorId: string, startMs: number, id: string): Deno.KvKey => [
  "appt_by_doctor",
  doctorId,
  startMs,
  id,
];
export const apptByPatientKey = (patientId: string, startMs: number, id: string): Deno.KvKey => [
  "appt_by_patient",
  patientId,
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
export const holdByDoctorKey = (doctorId: string, startMs: number, holdId: string): Deno.KvKey => [
  "hold_by_doctor",
  doctorId,
  startMs,
  holdId,
];
export const patientHoldsKey = (patientId: string): Deno.KvKey => ["patient_holds", patientId];

export const idempotencyKey = (scope: string, key: string): Deno.KvKey => ["idem", scope, key];
export const ephemeralKey = (name: string): Deno.KvKey => ["ephemeral", name];
export const secretKey = (name: string): Deno.KvKey => ["secret", name];
export const outboxKey = (sentAtMs: number, id: string): Deno.KvKey => ["outbox", sentAtMs, id];
