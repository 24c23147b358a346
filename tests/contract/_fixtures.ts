/** Record builders and a fixed future time grid for the records contract tests. */
import { newId } from "../../src/crypto/random.ts";
import { ENVELOPE_KIND, type EventEnvelope } from "../../src/events/event_types.ts";
import {
  type AppointmentRecord,
  type DoctorRecord,
  type PatientRecord,
  SCHEMA_VERSION,
} from "../../src/stores/records.ts";

export const MINUTE_MS = 60_000;
/** 2030-01-07T04:30:00Z: on the 5-minute grid, far from any real booking. */
export const T0 = Date.UTC(2030, 0, 7, 4, 30);
const NOW = "2029-12-01T00:00:00.000Z";

let clock = Date.now();
/** Ids in creation order, like the app's ids. */
export function id(prefix: string): string {
  return newId(prefix, ++clock);
}

export function doctor(over: Partial<DoctorRecord> = {}): DoctorRecord {
  return {
    id: id("doc"),
    schemaVersion: SCHEMA_VERSION,
    name: "Dr. Asha Menon",
    phoneIndex: crypto.randomUUID(),
    phoneSealed: "v1.k1.sealed-phone",
    specializations: ["panchakarma"],
    languages: ["en", "ml"],
    city: "Kochi",
    timezone: "Asia/Kolkata",
    fee: 500,
    bio: null,
    schedule: {
      weekly: [{ day: "mon", start: "09:00", end: "13:00" }],
      overrides: [],
      slotMinutes: 30,
      bufferMinutes: 0,
      minNoticeMinutes: 60,
      horizonDays: 30,
      maxPerDay: null,
    },
    createdAt: NOW,
    updatedAt: NOW,
    version: 1,
    ...over,
  };
}

export function patient(over: Partial<PatientRecord> = {}): PatientRecord {
  return {
    id: id("pat"),
    schemaVersion: SCHEMA_VERSION,
    phoneIndex: crypto.randomUUID(),
    phoneSealed: "v1.k1.sealed-phone",
    nameSealed: null,
    language: "en",
    channel: "sms",
    timeZone: "Asia/Kolkata",
    profileSealed: null,
    createdAt: NOW,
    updatedAt: NOW,
    erasedAt: null,
    version: 1,
    ...over,
  };
}

/** A confirmed appointment of `minutes` starting `offsetMinutes` after T0. */
export function appointment(
  doctorId: string,
  patientId: string,
  offsetMinutes: number,
  minutes = 30,
  over: Partial<AppointmentRecord> = {},
): AppointmentRecord {
  const startMs = T0 + offsetMinutes * MINUTE_MS;
  const endMs = startMs + minutes * MINUTE_MS;
  return {
    id: id("apt"),
    schemaVersion: SCHEMA_VERSION,
    doctorId,
    patientId,
    start: new Date(startMs).toISOString(),
    end: new Date(endMs).toISOString(),
    startMs,
    endMs,
    status: "confirmed",
    reasonSealed: null,
    notesSealed: null,
    cancelReasonSealed: null,
    cancelledBy: null,
    holdId: id("hold"),
    createdAt: NOW,
    updatedAt: NOW,
    version: 1,
    ...over,
  };
}

/** `a` moved to a new time (or status), one version later. */
export function moved(
  a: AppointmentRecord,
  over: Partial<AppointmentRecord> & { offsetMinutes?: number; minutes?: number },
): AppointmentRecord {
  const { offsetMinutes, minutes, ...rest } = over;
  const startMs = offsetMinutes === undefined ? a.startMs : T0 + offsetMinutes * MINUTE_MS;
  const endMs = startMs + (minutes ?? (a.endMs - a.startMs) / MINUTE_MS) * MINUTE_MS;
  return {
    ...a,
    start: new Date(startMs).toISOString(),
    end: new Date(endMs).toISOString(),
    startMs,
    endMs,
    version: a.version + 1,
    ...rest,
  };
}

/** The webhook fan-out envelope of an `appointment.confirmed` event for `appointmentId`. */
export function confirmedEnvelope(appointmentId: string, eventId = "e1"): EventEnvelope {
  return {
    kind: ENVELOPE_KIND,
    handler: "webhooks.fanout",
    event: {
      id: eventId,
      type: "appointment.confirmed" as const,
      occurredAtMs: T0,
      data: { appointmentId },
    },
    attempt: 0,
    notBeforeMs: T0,
  };
}
