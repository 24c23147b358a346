/**
 * The zod schemas of the public HTTP contract: the single source for request validation, the
 * TypeScript types of handlers and the OpenAPI document. Limits on every text field keep bodies
 * small and stop pathological input at the edge.
 */
import { z } from "@hono/zod-openapi";
import { inYearRange, isValidTimeZone, MAX_YEAR, MIN_YEAR } from "../domain/zoned_time.ts";
import { e164Phone, problemBody } from "./core_schemas.ts";

/** A phone in E.164, normalised (`+9109811110001` becomes `+919811110001`). */
export const Phone = e164Phone()
  // The transform hides the input's checks from the document: state them for clients.
  .openapi({
    example: "+919812345678",
    type: "string",
    maxLength: 20,
    pattern: "^\\+[1-9]\\d{7,15}$",
  });
/** The problem+json body of every error answer (src/http/problem.ts). */
export const ProblemSchema = problemBody().openapi("Problem");
/** The test outbox's query as the document describes it (routes/system.ts validates `OutboxQuery`). */
export const DescribedOutboxQuery = z.object({ to: Phone });

/** A phone as typed into a login form: spaces and dashes allowed, then checked as `Phone`. */
export const TypedPhone = z.string().transform((s) => s.replace(/[\s-]/g, "")).pipe(Phone);
/** An id in a path or body: letters, digits, `_` and `-`, at most 64. */
export const Id = z.string().min(1).max(64).regex(/^[\w-]+$/, "is not a valid id");
const Text = (max: number) => z.string().trim().min(1).max(max);
// Times the product can mean (zoned_time.ts `inYearRange`): outside them a 400 rather than a
// failure deeper down.
export const IsoInstant = z.iso.datetime({ offset: true }).refine(
  // A malformed value already failed the format check: one error per field is enough.
  (v) => Number.isNaN(Date.parse(v)) || inYearRange(Date.parse(v)),
  `must be between the years ${MIN_YEAR} and ${MAX_YEAR}`,
).openapi({
  example: "2026-12-01T04:30:00.000Z",
  // The year range for the document (as on LocalDate); only an offset can move an instant
  // written as 2199-12-31 or 2000-01-01 across the boundary.
  pattern: "^2[01]\\d{2}-",
});
/** Days already judged: listings ask about the same few days all day long. */
const judgedDays = new Map<string, boolean>();
const MAX_JUDGED_DAYS = 1024;
function isCalendarDate(d: string): boolean {
  let ok = judgedDays.get(d);
  if (ok === undefined) {
    const ms = Date.parse(`${d}T00:00:00Z`);
    ok = !Number.isNaN(ms) && new Date(ms).toISOString().startsWith(d) && inYearRange(ms);
    if (judgedDays.size >= MAX_JUDGED_DAYS) judgedDays.clear();
    judgedDays.set(d, ok);
  }
  return ok;
}
/**
 * A real calendar day: `Date.parse` alone accepts 2026-02-30 (as 2 March). The document says
 * `format: date` and the year range as a pattern, so generated clients and fuzzers send only
 * days the server takes.
 */
export const LocalDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be YYYY-MM-DD").refine(
  isCalendarDate,
  `is not a calendar date between the years ${MIN_YEAR} and ${MAX_YEAR}`,
).openapi({ format: "date", pattern: "^2[01]\\d{2}-\\d{2}-\\d{2}$", example: "2026-12-01" });
const WallTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, "must be HH:MM (24 h)");
const Limit = z.coerce.number().int().min(1).max(100).default(20);
/**
 * What a previous page returned (src/stores/cursor.ts): base64url, at most 512 characters;
 * empty is the first page.
 */
const Cursor = z.string().max(512).regex(/^[A-Za-z0-9_-]*$/, "Not a cursor").optional();

/** The instant a `from`/`to` value stands for: itself, or a date's 00:00 UTC. */
export function rangeMs(value: string): number {
  return Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
}

