/** Doctors: admin registration and profile changes, public search and profile, availability, slots. */
import { createRoute, type z } from "@hono/zod-openapi";
import type { TypedResponse } from "hono";
import type { AppDeps } from "../src/app_deps.ts";
import type { AuditAction } from "../src/audit/audit_chain.ts";
import { auditChangeBy } from "../src/audit/audit_log.ts";
import type { AuthUser } from "../src/auth/token_service.ts";
import type { SlotListing } from "../src/booking/booking_service.ts";
import type { SecurityHeaders } from "../src/http/security_headers.ts";
import { authenticate, authorize } from "../src/http/auth_middleware.ts";
import { idempotencyFor } from "../src/http/idempotency.ts";
import { acceptsGzip, gzip } from "../src/http/gzip.ts";
import { errorFields } from "../src/observability/logger.ts";
import {
  AdminDoctorListQuery,
  AvailabilityBody,
  DoctorCreate,
  DoctorListQuery,
  DoctorPage,
  DoctorPatch,
  DoctorSchema,
  IdParam,
  SlotsQuery,
  SlotsResponse,
} from "../src/http/schemas.ts";
import { bearer, jsonBody, jsonResponse, linkTo, problems, router } from "./_openapi.ts";

/**
 * A listing's status and headers, named in lower case as `c.json` sends them. A kept listing is
 * also sent gzipped to clients that accept it, so every listing answer varies by Accept-Encoding.
 */
const LISTING_INIT = {
  status: 200,
  headers: { "content-type": "application/json", "vary": "Accept-Encoding" },
};
const LISTING_GZIP_INIT = {
  status: 200,
  headers: { ...LISTING_INIT.headers, "content-encoding": "gzip" },
};

/**
 * A reused listing's answer as a template to copy, and its gzipped form: null until a client that
 * accepts gzip asks for the listing, "pending" while it is compressed.
 */
interface KeptListing {
  plain: Response;
  gzip: Response | "pending" | null;
}

/** A listing's response, typed as the route's 200 answer. */
function listingAnswer(res: Response) {
  return res as unknown as TypedResponse<z.infer<typeof SlotsResponse>, 200, "json">;
}

