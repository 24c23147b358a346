/**
 * Zod schemas of the waitlist, audit and webhook endpoints (issue #7): the single source for
 * their validation, types and OpenAPI document. Kept apart from schemas.ts so that file stays a
 * reasonable size; the shapes follow the same conventions.
 */
import { z } from "@hono/zod-openapi";
import { PUBLIC_EVENT_TYPES } from "../events/event_types.ts";
import { Id, LocalDate, orderedRange } from "./schemas.ts";

const IsoInstant = z.iso.datetime({ offset: true });
const Limit = z.coerce.number().int().min(1).max(100).default(50);

// Waitlist
export const WaitlistBody = z.object({ date: LocalDate })
  .openapi("WaitlistJoin");
export const WaitlistEntrySchema = z.object({
  id: z.string(),
  doctorId: z.string(),
  date: z.string(),
  createdAt: z.string(),
  notifiedAt: z.string().nullable(),
}).openapi("WaitlistEntry");
export const WaitlistList = z.object({ items: z.array(WaitlistEntrySchema) }).openapi(
  "WaitlistEntries",
);

// Audit
export const AuditQuerySchema = z.object({
  appointmentId: Id.optional(),
  patientId: Id.optional(),
  actorId: Id.optional(),
  from: IsoInstant.optional(),
  to: IsoInstant.optional(),
  limit: Limit,
  cursor: z.string().max(512).optional(),
}).refine(...orderedRange);
export const AuditEntrySchema = z.object({
  seq: z.number().int(),
  id: z.string(),
  at: z.string(),
  actorId: z.string(),
  actorRole: z.string(),
  action: z.string(),
  appointmentId: z.string().nullable(),
  patientId: z.string().nullable(),
  doctorId: z.string().nullable(),
  targetId: z.string().optional(),
  /** A corrected outcome (`appointment.outcome_correct`): the status before and after. */
  fromStatus: z.string().optional(),
  toStatus: z.string().optional(),
  prevHash: z.string(),
  hash: z.string(),
}).openapi("AuditEntry");
export const AuditPage = z.object({
  items: z.array(AuditEntrySchema),
  nextCursor: z.string().nullable(),
}).openapi("AuditPage");

// Webhooks
export const WebhookCreate = z.object({
  url: z.string().trim().min(1).max(2048).openapi({
    format: "uri",
    pattern: "^https?://",
    example: "https://clinic.example/vaidya",
  }),
  events: z.array(z.enum(PUBLIC_EVENT_TYPES)).min(1).max(PUBLIC_EVENT_TYPES.length),
}).openapi("WebhookCreate");
const Attempt = z.object({
  id: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  attempt: z.number().int(),
  at: z.string(),
  ok: z.boolean(),
  httpStatus: z.number().int().nullable(),
  error: z.string().nullable(),
  final: z.boolean(),
});
export const WebhookSchema = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
  secretRotatedAt: z.string(),
  previousSecretValidUntil: z.string().nullable(),
  status: z.enum(["healthy", "failing", "never_delivered"]),
  recentAttempts: z.array(Attempt),
}).openapi("Webhook");
export const WebhookWithSecret = WebhookSchema.extend({
  secret: z.string().openapi({ description: "Shown once; sign-verification key" }),
}).openapi("WebhookWithSecret");
export const WebhookList = z.object({ items: z.array(WebhookSchema) }).openapi("WebhookList");
