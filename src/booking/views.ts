/**
 * Public JSON shapes of records (the HTTP contract). Sealed fields are opened only for callers
 * entitled to them; phones never appear in public doctor views.
 */
import type { DataCipher } from "../crypto/data_cipher.ts";
import type { HoldRecord } from "../stores/kv/hold_store.ts";
import type { AppointmentRecord, DoctorRecord } from "../stores/records.ts";

export interface DoctorView {
  id: string;
  name: string;
  specializations: string[];
  languages: string[];
  city: string;
  timezone: string;
  slotMinutes: number;
  fee: number | null;
  bio: string | null;
  availability: {
    weekly: DoctorRecord["schedule"]["weekly"];
    overrides: DoctorRecord["schedule"]["overrides"];
    minNoticeMinutes: number;
    horizonDays: number;
    bufferMinutes: number;
    maxPerDay: number | null;
  };
  createdAt: string;
  updatedAt: string;
  /** False once an admin deactivated the doctor: not bookable, not in search. */
  active: boolean;
  deactivatedAt: string | null;
}

export function doctorView(d: DoctorRecord): DoctorView {
  const { slotMinutes, ...availability } = d.schedule;
  return {
    id: d.id,
    name: d.name,
    specializations: d.specializations,
    languages: d.languages,
    city: d.city,
    timezone: d.timezone,
    slotMinutes,
    fee: d.fee,
    bio: d.bio,
    availability,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
    active: !d.deactivatedAt,
    deactivatedAt: d.deactivatedAt ?? null,
  };
}

export interface AppointmentView {
  id: string;
  doctorId: string;
  patientId: string;
  start: string;
  end: string;
  status: AppointmentRecord["status"];
  online: boolean;
  createdAt: string;
  updatedAt: string;
  /** Bumped by every change; the `ETag` is derived from it (src/http/if_match.ts). */
  version: number;
  reason?: string;
  notes?: string;
  cancelReason?: string;
  cancelledBy?: string;
}

export async function appointmentView(
  a: AppointmentRecord,
  cipher: DataCipher,
  options: { withNotes: boolean },
): Promise<AppointmentView> {
  const view: AppointmentView = {
    id: a.id,
    doctorId: a.doctorId,
    patientId: a.patientId,
    start: a.start,
    end: a.end,
    status: a.status,
    online: a.online === true,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
    version: a.version,
  };
  if (a.reasonSealed) view.reason = await cipher.open(a.reasonSealed);
  if (a.cancelReasonSealed) view.cancelReason = await cipher.open(a.cancelReasonSealed);
  if (a.cancelledBy) view.cancelledBy = a.cancelledBy;
  if (options.withNotes && a.notesSealed) view.notes = await cipher.open(a.notesSealed);
  return view;
}

export interface HoldView {
  id: string;
  doctorId: string;
  start: string;
  end: string;
  expiresAt: string;
}

export function holdView(h: HoldRecord): HoldView {
  return {
    id: h.id,
    doctorId: h.doctorId,
    start: h.start,
    end: h.end,
    expiresAt: new Date(h.expiresAtMs).toISOString(),
  };
}
