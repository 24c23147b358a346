/**
 * Appointments: own list and detail, cancel, reschedule, and the doctor's status and notes. One
 * appointment is answered with its `ETag`; a change honours `If-Match` (src/http/if_match.ts).
 */
import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppDeps } from "../src/app_deps.ts";
import type { AppointmentView } from "../src/booking/views.ts";
import type { AppEnv } from "../src/http/app_env.ts";
import {
  acceptedVersions,
  appointmentEtag,
  EtagHeader,
  IfMatchHeaders,
  IfNoneMatchHeaders,
  noneMatchFails,
} from "../src/http/if_match.ts";
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

/** `a` as the answer, with its `ETag`. */
function withEtag(c: Context<AppEnv>, a: AppointmentView) {
  c.header("ETag", appointmentEtag(a));
  return a;
}

/** The versions of appointment `id` the request's valid `If-Match` accepts (none sent: any). */
function accepted(headers: { "If-Match"?: string }, id: string) {
  return acceptedVersions(headers["If-Match"], id);
}

export function appointmentRoutes(deps: AppDeps) {
  const app = router();
  const auth = authenticate(deps.tokens);
  const idem = idempotencyFor(deps);
  const changeResponses = {
    200: {
      ...jsonResponse(AppointmentSchema, "The appointment after the change"),
      headers: EtagHeader,
    },
    400: problems[400],
    401: problems[401],
    403: problems[403],
    404: problems[404],
    409: problems[409],
    410: problems[410],
    412: problems[412],
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
      description: "Answered with its `ETag`. With `If-None-Match` naming it (a copy the client " +
        "keeps is current): 304 with the `ETag` and no body.",
      security: bearer,
      middleware: [auth, authorize("appointments.get")] as const,
      request: { params: IdParam, headers: IfNoneMatchHeaders },
      responses: {
        200: {
          ...jsonResponse(AppointmentSchema, "The appointment"),
          headers: EtagHeader,
          links: {
            cancelAppointment: linkTo("cancelAppointment", "/id", "Cancel this appointment"),
          },
        },
        304: {
          description: "Not modified: `If-None-Match` names the current `ETag`. No body; the " +
            "`ETag` and the `Cache-Control` a 200 would carry.",
          headers: EtagHeader,
        },
        400: problems[400],
        401: problems[401],
        404: problems[404],
      },
    }),
    async (c) => {
      // Visibility first: another caller's appointment is a 404 whatever the condition names.
      const a = await deps.booking.getAppointment(c.get("user"), c.req.valid("param").id);
      if (noneMatchFails(c.req.valid("header")["If-None-Match"], appointmentEtag(a))) {
        c.header("ETag", appointmentEtag(a));
        return c.body(null, 304);
      }
      return c.json(withEtag(c, a), 200);
    },
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
        headers: IfMatchHeaders,
        body: { content: { "application/json": { schema: CancelBody } }, required: false },
      },
      responses: changeResponses,
    }),
    async (c) => {
      const body = c.req.valid("json") ?? {};
      const { id } = c.req.valid("param");
      const cancelled = await deps.booking.cancel(c.get("user"), id, body.reason, {
        accepted: accepted(c.req.valid("header"), id),
      });
      return c.json(withEtag(c, cancelled), 200);
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
      request: { params: IdParam, headers: IfMatchHeaders, ...jsonBody(RescheduleBody) },
      responses: changeResponses,
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const moved = await deps.booking.reschedule(
        c.get("user"),
        id,
        c.req.valid("json").holdId,
        accepted(c.req.valid("header"), id),
      );
      return c.json(withEtag(c, moved), 200);
    },
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
      middleware: [auth, authorize("appointments.update"), idem] as const,
      request: { params: IdParam, headers: IfMatchHeaders, ...jsonBody(AppointmentPatch) },
      responses: changeResponses,
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const updated = await deps.booking.updateByDoctor(
        c.get("user"),
        id,
        c.req.valid("json"),
        accepted(c.req.valid("header"), id),
      );
      return c.json(withEtag(c, updated), 200);
    },
  );

  return app;
}
