/**
 * Therapy courses: hold N sessions with one doctor all or nothing, confirm them with one code,
 * cancel the future ones. Thin: zod at the edge, the course service does the rest.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { AppDeps } from "../src/app_deps.ts";
import type { CourseService } from "../src/courses/course_service.ts";
import { authenticate, authorize } from "../src/http/auth_middleware.ts";
import { idempotencyFor } from "../src/http/idempotency.ts";
import { Id, IdParam, IsoInstant } from "../src/http/schemas.ts";
import { bearer, jsonBody, jsonResponse, problems, router } from "./_openapi.ts";

export const CourseCreate = z.union([
  z.object({
    doctorId: Id,
    start: IsoInstant,
    count: z.number().int().min(1).max(14),
    everyDays: z.number().int().min(1).max(14).default(1),
  }).strict(),
  z.object({ doctorId: Id, starts: z.array(IsoInstant).min(1).max(14) }).strict(),
]).openapi("CourseCreate");

const CourseSchema = z.object({
  id: z.string(),
  doctorId: z.string(),
  status: z.enum(["held", "confirmed", "cancelled", "failed"]),
  expiresAt: z.string(),
  sessions: z.array(z.object({
    start: z.string(),
    end: z.string(),
    appointmentId: z.string(),
    /** A booked session's appointment status, as it is now (with its current time). */
    status: z.enum(["confirmed", "cancelled", "completed", "no_show"]).optional(),
  })),
  keptSessions: z.array(z.string()).optional(),
}).openapi("Course");

const CourseConfirm = z.object({ code: z.string().regex(/^\d{6}$/, "must be 6 digits") });

export function courseRoutes(deps: AppDeps & { courses: CourseService }) {
  const app = router();
  const auth = authenticate(deps.tokens);
  const idem = idempotencyFor(deps);
  const common = { 401: problems[401], 403: problems[403], 404: problems[404] };

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/courses",
      tags: ["courses"],
      summary: "Hold every session of a therapy course (all or nothing) and send one code",
      security: bearer,
      middleware: [auth, authorize("courses.create"), idem] as const,
      request: jsonBody(CourseCreate),
      responses: {
        201: jsonResponse(CourseSchema, "Every session held"),
        400: problems[400],
        ...common,
        409: problems[409],
        422: problems[422],
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const req = "starts" in body
        ? { starts: body.starts }
        : { start: body.start, count: body.count, everyDays: body.everyDays };
      return c.json(await deps.courses.hold(c.get("user").id, body.doctorId, req), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/courses/{id}/confirm",
      tags: ["courses"],
      summary: "Confirm a held course with its code; books every session or none",
      security: bearer,
      middleware: [auth, authorize("courses.confirm"), idem] as const,
      request: { params: IdParam, ...jsonBody(CourseConfirm) },
      responses: {
        201: jsonResponse(CourseSchema, "Every session booked"),
        400: problems[400],
        ...common,
        409: problems[409],
        410: problems[410],
        422: problems[422],
      },
    }),
    async (c) => {
      const course = await deps.courses.confirm(
        c.get("user"),
        c.req.valid("param").id,
        c.req.valid("json").code,
      );
      return c.json(course, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/courses/{id}/cancel",
      tags: ["courses"],
      summary: "Cancel a course: releases a held one, cancels the future sessions of a booked one",
      security: bearer,
      middleware: [auth, authorize("courses.cancel")] as const,
      request: { params: IdParam },
      responses: { 200: jsonResponse(CourseSchema, "Cancelled"), ...common, 409: problems[409] },
    }),
    async (c) => c.json(await deps.courses.cancel(c.get("user"), c.req.valid("param").id), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/courses/{id}",
      tags: ["courses"],
      summary: "A course of the caller",
      security: bearer,
      middleware: [auth, authorize("courses.get")] as const,
      request: { params: IdParam },
      responses: { 200: jsonResponse(CourseSchema, "The course"), ...common },
    }),
    async (c) => c.json(await deps.courses.get(c.get("user"), c.req.valid("param").id), 200),
  );

  return app;
}
