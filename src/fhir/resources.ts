/**
 * Our records as FHIR R4 resources: Practitioner and Schedule from a doctor's public view, Slot
 * from a bookable slot, Appointment from an appointment view, Patient from the patient's own
 * profile. Pure mapping, no I/O. A doctor's phone never appears (it is not in the public view);
 * the patient's medical history and the doctor's notes are never mapped.
 */
import type { AppointmentView, DoctorView } from "../booking/views.ts";
import type { PatientProfile } from "../patients/patient_service.ts";
import type { AppointmentStatus } from "../stores/records.ts";
import { reference, slotFhirId, toFhirId } from "./fhir_ids.ts";

export interface FhirResource {
  resourceType: string;
  id?: string;
  [field: string]: unknown;
}

const BCP47 = "urn:ietf:bcp:47";
const SERVICE_TYPE = [{ text: "Ayurvedic consultation" }];

export const APPOINTMENT_STATUS: Record<AppointmentStatus, string> = {
  confirmed: "booked",
  cancelled: "cancelled",
  completed: "fulfilled",
  no_show: "noshow",
};

/** FHIR appointment status → ours, for the `status` search parameter. */
export const STATUS_FROM_FHIR: Record<string, AppointmentStatus> = Object.fromEntries(
  Object.entries(APPOINTMENT_STATUS).map(([ours, fhir]) => [fhir, ours as AppointmentStatus]),
);

const GENDER: Record<NonNullable<PatientProfile["gender"]>, string> = {
  female: "female",
  male: "male",
  other: "other",
  undisclosed: "unknown",
};

function language(code: string) {
  return { coding: [{ system: BCP47, code }] };
}

export function practitionerResource(d: DoctorView): FhirResource {
  return {
    resourceType: "Practitioner",
    id: toFhirId(d.id),
    meta: { lastUpdated: d.updatedAt },
    active: d.active,
    name: [{ text: d.name }],
    address: [{ use: "work", city: d.city }],
    qualification: d.specializations.map((s) => ({ code: { text: s } })),
    communication: d.languages.map(language),
  };
}

/** One Schedule per doctor, with the doctor's id; slots are offered up to the booking horizon. */
export function scheduleResource(d: DoctorView, nowMs: number): FhirResource {
  const horizonMs = nowMs + d.availability.horizonDays * 86_400_000;
  return {
    resourceType: "Schedule",
    id: toFhirId(d.id),
    meta: { lastUpdated: d.updatedAt },
    active: d.active,
    serviceType: SERVICE_TYPE,
    specialty: d.specializations.map((s) => ({ text: s })),
    actor: [{ reference: reference("Practitioner", d.id), display: d.name }],
    planningHorizon: {
      start: new Date(nowMs).toISOString(),
      end: new Date(horizonMs).toISOString(),
    },
    comment: `${d.slotMinutes}-minute slots, hours in ${d.timezone}`,
  };
}

export function slotResource(doctorId: string, slot: { start: string; end: string }): FhirResource {
  return {
    resourceType: "Slot",
    id: slotFhirId(doctorId, Date.parse(slot.start)),
    serviceType: SERVICE_TYPE,
    schedule: { reference: reference("Schedule", doctorId) },
    status: "free",
    start: slot.start,
    end: slot.end,
  };
}

/** `doctorName` labels the Practitioner reference; the patient's name is never added here. */
export function appointmentResource(a: AppointmentView, doctorName?: string): FhirResource {
  const resource: FhirResource = {
    resourceType: "Appointment",
    id: toFhirId(a.id),
    meta: { lastUpdated: a.updatedAt },
    status: APPOINTMENT_STATUS[a.status],
    serviceType: SERVICE_TYPE,
    start: a.start,
    end: a.end,
    minutesDuration: Math.round((Date.parse(a.end) - Date.parse(a.start)) / 60_000),
    created: a.createdAt,
    participant: [
      {
        actor: { reference: reference("Practitioner", a.doctorId), display: doctorName },
        required: "required",
        status: "accepted",
      },
      {
        actor: { reference: reference("Patient", a.patientId) },
        required: "required",
        status: "accepted",
      },
    ],
  };
  // Only the owner patient and the appointment's doctor ever get here (booking service checks).
  if (a.reason) resource.reasonCode = [{ text: a.reason }];
  return resource;
}

export function patientResource(p: PatientProfile): FhirResource {
  const resource: FhirResource = {
    resourceType: "Patient",
    id: toFhirId(p.id),
    meta: { lastUpdated: p.updatedAt },
    active: true,
  };
  if (p.name) resource.name = [{ text: p.name }];
  if (p.phone) resource.telecom = [{ system: "phone", value: p.phone, use: "mobile" }];
  if (p.gender) resource.gender = GENDER[p.gender];
  if (p.dateOfBirth) resource.birthDate = p.dateOfBirth;
  resource.communication = [{ language: language(p.language), preferred: true }];
  return resource;
}