/** One rule for every `from`/`to` pair (queries and bodies): `from` after `to` is a 400. */
export const orderedRange: [
  (q: { from?: string; to?: string }) => boolean,
  { path: string[]; message: string },
] = [
  (q) => !q.from || !q.to || rangeMs(q.from) <= rangeMs(q.to),
  { path: ["from"], message: "must not be after `to`" },
];

// Auth
export const OtpRequest = z.object({ phone: Phone }).openapi("OtpRequest");
export const OtpResponse = z.object({ expiresAt: z.string() }).openapi("OtpResponse");
export const VerifyRequest = z.object({
  phone: Phone,
  code: z.string().regex(/^\d{6}$/, "must be 6 digits"),
}).openapi("VerifyRequest");
export const RefreshRequest = z.object({ refreshToken: z.string().min(16).max(200) })
  .openapi("RefreshRequest");
export const TokenResponse = z.object({
  accessToken: z.string(),
  refreshToken: z.string(),
  tokenType: z.literal("Bearer"),
  expiresIn: z.number().int(),
  user: z.object({ id: z.string(), role: z.enum(["patient", "doctor", "admin"]) }),
}).openapi("TokenResponse");

// Doctors
const Weekday = z.enum(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]);
// zod-to-openapi does not carry multipleOf over by itself: say it in the metadata too.
/**
 * The bounds of a doctor's scheduling policy and profile, read by the API's schemas below and by
 * the doctor's web pages, so a page neither refuses what the API set nor stores what it refuses.
 */
export const POLICY_BOUNDS = {
  slotMinutes: [5, 240],
  bufferMinutes: [0, 240],
  minNoticeMinutes: [0, 60 * 24 * 30],
  horizonDays: [1, 365],
  maxPerDay: [1, 500],
} as const;
export const PROFILE_LIMITS = {
  items: 10,
  specialization: 60,
  language: 40,
  fee: 1_000_000,
} as const;

const SlotMinutes = z.number().int().min(POLICY_BOUNDS.slotMinutes[0]).max(
  POLICY_BOUNDS.slotMinutes[1],
).multipleOf(5, "must be a multiple of 5")
  .openapi({ multipleOf: 5 });
/**
 * ICU lists some zones under their older CLDR names (Asia/Calcutta); clients use today's IANA
 * names, which Intl accepts as well. Both spellings go into the document's list.
 */
const CURRENT_IANA_NAMES = [
  "Africa/Asmara",
  "America/Argentina/Buenos_Aires",
  "America/Argentina/Catamarca",
  "America/Argentina/Cordoba",
  "America/Argentina/Jujuy",
  "America/Argentina/Mendoza",
  "America/Atikokan",
  "America/Indiana/Indianapolis",
  "America/Kentucky/Louisville",
  "America/Nuuk",
  "Asia/Ho_Chi_Minh",
  "Asia/Kathmandu",
  "Asia/Kolkata",
  "Asia/Yangon",
  "Atlantic/Faroe",
  "Europe/Kyiv",
  "Pacific/Chuuk",
  "Pacific/Kanton",
  "Pacific/Pohnpei",
  "UTC",
];
/**
 * The zones the document lists: every one is accepted (tests/http/openapi_test.ts checks each);
 * the server also takes other aliases. Not filtered through `isValidTimeZone` here: a formatter
 * for each of ~420 zones, kept by its cache, cost ~200 ms and ~19 MB before the first response.
 */
const LISTED_TIME_ZONES = [
  ...new Set([...Intl.supportedValuesOf("timeZone"), ...CURRENT_IANA_NAMES]),
].sort();

/**
 * An IANA time zone. The document lists the zones above rather than a pattern alone, so a client
 * or fuzzer that sends a listed name is never refused.
 */
