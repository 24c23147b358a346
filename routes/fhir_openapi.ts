/**
 * The FHIR R4 read API (/fhir/R4, routes/fhir*.ts) in /openapi.json. The FHIR sub-app is plain
 * Hono with its own error mapping, so its operations are described here, next to it: every
 * search parameter the searches in src/fhir/ read, as strict as they parse it; answers in
 * `application/fhir+json`, errors as an OperationOutcome; the budget's 429 and 503 with their
 * headers. Only describes: the handlers parse their own parameters (src/fhir/search_params.ts).
 */
import { type RouteConfig, z } from "@hono/zod-openapi";
import { FHIR_JSON } from "../src/fhir/bundle.ts";
import { bearer, RATE_LIMIT_HEADERS, RETRY_AFTER } from "./_openapi.ts";
import { FHIR_BASE_PATH } from "./fhir.ts";

type Responses = RouteConfig["responses"];
/** The registry of an OpenAPIHono app (only `registerPath` is used). */
interface Registry {
  registerPath(route: RouteConfig): void;
}

const FhirId = z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/).openapi({
  description: "A FHIR id: our id with `-` for `_` (doc-01j…); a Slot's is `<schedule id>.<ms>`",
  example: "doc-01m8r8acfa071y735y5nb0qkmy",
});

const Issue = z.object({
  severity: z.enum(["fatal", "error"]),
  code: z.string().openapi({ example: "not-found" }),
  diagnostics: z.string(),
});
const OperationOutcome = z.object({
  resourceType: z.literal("OperationOutcome"),
  issue: z.array(Issue).min(1),
}).openapi("FhirOperationOutcome", {
  example: {
    resourceType: "OperationOutcome",
    issue: [{
      severity: "error",
      code: "not-found",
      diagnostics: "Practitioner/doc-1 is not known",
    }],
  },
});

const resource = (type: string, description: string) =>
  z.looseObject({ resourceType: z.literal(type), id: z.string() })
    .openapi(`Fhir${type}`, { description });

const Practitioner = resource("Practitioner", "A doctor: name, city, specializations, languages");
const Schedule = resource("Schedule", "A doctor's bookable calendar (same id as the doctor)");
const Slot = resource("Slot", "A free slot of a schedule");
const Appointment = resource("Appointment", "The caller's own appointment");
const Patient = resource("Patient", "The signed-in patient's own record");
const CapabilityStatement = z.looseObject({
  resourceType: z.literal("CapabilityStatement"),
  fhirVersion: z.string(),
}).openapi("FhirCapabilityStatement");

function bundleOf(type: string, entry: z.ZodType) {
  return z.looseObject({
    resourceType: z.literal("Bundle"),
    type: z.literal("searchset"),
    total: z.number().int().min(0).optional(),
    link: z.array(z.object({ relation: z.enum(["self", "next"]), url: z.string() })),
    entry: z.array(z.looseObject({ fullUrl: z.string(), resource: entry })),
  }).openapi(`Fhir${type}Bundle`, { description: `A searchset of ${type} resources` });
}

const fhir = (schema: z.ZodType, description: string, example?: unknown) => ({
  description,
  content: { [FHIR_JSON]: { schema, ...(example === undefined ? {} : { example }) } },
});
const outcome = (description: string, headers?: z.ZodObject) => ({
  ...fhir(OperationOutcome, description),
  ...(headers ? { headers } : {}),
});

/** The FHIR answers of the request budget (routes/fhir.ts uses the same apiBudget as /v1). */
export const fhirOutcomes = {
  400: outcome("A search parameter is malformed or out of range (invalid)"),
  401: outcome("Missing or invalid token (login)"),
  403: outcome("Role not allowed (forbidden)"),
  404: outcome("Unknown, foreign or not free (not-found)"),
  429: outcome("Rate limited (throttled)", RATE_LIMIT_HEADERS),
  503: outcome("Timed out; retry later (transient)", RETRY_AFTER.partial()),
};

/** `ge2026-12-01`, `lt2026-12-01T10:00:00Z`: the prefixes and precisions the searches support. */
const DATE_VALUE = "^(eq|ge|gt|le|lt)?\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])" +
  "(T([01]\\d|2[0-3]):[0-5]\\d(:[0-5]\\d(\\.\\d{1,3})?)?(Z|[+-]([01]\\d|2[0-3]):[0-5]\\d))?$";
