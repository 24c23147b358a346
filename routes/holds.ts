/** Holding a slot, confirming it with the code sent by SMS, and releasing it. */
import { createRoute } from "@hono/zod-openapi";
import type { AppDeps } from "../src/app_deps.ts";
import { authenticate, authorize } from "../src/http/auth_middleware.ts";
import { idempotencyFor } from "../src/http/idempotency.ts";
import { holdsPerPatientRule, rateLimit } from "../src/http/rate_limit.ts";
import {
  ConfirmBody,
  ConfirmResponse,
  HoldCreate,
  HoldSchema,
  IdParam,
} from "../src/http/schemas.ts";
import { bearer, jsonBody, jsonResponse, linkTo, problems, router } from "./_openapi.ts";

export function holdRoutes(deps: AppDeps) {
  const app = router();
  const auth = authenticate(deps.tokens);
  const idem = idempotencyFor(deps);
  const holdLimit = rateLimit(
    deps.apiLimiter,
    holdsPerPatientRule(deps.config),
    (c) => deps.config.RATE_LIMIT_DISABLED ? undefined : c.get("user").id,
    deps.now,
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/holds",
      operationId: "holdSlot",
      tags: ["booking"],
      summary: "Hold a slot for a few minutes and send a confirmation code",
      security: bearer,
      middleware: [auth, authorize("holds.create"), holdLimit, idem] as const,
      request: jsonBody(HoldCreate),
      responses: {
        201: {
          ...jsonResponse(HoldSchema, "Held"),
          links: {
            confirmHold: linkTo(
              "confirmHold",
              "/id",
              "Confirm this hold with the code sent to the patient",
            ),
            releaseHold: linkTo("releaseHold", "/id", "Release this hold"),
          },
        },
        400: problems[400],
        401: problems[401],
        403: problems[403],
        404: problems[404],
        409: problems[409],
        422: problems[422],
        429: problems[429],
        503: problems[503],
      },
    }),
    async (c) => {
      const { doctorId, start } = c.req.valid("json");
      return c.json(await deps.booking.holdSlot(c.get("user").id, doctorId, start), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/holds/{id}/confirm",
      operationId: "confirmHold",
      tags: ["booking"],
      summary: "Confirm a hold with its code; creates the appointment",
      security: bearer,
      middleware: [auth, authorize("holds.confirm"), idem] as const,
      request: { params: IdParam, ...jsonBody(ConfirmBody) },
      responses: {
        201: {
          ...jsonResponse(ConfirmResponse, "Booked"),
          links: {
            getAppointment: linkTo(
              "getAppointment",
              "/appointment/id",
              "The appointment this confirmation created",
            ),
            cancelAppointment: linkTo(
              "cancelAppointment",
              "/appointment/id",
              "Cancel the appointment this confirmation created",
            ),
          },
        },
        400: problems[400],
        401: problems[401],
        403: problems[403],
        404: problems[404],
        409: problems[409],
        410: problems[410],
        422: problems[422],
      },
    }),
    async (c) => {
      const { code, reason, online } = c.req.valid("json");
      const appointment = await deps.booking.confirmHold(
        c.get("user"),
        c.req.valid("param").id,
        code,
        { reason, online },
      );
      return c.json({ appointment }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/v1/holds/{id}",
      operationId: "releaseHold",
      tags: ["booking"],
      summary: "Release a hold",
      security: bearer,
      middleware: [auth, authorize("holds.release")] as const,
      request: { params: IdParam },
      responses: {
        204: { description: "Released" },
        401: problems[401],
        403: problems[403],
        404: problems[404],
      },
    }),
    async (c) => {
      await deps.booking.releaseHold(c.get("user").id, c.req.valid("param").id);
      return c.body(null, 204);
    },
  );

  return app;
}