export const TimeZone = z.string().max(64).refine(isValidTimeZone, "is not an IANA time zone")
  .openapi("TimeZone", {
    description: "An IANA time zone name",
    pattern: "^[A-Za-z]+(?:/[A-Za-z0-9_+-]+){0,2}$",
    enum: LISTED_TIME_ZONES,
    example: "Asia/Kolkata",
  });

export const DoctorCreate = z.object({
  name: Text(120),
  phone: Phone,
  specializations: z.array(Text(PROFILE_LIMITS.specialization)).min(1).max(PROFILE_LIMITS.items),
  languages: z.array(Text(PROFILE_LIMITS.language)).min(1).max(PROFILE_LIMITS.items),
  city: Text(80),
  timezone: TimeZone,
  slotMinutes: SlotMinutes,
  fee: z.number().int().min(0).max(PROFILE_LIMITS.fee).nullable().optional(),
  bio: z.string().trim().max(2000).nullable().optional(),
}).openapi("DoctorCreate");

/** A PATCH/PUT of some fields must name at least one: no body or `{}` is a 400, not a no-op 200. */
export const notEmpty: [(o: object) => boolean, { message: string }] = [
  (o) => Object.keys(o).length > 0,
  { message: "The body must set at least one field" },
];

/**
 * `notEmpty` in the document: at least one of the object's own fields (unknown fields are
 * dropped before the rule runs, so `{"x":1}` is as empty as `{}`).
 */
export function oneFieldRequired(shape: z.ZodRawShape) {
  const anyField = { anyOf: Object.keys(shape).map((key) => ({ required: [key] })) };
  // Inside allOf, so generated TypeScript types stay the object's own (an anyOf of bare
  // `required` lists would read as `unknown` to openapi-typescript).
  return { minProperties: 1, allOf: [anyField] };
}

const DoctorPatchFields = DoctorCreate.omit({ phone: true }).partial();
export const DoctorPatch = DoctorPatchFields.refine(...notEmpty)
  .openapi("DoctorPatch", oneFieldRequired(DoctorPatchFields.shape));

export const WeeklyRange = z.object({ day: Weekday, start: WallTime, end: WallTime });
/** The most date overrides a doctor's availability holds (the API's and the web page's limit). */
export const MAX_DATE_OVERRIDES = 400;
export const DateOverride = z.union([
  z.object({ date: LocalDate, unavailable: z.literal(true) }),
  z.object({ date: LocalDate, start: WallTime, end: WallTime }),
]);
export const AvailabilityBody = z.object({
  weekly: z.array(WeeklyRange).max(70),
  overrides: z.array(DateOverride).max(MAX_DATE_OVERRIDES).default([]),
  slotMinutes: SlotMinutes.optional(),
  bufferMinutes: z.number().int().min(POLICY_BOUNDS.bufferMinutes[0])
    .max(POLICY_BOUNDS.bufferMinutes[1]).multipleOf(5, "must be a multiple of 5")
    .openapi({ multipleOf: 5 }).optional(),
  minNoticeMinutes: z.number().int().min(POLICY_BOUNDS.minNoticeMinutes[0])
    .max(POLICY_BOUNDS.minNoticeMinutes[1]).optional(),
  horizonDays: z.number().int().min(POLICY_BOUNDS.horizonDays[0])
    .max(POLICY_BOUNDS.horizonDays[1]).optional(),
  maxPerDay: z.number().int().min(POLICY_BOUNDS.maxPerDay[0]).max(POLICY_BOUNDS.maxPerDay[1])
    .nullable().optional(),
}).openapi("Availability");

