/** The audit trail, for admins only: filtered by appointment, patient, actor and time, newest first. */
import { createRoute } from "@hono/zod-openapi";
import type { AuditLog } from "../src/audit/audit_log.ts";
import type { TokenService } from "../src/auth/token_service.ts";
import { authenticate, authorize } from "../src/http/auth_middleware.ts";
import { AuditPage, AuditQuerySchema } from "../src/http/event_schemas.ts";
import { bearer, jsonResponse, problems, router } from "./_openapi.ts";

export function adminAuditRoutes(tokens: TokenService, audit: AuditLog) {
  const app = router();
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/admin/audit",
      tags: ["admin"],
      summary: "Audit entries (who did what to which appointment or patient record)",
      security: bearer,
      middleware: [authenticate(tokens), authorize("audit.read")] as const,
      request: { query: AuditQuerySchema },
      responses: {
        200: jsonResponse(AuditPage, "A page, newest first"),
        400: problems[400],
        401: problems[401],
        403: problems[403],
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const page = await audit.list(
        {
          appointmentId: q.appointmentId,
          patientId: q.patientId,
          actorId: q.actorId,
          fromMs: q.from ? Date.parse(q.from) : undefined,
          toMs: q.to ? Date.parse(q.to) : undefined,
        },
        q.limit,
        q.cursor,
      );
      return c.json(page, 200);
    },
  );
  return app;
}
