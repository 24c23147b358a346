/**
 * The CapabilityStatement served at /fhir/R4/metadata: which resources can be read and searched,
 * with which search parameters, and how to authenticate. Keep it in step with routes/fhir*.ts and
 * the searches in this folder; tests/http/fhir_test.ts checks that every listed resource answers.
 */
import type { FhirResource } from "./resources.ts";

type Param = [name: string, type: string, documentation: string];

const PAGING: Param[] = [["_count", "number", "Page size (default 20, at most 100)"]];

const DOCTOR_PARAMS: Param[] = [
  ["_id", "token", "The doctor's id"],
  ["name", "string", "Part of the doctor's name, any case"],
  ["specialty", "token", "An Ayurvedic specialization, e.g. Panchakarma"],
  ["address-city", "string", "The city the doctor practises in"],
  ["communication", "token", "A language the doctor speaks (BCP-47, e.g. hi)"],
  ...PAGING,
];

const RESOURCES: { type: string; read: boolean; search: boolean; params: Param[] }[] = [
  { type: "Practitioner", read: true, search: true, params: DOCTOR_PARAMS },
  {
    type: "Schedule",
    read: true,
    search: true,
    params: [["actor", "reference", "Practitioner/<id>: that doctor's schedule"], ...DOCTOR_PARAMS],
  },
  {
    type: "Slot",
    read: true,
    search: true,
    params: [
      ["schedule", "reference", "Required: Schedule/<id>"],
      [
        "start",
        "date",
        "Required, bounded: start=ge2026-12-01&start=le2026-12-07 (plain dates are the doctor's calendar days; at most 31 days)",
      ],
      ["status", "token", "Only free slots are published"],
      ["_count", "number", "Page size (default 100, at most 500)"],
    ],
  },
  {
    type: "Appointment",
    read: true,
    search: true,
    params: [
      [
        "date",
        "date",
        "Appointment start, e.g. date=ge2026-12-01&date=le2026-12-07 (plain dates in UTC)",
      ],
      ["status", "token", "booked, cancelled, fulfilled or noshow"],
      ...PAGING,
    ],
  },
  { type: "Patient", read: true, search: false, params: [] },
];

export function capabilityStatement(baseUrl: string, date: string): FhirResource {
  return {
    resourceType: "CapabilityStatement",
    status: "active",
    date,
    publisher: "Vaidya",
    kind: "instance",
    software: { name: "Vaidya" },
    implementation: {
      description: "Vaidya Ayurvedic consultations (read-only FHIR R4)",
      url: baseUrl,
    },
    fhirVersion: "4.0.1",
    format: ["application/fhir+json", "json"],
    rest: [{
      mode: "server",
      documentation:
        "Practitioner, Schedule and Slot are public. Appointment and Patient need `Authorization: Bearer <accessToken>` from POST /v1/auth/verify and show only the caller's own records.",
      security: {
        service: [{
          coding: [{
            system: "http://terminology.hl7.org/CodeSystem/restful-security-service",
            code: "OAuth",
          }],
          text: "Bearer access tokens (JWT)",
        }],
      },
      resource: RESOURCES.map((r) => ({
        type: r.type,
        interaction: [
          ...(r.read ? [{ code: "read" }] : []),
          ...(r.search ? [{ code: "search-type" }] : []),
        ],
        ...(r.params.length > 0
          ? {
            searchParam: r.params.map(([name, type, documentation]) => ({
              name,
              type,
              documentation,
            })),
          }
          : {}),
      })),
    }],
  };
}