export const DoctorSchema = z.object({
  id: z.string(),
  name: z.string(),
  specializations: z.array(z.string()),
  languages: z.array(z.string()),
  city: z.string(),
  timezone: z.string(),
  slotMinutes: z.number(),
  fee: z.number().nullable(),
  bio: z.string().nullable(),
  availability: z.object({
    weekly: z.array(WeeklyRange),
    overrides: z.array(DateOverride),
    minNoticeMinutes: z.number(),
    horizonDays: z.number(),
    bufferMinutes: z.number(),
    maxPerDay: z.number().nullable(),
  }),
  createdAt: z.string(),
  updatedAt: z.string(),
  active: z.boolean().openapi({
    description: "False once an admin deactivated the doctor: left out of search, not bookable",
  }),
  deactivatedAt: z.string().nullable(),
}).openapi("Doctor");

export const DoctorListQuery = z.object({
  specialization: Text(60).optional(),
  language: Text(40).optional(),
  city: Text(80).optional(),
  q: Text(100).optional(),
  limit: Limit,
  cursor: Cursor,
});
/** The admin's listing: the search's filters, plus whether to list active or deactivated doctors. */
export const AdminDoctorListQuery = DoctorListQuery.extend({
  active: z.enum(["true", "false"]).optional().openapi({
    description: "`false`: deactivated doctors only; `true`: active ones only; absent: all",
  }),
});
export const DoctorPage = z.object({
  items: z.array(DoctorSchema),
  nextCursor: z.string().nullable(),
})
  .openapi("DoctorPage");

export const IdParam = z.object({ id: Id });
export const SlotsQuery = z.object({ from: LocalDate, to: LocalDate }).refine(...orderedRange);
export const SlotsResponse = z.object({
  doctorId: z.string(),
  timezone: z.string(),
  slots: z.array(z.object({ start: z.string(), end: z.string() })),
}).openapi("Slots");

// Holds and appointments
export const HoldCreate = z.object({ doctorId: Id, start: IsoInstant }).openapi("HoldCreate");
export const HoldSchema = z.object({
  id: z.string(),
  doctorId: z.string(),
  start: z.string(),
  end: z.string(),
  expiresAt: z.string(),
}).openapi("Hold");
export const ConfirmBody = z.object({
  code: z.string().regex(/^\d{6}$/, "must be 6 digits"),
  reason: Text(1000).optional(),
  /** A video consultation: its room opens 10 minutes before the start (routes/rooms.ts). */
  online: z.boolean().optional(),
}).openapi("ConfirmHold");

const Status = z.enum(["confirmed", "cancelled", "completed", "no_show"]);
export const AppointmentSchema = z.object({
  id: z.string(),
  doctorId: z.string(),
  patientId: z.string(),
  start: z.string(),
  end: z.string(),
  status: Status,
  online: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number().int().min(1).openapi({
    description: "Bumped by every change of the appointment (its `ETag` changes with it)",
  }),
  reason: z.string().optional(),
  notes: z.string().optional(),
  cancelReason: z.string().optional(),
  cancelledBy: z.string().optional(),
}).openapi("Appointment");
export const ConfirmResponse = z.object({ appointment: AppointmentSchema }).openapi("Confirmed");

const InstantOrDate = z.union([IsoInstant, LocalDate]);
export const AppointmentListQuery = z.object({
  from: InstantOrDate.optional(),
  to: InstantOrDate.optional(),
  status: Status.optional(),
  limit: Limit,
  cursor: Cursor,
}).refine(...orderedRange);
export const AppointmentPage = z.object({
  items: z.array(AppointmentSchema),
  nextCursor: z.string().nullable(),
}).openapi("AppointmentPage");
export const CancelBody = z.object({ reason: Text(1000).optional() }).openapi("CancelAppointment");
export const RescheduleBody = z.object({ holdId: Id }).openapi("RescheduleAppointment");
const AppointmentPatchFields = z.object({
  status: z.enum(["completed", "no_show"]).optional(),
  notes: z.string().trim().max(10_000).optional(),
});
export const AppointmentPatch = AppointmentPatchFields
  .refine((p) => p.status !== undefined || p.notes !== undefined, "status or notes is required")
  .openapi("AppointmentPatch", oneFieldRequired(AppointmentPatchFields.shape));
