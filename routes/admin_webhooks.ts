/**
 * Webhook endpoints of clinics, managed by admins: register (secret shown once), list with recent
 * delivery attempts, rotate the secret, delete. The signature format is in src/webhooks/signature.ts.
 * Each change is in the audit trail by the endpoint's id.
 */
import { createRoute } from "@hono/zod-openapi";
import { auditChangeBy, type AuditLog } from "../src/audit/audit_log.ts";
import type { TokenService } from "../src/auth/token_service.ts";
import type { WebhookService } from "../src/webhooks/webhook_service.ts";
import { authenticate, authorize } from "../src/http/auth_middleware.ts";
import { WebhookCreate, WebhookList, WebhookWithSecret } from "../src/http/event_schemas.ts";
import { IdParam } from "../src/http/schemas.ts";
import { bearer, jsonBody, jsonResponse, problems, router } from "./_openapi.ts";

export function adminWebhookRoutes(
  tokens: TokenService,
  webhooks: WebhookService,
  audit: AuditLog,
) {
  const app = router();
  const auth = authenticate(tokens);
  const denied = { 401: problems[401], 403: problems[403] };

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/admin/webhooks",
      tags: ["admin"],
      summary: "Register a webhook endpoint; the signing secret is shown only in this answer",
      security: bearer,
      middleware: [auth, authorize("webhooks.manage")] as const,
      request: jsonBody(WebhookCreate),
      responses: {
        201: jsonResponse(WebhookWithSecret, "Registered"),
        400: problems[400],
        ...denied,
      },
    }),
    async (c) => {
      const { url, events: types } = c.req.valid("json");
      const created = await webhooks.register(url, types);
      await auditChangeBy(audit, c.get("user"), "webhook.register", { targetId: created.id });
      return c.json(created, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/admin/webhooks",
      tags: ["admin"],
      summary: "Webhook endpoints with their recent delivery attempts",
      security: bearer,
      middleware: [auth, authorize("webhooks.manage")] as const,
      responses: { 200: jsonResponse(WebhookList, "Endpoints"), ...denied },
    }),
    async (c) => c.json({ items: await webhooks.list() }, 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/admin/webhooks/{id}/rotate-secret",
      tags: ["admin"],
      summary: "New signing secret (shown once); the old one keeps signing for a grace period",
      security: bearer,
      middleware: [auth, authorize("webhooks.manage")] as const,
      request: { params: IdParam },
      responses: {
        200: jsonResponse(WebhookWithSecret, "Rotated"),
        404: problems[404],
        409: problems[409],
        ...denied,
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const rotated = await webhooks.rotateSecret(id);
      await auditChangeBy(audit, c.get("user"), "webhook.rotate_secret", { targetId: id });
      return c.json(rotated, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/v1/admin/webhooks/{id}",
      tags: ["admin"],
      summary: "Delete a webhook endpoint; queued deliveries to it are dropped",
      security: bearer,
      middleware: [auth, authorize("webhooks.manage")] as const,
      request: { params: IdParam },
      responses: { 204: { description: "Deleted" }, 404: problems[404], ...denied },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await webhooks.remove(id);
      await auditChangeBy(audit, c.get("user"), "webhook.delete", { targetId: id });
      return c.body(null, 204);
    },
  );
  return app;
}
