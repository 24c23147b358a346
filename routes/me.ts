/** The signed-in patient's own profile and erasure, and every user's own sessions. */
import { createRoute, z } from "@hono/zod-openapi";
import type { AppDeps } from "../src/app_deps.ts";
import { authenticate, authorize } from "../src/http/auth_middleware.ts";
import { IdParam, notEmpty, oneFieldRequired, TimeZone } from "../src/http/schemas.ts";
import { NotFoundError } from "../src/errors.ts";
import { PATIENT_LANGUAGES } from "../src/i18n/patient_templates.ts";
import { bearer, jsonBody, jsonResponse, problems, router } from "./_openapi.ts";

/** The languages patients are written to: a profile cannot choose one we would answer in English. */
const Language = z.enum(PATIENT_LANGUAGES);
const Profile = z.object({
  id: z.string(),
  phone: z.string().nullable(),
  name: z.string().nullable(),
  language: z.string(),
  channel: z.enum(["sms", "whatsapp"]),
  timeZone: z.string(),
  dateOfBirth: z.string().nullable(),
  gender: z.enum(["female", "male", "other", "undisclosed"]).nullable(),
  medicalHistory: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
}).openapi("PatientProfile");
const ProfilePatchFields = z.object({
  name: z.string().trim().min(1).max(120).nullable(),
  language: Language,
  channel: z.enum(["sms", "whatsapp"]),
  timeZone: TimeZone,
  dateOfBirth: z.iso.date().nullable(),
  gender: z.enum(["female", "male", "other", "undisclosed"]).nullable(),
  medicalHistory: z.string().trim().max(5000).nullable(),
}).partial();
const ProfilePatch = ProfilePatchFields.refine(...notEmpty)
  .openapi("PatientProfilePatch", oneFieldRequired(ProfilePatchFields.shape));
const Sessions = z.object({
  items: z.array(z.object({
    id: z.string(),
    createdAt: z.string(),
    lastUsedAt: z.string(),
    userAgent: z.string().nullable(),
  })),
}).openapi("Sessions");

export function meRoutes(deps: AppDeps) {
  const app = router();
  const auth = authenticate(deps.tokens);

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/me",
      tags: ["me"],
      summary: "Your profile",
      security: bearer,
      middleware: [auth, authorize("me.read")] as const,
      responses: {
        200: jsonResponse(Profile, "Profile"),
        401: problems[401],
        403: problems[403],
        404: problems[404],
      },
    }),
    async (c) => c.json(await deps.patients.get(c.get("user").id), 200),
  );

  app.openapi(
    createRoute({
      method: "put",
      path: "/v1/me",
      tags: ["me"],
      summary: "Change your profile (personal fields are encrypted at rest)",
      security: bearer,
      middleware: [auth, authorize("me.update")] as const,
      request: jsonBody(ProfilePatch),
      responses: {
        200: jsonResponse(Profile, "Saved"),
        400: problems[400],
        401: problems[401],
        403: problems[403],
        404: problems[404],
      },
    }),
    async (c) => c.json(await deps.patients.update(c.get("user").id, c.req.valid("json")), 200),
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/v1/me",
      tags: ["me"],
      summary: "Erase your personal data; anonymised appointment history is kept",
      security: bearer,
      middleware: [auth, authorize("me.erase")] as const,
      responses: {
        204: { description: "Erased" },
        401: problems[401],
        403: problems[403],
        404: problems[404],
      },
    }),
    async (c) => {
      await deps.patients.erase(c.get("user").id);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/auth/sessions",
      tags: ["auth"],
      summary: "Your active sessions",
      security: bearer,
      middleware: [auth, authorize("sessions.list")] as const,
      responses: { 200: jsonResponse(Sessions, "Sessions"), 401: problems[401] },
    }),
    async (c) => {
      const sessions = await deps.refresh.listSessions(c.get("user").id);
      return c.json({
        items: sessions.map(({ id, createdAt, lastUsedAt, userAgent }) => ({
          id,
          createdAt,
          lastUsedAt,
          userAgent,
        })),
      }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/v1/auth/sessions/{id}",
      tags: ["auth"],
      summary: "End one of your sessions",
      security: bearer,
      middleware: [auth, authorize("sessions.revoke")] as const,
      request: { params: IdParam },
      responses: { 204: { description: "Ended" }, 401: problems[401], 404: problems[404] },
    }),
    async (c) => {
      const ok = await deps.refresh.revokeSession(c.get("user").id, c.req.valid("param").id);
      if (!ok) throw new NotFoundError("You have no such session");
      return c.body(null, 204);
    },
  );

  return app;
}