const dateValues = (description: string, example: string[]) =>
  z.array(z.string().regex(new RegExp(DATE_VALUE))).openapi({ description, example });
const count = (fallback: number, max: number) =>
  z.number().int().min(1).max(max).optional().openapi({
    description: `Page size (default ${fallback}, at most ${max})`,
  });
const text = (description: string, example: string) =>
  z.string().max(100).optional().openapi({ description, example });
const cursor = z.string().max(512).regex(/^[A-Za-z0-9_-]*$/).optional().openapi({
  description: "From a Bundle's `next` link; opaque",
});
const reference = (type: string) =>
  z.string().openapi({ description: `${type}/<id> or a bare id`, example: `${type}/doc-1` });

const DoctorSearch = z.object({
  _id: z.string().optional().openapi({ description: "The doctor's FHIR id" }),
  name: text("Part of the doctor's name, any case", "sharma"),
  specialty: text("An Ayurvedic specialization", "Panchakarma"),
  "address-city": text("The city the doctor practises in", "Pune"),
  communication: text("A language the doctor speaks (BCP-47 code or system|code)", "hi"),
  _count: count(20, 100),
  _cursor: cursor,
});

const PRACTITIONER_EXAMPLE = {
  resourceType: "Practitioner",
  id: "doc-01m8r8acfa071y735y5nb0qkmy",
  active: true,
  name: [{ text: "Dr. Asha Kulkarni" }],
  address: [{ use: "work", city: "Pune" }],
  qualification: [{ code: { text: "Panchakarma" } }],
  communication: [{ coding: [{ system: "urn:ietf:bcp:47", code: "mr" }] }],
};
const searchset = (resource: Record<string, unknown>, self: string) => ({
  resourceType: "Bundle",
  type: "searchset",
  total: 1,
  link: [{ relation: "self", url: `https://vaidya.example${FHIR_BASE_PATH}/${self}` }],
  entry: [{
    fullUrl: `https://vaidya.example${FHIR_BASE_PATH}/${resource.resourceType}/${resource.id}`,
    resource,
    search: { mode: "match" },
  }],
});
const SLOT_EXAMPLE = {
  resourceType: "Slot",
  id: "doc-01m8r8acfa071y735y5nb0qkmy.1796272200000",
  schedule: { reference: "Schedule/doc-01m8r8acfa071y735y5nb0qkmy" },
  status: "free",
  start: "2026-12-03T04:30:00.000Z",
  end: "2026-12-03T05:00:00.000Z",
};
const APPOINTMENT_EXAMPLE = {
  resourceType: "Appointment",
  id: "apt-01m8r9c3v6x2k1q4z7w5n0p8hd",
  status: "booked",
  start: "2026-12-03T04:30:00.000Z",
  end: "2026-12-03T05:00:00.000Z",
  minutesDuration: 30,
  participant: [
    { actor: { reference: "Practitioner/doc-01m8r8acfa071y735y5nb0qkmy" }, status: "accepted" },
    { actor: { reference: "Patient/pat-01m8r8pmhgp7qgf3vgjztxkvns" }, status: "accepted" },
  ],
};

const read = (
  type: string,
  schema: z.ZodType,
  example: Record<string, unknown>,
  extra: Partial<RouteConfig> & { responses?: Responses } = {},
): RouteConfig => ({
  method: "get",
  path: `${FHIR_BASE_PATH}/${type}/{id}`,
  operationId: `readFhir${type}`,
  tags: ["fhir"],
  summary: `Read a ${type}`,
  request: { params: z.object({ id: FhirId }) },
  ...extra,
  responses: {
    200: fhir(schema, type, example),
    ...extra.responses,
    404: fhirOutcomes[404],
    429: fhirOutcomes[429],
    503: fhirOutcomes[503],
  },
});

const search = (
  type: string,
  schema: z.ZodType,
  query: z.ZodObject,
  example: Record<string, unknown>,
  summary: string,
  extra: Partial<RouteConfig> & { responses?: Responses } = {},
): RouteConfig => ({
  method: "get",
  path: `${FHIR_BASE_PATH}/${type}`,
  operationId: `searchFhir${type}`,
  tags: ["fhir"],
  summary,
  request: { query },
  ...extra,
  responses: {
    200: {
      ...fhir(bundleOf(type, schema), `A searchset Bundle of ${type}`, example),
      links: {
        [`readFhir${type}`]: {
          operationId: `readFhir${type}`,
          parameters: { id: "$response.body#/entry/0/resource/id" },
          description: `Read the first ${type} found`,
        },
      },
    },
    400: fhirOutcomes[400],
    ...extra.responses,
    429: fhirOutcomes[429],
    503: fhirOutcomes[503],
  },
});