export function doctorRoutes(
  deps: AppDeps,
  security: Pick<SecurityHeaders, "copy" | "response">,
) {
  const app = router();
  /**
   * Each reused listing's answer, kept while the listing is (calendar_view.ts memoises it per
   * calendar version) and sent as a copy with the security headers already set. A listing is
   * marked null at its first answer and kept from its second: most are answered once (a doctor
   * and day looked at once, or a listing a hold outdates next), and a kept answer costs ~1.5 KB
   * beside its body (issue 15, RSS). A kept listing is gzipped once, when a client that accepts
   * gzip first asks for it (~0.15 ms for a week, src/http/gzip.ts; that answer is still plain),
   * and from then on sent gzipped to such clients (~0.7 KB instead of ~7.9); to others, plain.
   */
  const listingResponses = new WeakMap<SlotListing, KeptListing | null>();
  const compress = (listing: SlotListing, kept: KeptListing) => {
    kept.gzip = "pending";
    gzip(listing.json).then(
      (body) => kept.gzip = security.response(body, LISTING_GZIP_INIT),
      // Never expected (a string compressed in memory); the listing stays plain.
      (error) => deps.log.warn("slot listing not gzipped", errorFields(error)),
    );
  };
  const auth = authenticate(deps.tokens);
  const idem = idempotencyFor(deps);
  /** An admin's change to a doctor, in the audit trail (apps built without events have none). */
  const audited = async (user: AuthUser, action: AuditAction, doctorId: string) => {
    if (deps.events) await auditChangeBy(deps.events.audit, user, action, { doctorId });
  };

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/admin/doctors",
      tags: ["doctors"],
      summary: "Register a doctor",
      security: bearer,
      middleware: [auth, authorize("doctors.create"), idem] as const,
      request: jsonBody(DoctorCreate),
      responses: {
        201: jsonResponse(DoctorSchema, "Registered"),
        400: problems[400],
        401: problems[401],
        403: problems[403],
        409: problems[409],
      },
    }),
    async (c) => {
      const doctor = await deps.doctors.create(c.req.valid("json"));
      await audited(c.get("user"), "doctor.create", doctor.id);
      return c.json(doctor, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/admin/doctors",
      operationId: "listDoctorsAsAdmin",
      tags: ["doctors"],
      summary: "Every doctor, or only deactivated (`active=false`) or active ones, for operators",
      description:
        "Not cached, so a deactivation just made is listed. Public profile fields only " +
        "(no phone), and no patient data.",
      security: bearer,
      middleware: [auth, authorize("doctors.list")] as const,
      request: { query: AdminDoctorListQuery },
      responses: {
        200: jsonResponse(DoctorPage, "A page of doctors, in registration order"),
        400: problems[400],
        401: problems[401],
        403: problems[403],
      },
    }),
    async (c) => {
      const { limit, cursor, active, ...filter } = c.req.valid("query");
      const scope = active === undefined ? undefined : active === "true";
      return c.json(await deps.doctors.listForAdmin(filter, scope, limit, cursor), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/v1/admin/doctors/{id}",
      tags: ["doctors"],
      summary: "Change a doctor's profile",
      security: bearer,
      middleware: [auth, authorize("doctors.update")] as const,
      request: { params: IdParam, ...jsonBody(DoctorPatch) },
      responses: {
        200: jsonResponse(DoctorSchema, "Updated"),
        400: problems[400],
        401: problems[401],
        403: problems[403],
        404: problems[404],
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const doctor = await deps.doctors.update(id, c.req.valid("json"));
      await audited(c.get("user"), "doctor.update", id);
      return c.json(doctor, 200);
    },
  );

  for (const [verb, active] of [["deactivate", false], ["reactivate", true]] as const) {
    app.openapi(
      createRoute({
        method: "post",
        path: `/v1/admin/doctors/{id}/${verb}`,
        operationId: `${verb}Doctor`,
        tags: ["doctors"],
        summary: active
          ? "Put a deactivated doctor back in search and booking"
          : "Take a doctor off the platform: out of search, no new holds or bookings",
        description: active
          ? "Idempotent: an active doctor is answered as is (and not audited again)."
          : "Idempotent. Listing, holding, confirming a hold placed before (which removes it), " +
            "moving onto and courses with the doctor then answer 409 `doctor_inactive`. " +
            "Existing appointments stay as they are (the patient may still view and cancel " +
            "them; the doctor may still see and record them).",
        security: bearer,
        middleware: [auth, authorize("doctors.update")] as const,
        request: { params: IdParam },
        responses: {
          200: jsonResponse(DoctorSchema, active ? "Active" : "Deactivated"),
          401: problems[401],
          403: problems[403],
          404: problems[404],
        },
      }),
      async (c) => {
        const { id } = c.req.valid("param");
        const { doctor, changed } = await deps.doctors.setActive(id, active);
        if (changed) await audited(c.get("user"), `doctor.${verb}`, id);
        return c.json(doctor, 200);
      },
    );
  }

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/doctors",
      operationId: "listDoctors",
      tags: ["doctors"],
      summary: "Search doctors",
      request: { query: DoctorListQuery },
      responses: {
        200: {
          ...jsonResponse(DoctorPage, "A page of doctors"),
          links: {
            getDoctor: linkTo("getDoctor", "/items/0/id", "The first doctor's profile"),
            listSlots: linkTo("listSlots", "/items/0/id", "The first doctor's bookable slots"),
          },
        },
        400: problems[400],
      },
    }),
    async (c) => {
      const { limit, cursor, ...filter } = c.req.valid("query");
      return c.json(await deps.doctors.search(filter, limit, cursor), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/doctors/{id}",
      operationId: "getDoctor",
      tags: ["doctors"],
      summary: "A doctor's public profile",
      request: { params: IdParam },
      responses: {
        200: {
          ...jsonResponse(DoctorSchema, "The doctor"),
          links: { listSlots: linkTo("listSlots", "/id", "This doctor's bookable slots") },
        },
        404: problems[404],
      },
    }),
    async (c) => c.json(await deps.doctors.get(c.req.valid("param").id), 200),
  );

  app.openapi(
    createRoute({
      method: "put",
      path: "/v1/doctors/{id}/availability",
      tags: ["doctors"],
      summary: "Set weekly hours, overrides and booking policy",
      security: bearer,
      middleware: [auth, authorize("doctors.setAvailability")] as const,
      request: { params: IdParam, ...jsonBody(AvailabilityBody) },
      responses: {
        200: jsonResponse(DoctorSchema, "Saved"),
        400: problems[400],
        401: problems[401],
        403: problems[403],
        404: problems[404],
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const user = c.get("user");
      deps.doctors.assertCanManage(user, id);
      const doctor = await deps.doctors.setAvailability(id, c.req.valid("json"));
      // A doctor's own hours are theirs to set; an admin setting them acts for the doctor.
      if (user.role === "admin") await audited(user, "doctor.availability_set", id);
      return c.json(doctor, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/doctors/{id}/slots",
      operationId: "listSlots",
      tags: ["doctors"],
      summary: "Bookable slots between two of the doctor's calendar days",
      request: { params: IdParam, query: SlotsQuery },
      responses: {
        200: {
          ...jsonResponse(SlotsResponse, "Bookable slots"),
          links: {
            holdSlot: {
              operationId: "holdSlot",
              requestBody: {
                doctorId: "$response.body#/doctorId",
                start: "$response.body#/slots/0/start",
              },
              description: "Hold the first bookable slot",
            },
          },
        },
        400: problems[400],
        404: problems[404],
        409: problems[409],
      },
    }),
    async (c) => {
      const { from, to } = c.req.valid("query");
      const listing = await deps.booking.listSlots(c.req.valid("param").id, from, to);
      const kept = listingResponses.get(listing);
      if (kept) {
        let template = kept.plain;
        if (acceptsGzip(c.req.header("accept-encoding"))) {
          if (kept.gzip === null) compress(listing, kept);
          else if (kept.gzip !== "pending") template = kept.gzip;
        }
        return listingAnswer(security.copy(template));
      }
      // The same bytes and header as c.json(body, 200). (A string, not bytes: a byte body is
      // copied per response, a string is encoded straight into it.)
      const answer = security.response(listing.json, LISTING_INIT);
      if (kept === undefined) {
        listingResponses.set(listing, null);
        return listingAnswer(answer);
      }
      listingResponses.set(listing, { plain: answer, gzip: null });
      return listingAnswer(security.copy(answer));
    },
  );

  return app;
}
