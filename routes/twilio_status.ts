/**
 * Twilio's message status callbacks (`POST /webhooks/twilio/status`, form-encoded, outside /v1
 * because it is not JSON) and the delivery view for operators (`GET /v1/admin/messages`). A
 * callback counts only with a valid `X-Twilio-Signature`, checked with the twilio SDK's
 * `validateRequest` against the public URL Twilio was given (PUBLIC_BASE_URL), else the URL of
 * the request as it arrived.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { AppDeps } from "../src/app_deps.ts";
import { authenticate, authorize } from "../src/http/auth_middleware.ts";
import { boundedBodies } from "../src/http/guards.ts";
import { timeLimit } from "../src/http/api_budget.ts";
import { ForbiddenError, NotFoundError } from "../src/errors.ts";
import {
  DELIVERY_STATUSES,
  type DeliveryTracker,
  TWILIO_STATUS_PATH,
} from "../src/notify/delivery_tracker.ts";
import { bearer, jsonResponse, problems, router } from "./_openapi.ts";

const StatusForm = z.object({
  MessageSid: z.string().regex(/^(SM|MM)[0-9a-fA-F]{32}$/),
  MessageStatus: z.string().min(1).max(40),
  ErrorCode: z.string().regex(/^\d{1,6}$/).optional(),
}).passthrough();

const Delivery = z.object({
  sid: z.string(),
  channel: z.enum(["sms", "whatsapp"]),
  kind: z.string().nullable(),
  status: z.enum(DELIVERY_STATUSES),
  errorCode: z.number().int().nullable(),
  sentAt: z.string(),
  updatedAt: z.string(),
  fallbackSid: z.string().nullable(),
  fallbackOf: z.string().nullable(),
}).openapi("MessageDelivery");

export function twilioStatusRoutes(deps: Pick<AppDeps, "config" | "deliveries" | "tokens">) {
  const app = router();
  const tracker = (): DeliveryTracker => {
    if (!deps.deliveries) throw new NotFoundError("Twilio is not configured here");
    return deps.deliveries;
  };

  app.openapi(
    createRoute({
      method: "post",
      path: TWILIO_STATUS_PATH,
      tags: ["webhooks"],
      summary: "Twilio message status callback (signed with X-Twilio-Signature)",
      // Outside /v1, so the API's body rules do not reach it: a caller may be anyone.
      middleware: [timeLimit(deps.config), boundedBodies(deps.config.BODY_LIMIT_BYTES)] as const,
      request: {
        body: {
          content: { "application/x-www-form-urlencoded": { schema: StatusForm } },
          required: true,
        },
      },
      responses: {
        204: { description: "Recorded" },
        400: problems[400],
        403: problems[403],
        404: problems[404],
        413: problems[413],
      },
    }),
    async (c) => {
      const deliveries = tracker();
      const form = c.req.valid("form");
      const params = Object.fromEntries(
        Object.entries(form).map(([k, v]) => [k, String(v)]),
      );
      const base = deps.config.PUBLIC_BASE_URL;
      const url = base ? new URL(TWILIO_STATUS_PATH, base).toString() : c.req.url;
      const signature = c.req.header("x-twilio-signature") ?? "";
      // Loaded on first use: the SDK is large and only deployments with Twilio get callbacks.
      const { default: twilio } = await import("twilio");
      if (!twilio.validateRequest(deps.config.TWILIO_AUTH_TOKEN!, signature, url, params)) {
        throw new ForbiddenError("The X-Twilio-Signature does not match this request");
      }
      const status = (DELIVERY_STATUSES as readonly string[]).includes(form.MessageStatus)
        ? form.MessageStatus as typeof DELIVERY_STATUSES[number]
        : null;
      if (status) {
        await deliveries.onStatus(
          form.MessageSid,
          status,
          form.ErrorCode ? Number(form.ErrorCode) : null,
        );
      }
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/admin/messages",
      tags: ["admin"],
      summary: "Recent messages sent through Twilio and their delivery state (no phones, no text)",
      security: bearer,
      middleware: [authenticate(deps.tokens), authorize("deliveries.read")] as const,
      request: {
        query: z.object({
          status: z.enum(DELIVERY_STATUSES).optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
      },
      responses: {
        200: jsonResponse(z.object({ items: z.array(Delivery) }), "Newest first"),
        400: problems[400],
        401: problems[401],
        403: problems[403],
        404: problems[404],
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const items = await tracker().recent(q.limit, q.status);
      return c.json({ items: items.map(({ resendSealed: _, ...rest }) => rest) }, 200);
    },
  );
  return app;
}
