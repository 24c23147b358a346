/** Appointments: own list and detail, cancel, reschedule, and the doctor's status and notes. */
import { createRoute } from "@hono/zod-openapi";
import type { AppDeps } from "../src/app_deps.ts";
import { authenticate, authorize } from "../src/http/auth_middleware.ts";
import { idempotencyFor } from "../src/http/idempotency.ts";
import {
  AppointmentListQuery,
  AppointmentPage,
  AppointmentPatch,
  AppointmentSchema,
  CancelBody,
  IdParam,
  rangeMs,
  RescheduleBody,
} from "../src/http/schemas.ts";
import { bearer, jsonBody, jsonResponse, linkTo, problems, router } from "./_openapi.ts";

export function appointmentRoutes(deps: AppDeps) {
  const app = router();
  const auth = authenticate(deps.tokens);
  const idem = idempotencyFor(deps);
  const changeResponses = {
    200: jsonResponse(AppointmentSchema, "The appointment after the change"),
    400: problems[400],
    401: problems[401],
    403: problems[403],
    404: problems[404],
    409: problems[409],
    410: problems[410],
    422: problems[422],
  };

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/appointments",
      operationId: "listAppointments",
      tags: ["appointments"],
      summary: "The caller's own appointments, by start time",
      security: bearer,
      middleware: [auth, authorize("appointments.list")] as const,
      request: { query: AppointmentListQuery },
      responses: {
        200: {
          ...jsonResponse(AppointmentPage, "A page"),
          links: {
            getAppointment: linkTo("getAppointment", "/items/0/id", "The first appointment"),
            cancelAppointment: linkTo(
              "cancelAppointment",
              "/items/0/id",
              "Cancel the first appointment",
            ),
          },
        },
        400: problems[400],
        401: problems[401],
        403: problems[403],
      },
    }),
    async (c) => {
      const { from, to, status, limit, cursor } = c.req.valid("query");
      const query = {
        fromMs: from === undefined ? undefined : rangeMs(from),
        toMs: to === undefined ? undefined : rangeMs(to),
        status,
      };
      const page = await deps.booking.listAppointments(c.get("user"), query, limit, cursor, {
        withNotes: true,
      });
      return c.json(page, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/appointments/{id}",
      operationId: "getAppointment",
      tags: ["appointments"],
      summary: "One appointment (its patient, its doctor, or an admin)",
      security: bearer,
      middleware: [auth, authorize("appointments.get")] as const,
      request: { params: IdParam },
      responses: {
        200: {
          ...jsonResponse(AppointmentSchema, "The appointment"),
          links: {
            cancelAppointment: linkTo("cancelAppointment", "/id", "Cancel this appointment"),
          },
        },
        401: problems[401],
        404: problems[404],
      },
    }),
    async (c) =>
      c.json(await deps.booking.getAppointment(c.get("user"), c.req.valid("param").id), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/appointments/{id}/cancel",
      operationId: "cancelAppointment",
      tags: ["appointments"],
      summary: "Cancel; the slot is free again",
      security: bearer,
      middleware: [auth, authorize("appointments.cancel"), idem] as const,
      request: {
        params: IdParam,
        body: { content: { "application/json": { schema: CancelBody } }, required: false },
      },
      responses: changeResponses,
    }),
    async (c) => {
      const body = c.req.valid("json") ?? {};
      return c.json(
        await deps.booking.cancel(c.get("user"), c.req.valid("param").id, body.reason),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/appointments/{id}/reschedule",
      operationId: "rescheduleAppointment",
      tags: ["appointments"],
      summary: "Move to the time of one of your holds with the same doctor",
      security: bearer,
      middleware: [auth, authorize("appointments.reschedule"), idem] as const,
      request: { params: IdParam, ...jsonBody(RescheduleBody) },
      responses: changeResponses,
    }),
    async (c) =>
      c.json(
        await deps.booking.reschedule(
          c.get("user"),
          c.req.valid("param").id,
          c.req.valid("json").holdId,
        ),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/v1/appointments/{id}",
      tags: ["appointments"],
      summary: "The doctor marks completed or no-show (or corrects it), or writes notes",
      description: "Its doctor, or an admin (the outcome only; notes are the doctor's: 403). " +
        "`status` on a confirmed appointment marks it once it has started. On a completed or " +
        "no_show one it corrects the outcome (completed ⇄ no_show) until 7 days after the end: " +
        "a new version, an `appointment.outcome_correct` audit entry with `fromStatus` and " +
        "`toStatus`, and the new status's event (its webhook body carries `previousStatus`). " +
        "The status it already has, without notes, answers 200 and writes nothing. 409 " +
        "`invalid_state`: a cancelled appointment, a mark before the start, or a correction " +
        "after the window.",
      security: bearer,
      middleware: [auth, authorize("appointments.update")] as const,
      request: { params: IdParam, ...jsonBody(AppointmentPatch) },
      responses: changeResponses,
    }),
    async (c) =>
      c.json(
        await deps.booking.updateByDoctor(
          c.get("user"),
          c.req.valid("param").id,
          c.req.valid("json"),
        ),
        200,
      ),
  );

  return app;
}
