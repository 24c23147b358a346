/** The waitlist: a patient asks to be told when a slot frees up on a doctor's day. */
import { createRoute } from "@hono/zod-openapi";
import type { TokenService } from "../src/auth/token_service.ts";
import type { WaitlistService } from "../src/waitlist/waitlist_service.ts";
import { authenticate, authorize } from "../src/http/auth_middleware.ts";
import { WaitlistBody, WaitlistEntrySchema, WaitlistList } from "../src/http/event_schemas.ts";
import { IdParam } from "../src/http/schemas.ts";
import { bearer, jsonBody, jsonResponse, problems, router } from "./_openapi.ts";

export function waitlistRoutes(tokens: TokenService, waitlist: WaitlistService) {
  const app = router();
  const auth = authenticate(tokens);

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/doctors/{id}/waitlist",
      tags: ["waitlist"],
      summary: "Join the waitlist for a day in the doctor's calendar (idempotent)",
      security: bearer,
      middleware: [auth, authorize("waitlist.join")] as const,
      request: { params: IdParam, ...jsonBody(WaitlistBody) },
      responses: {
        201: jsonResponse(WaitlistEntrySchema, "Joined"),
        200: jsonResponse(WaitlistEntrySchema, "Already on the waitlist for that day"),
        400: problems[400],
        401: problems[401],
        403: problems[403],
        404: problems[404],
        409: problems[409],
        422: problems[422],
      },
    }),
    async (c) => {
      const { entry, created } = await waitlist.join(
        c.get("user").id,
        c.req.valid("param").id,
        c.req.valid("json").date,
      );
      return created ? c.json(entry, 201) : c.json(entry, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/waitlist",
      tags: ["waitlist"],
      summary: "The caller's own waitlist entries",
      security: bearer,
      middleware: [auth, authorize("waitlist.list")] as const,
      responses: {
        200: jsonResponse(WaitlistList, "Entries"),
        401: problems[401],
        403: problems[403],
      },
    }),
    async (c) => c.json({ items: await waitlist.listMine(c.get("user").id) }, 200),
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/v1/waitlist/{id}",
      tags: ["waitlist"],
      summary: "Leave the waitlist",
      security: bearer,
      middleware: [auth, authorize("waitlist.leave")] as const,
      request: { params: IdParam },
      responses: {
        204: { description: "Left" },
        401: problems[401],
        403: problems[403],
        404: problems[404],
      },
    }),
    async (c) => {
      await waitlist.leave(c.get("user").id, c.req.valid("param").id);
      return c.body(null, 204);
    },
  );

  return app;
}