const signedIn = (...statuses: (401 | 403)[]) => ({
  security: bearer,
  responses: Object.fromEntries(statuses.map((s) => [s, fhirOutcomes[s]])),
});

/** Registers every /fhir/R4 operation in `registry` (call once, before the document is built). */
export function describeFhir(registry: Registry): void {
  registry.registerPath({
    method: "get",
    path: `${FHIR_BASE_PATH}/metadata`,
    operationId: "fhirCapabilities",
    tags: ["fhir"],
    summary: "The CapabilityStatement: resources, interactions and search parameters",
    responses: {
      200: fhir(CapabilityStatement, "CapabilityStatement", {
        resourceType: "CapabilityStatement",
        status: "active",
        kind: "instance",
        fhirVersion: "4.0.1",
        format: ["json"],
      }),
      429: fhirOutcomes[429],
      503: fhirOutcomes[503],
    },
  });
  registry.registerPath(
    search(
      "Practitioner",
      Practitioner,
      DoctorSearch,
      searchset(PRACTITIONER_EXAMPLE, "Practitioner?_count=20"),
      "Search doctors",
    ),
  );
  registry.registerPath(read("Practitioner", Practitioner, PRACTITIONER_EXAMPLE));
  const scheduleExample = {
    resourceType: "Schedule",
    id: PRACTITIONER_EXAMPLE.id,
    active: true,
    actor: [{ reference: `Practitioner/${PRACTITIONER_EXAMPLE.id}` }],
    planningHorizon: { start: "2026-12-01T00:00:00.000Z", end: "2026-12-31T00:00:00.000Z" },
  };
  registry.registerPath(
    search(
      "Schedule",
      Schedule,
      DoctorSearch.extend({ actor: reference("Practitioner").optional() }),
      searchset(scheduleExample, "Schedule?_count=20"),
      "Search doctors' schedules",
    ),
  );
  registry.registerPath(read("Schedule", Schedule, scheduleExample));
  registry.registerPath(
    search(
      "Slot",
      Slot,
      z.object({
        schedule: reference("Schedule"),
        start: dateValues(
          "Required, bounded both ways, at most 31 days; plain dates are the doctor's days",
          ["ge2026-12-01", "le2026-12-07"],
        ),
        status: z.string().optional().openapi({ description: "Only free slots are published" }),
        _count: count(100, 500),
        _offset: z.number().int().min(0).max(999_999).optional().openapi({
          description: "Skip this many matches (from a Bundle's `next` link)",
        }),
      }),
      searchset(SLOT_EXAMPLE, "Slot?schedule=Schedule/doc-1&start=ge2026-12-03&start=le2026-12-03"),
      "Search a schedule's free slots in a date range",
    ),
  );
  registry.registerPath(read("Slot", Slot, SLOT_EXAMPLE));
  registry.registerPath(
    search(
      "Appointment",
      Appointment,
      z.object({
        date: dateValues("Appointment start; plain dates are UTC days", ["ge2026-12-01"])
          .optional(),
        status: z.string().optional().openapi({
          description: "booked, cancelled, fulfilled or noshow (others match nothing)",
          example: "booked",
        }),
        _count: count(20, 100),
        _cursor: cursor,
      }),
      searchset(APPOINTMENT_EXAMPLE, "Appointment?_count=20"),
      "Search the caller's own appointments (patient or doctor)",
      signedIn(401, 403),
    ),
  );
  registry.registerPath(
    read("Appointment", Appointment, APPOINTMENT_EXAMPLE, signedIn(401, 403)),
  );
  registry.registerPath(
    read("Patient", Patient, {
      resourceType: "Patient",
      id: "pat-01m8r8pmhgp7qgf3vgjztxkvns",
      active: true,
      communication: [{
        language: { coding: [{ system: "urn:ietf:bcp:47", code: "hi" }] },
        preferred: true,
      }],
    }, signedIn(401, 403)),
  );
}
