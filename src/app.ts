/**
 * The composition root of the HTTP app: builds the Hono app from its dependencies. It opens
 * nothing itself (see bootstrap.ts), so tests build the same app on other stores.
 */
import { twilioStatusRoutes } from "../routes/twilio_status.ts";
import { OpenAPIHono } from "@hono/zod-openapi";
import { cors } from "hono/cors";
import type { AppDeps } from "./app_deps.ts";
import type { AppEnv } from "./http/app_env.ts";
import { jsonBodies } from "./http/guards.ts";
import { createAllowedMethods } from "./http/allowed_methods.ts";
import { createErrorHandler, problemResponse } from "./http/problem.ts";
import { requestContext } from "./http/request_context.ts";
import { securityHeaders } from "./http/security_headers.ts";
import { clientAddress } from "./http/client_address.ts";
import { validationHook } from "./http/validation.ts";
import { apiBudget } from "./http/api_budget.ts";
import { appointmentRoutes } from "../routes/appointments.ts";
import { authRoutes } from "../routes/auth.ts";
import { doctorRoutes } from "../routes/doctors.ts";
import { eventFeatureRoutes } from "../routes/event_features.ts";
import { holdRoutes } from "../routes/holds.ts";
import { meRoutes } from "../routes/me.ts";
import { metricsRoutes, systemRoutes } from "../routes/system.ts";
import { courseRoutes } from "../routes/courses.ts";
import { recommendationRoutes } from "../routes/recommendations.ts";
import { fhirRoutes } from "../routes/fhir.ts";
import { roomRoutes } from "../routes/rooms.ts";
import {
  BOOK_ROUTES,
  DOCTOR_ROOM_PAGE_ROUTES,
  DOCTOR_UI_ROUTES,
  PATIENT_ROOM_PAGE_ROUTES,
} from "../routes/page_route_tables.ts";
import { lazyRoutes } from "./http/lazy_routes.ts";

/**
 * The modules imported on their first request: the pages (src/http/lazy_routes.ts) and the
 * OpenAPI document's parts (routes/api_document.ts), in one place so `main.ts --warm-up` loads
 * them as well and the image's code cache covers them too.
 */
export const ON_DEMAND_MODULES = {
  rooms: () => import("../routes/room_pages.tsx"),
  doctorUi: () => import("../routes/doctor_ui.ts"),
  book: () => import("../routes/book.ts"),
  apiDocument: () => import("../routes/api_document.ts"),
};

export interface AppOptions {
  /**
   * The socket peer address of a raw request; `env` is what the server handed `app.fetch` beside
   * it (main.ts: Deno.serve's connection info).
   */
  clientIp?: (req: Request, env: unknown) => string;
}

export function createApp(deps: AppDeps, options: AppOptions = {}) {
  const { config } = deps;
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const peerOf = options.clientIp ?? (() => "127.0.0.1");
  const addressOf = clientAddress(config.TRUSTED_PROXY_HEADER);
  const clientIp = (req: Request, env: unknown) => addressOf(req, peerOf(req, env));

  app.onError(createErrorHandler(deps.log));
  const allowedMethods = createAllowedMethods(() => app.routes);
  app.notFound((c) => {
    const allow = allowedMethods(c.req.path);
    if (allow.length > 0) {
      return problemResponse({
        title: "Method not allowed",
        status: 405,
        detail: `${c.req.method} is not served at ${c.req.path}; use ${allow.join(", ")}`,
        code: "method_not_allowed",
        requestId: c.get("requestId"),
      }, { Allow: allow.join(", ") });
    }
    return problemResponse({
      title: "Not found",
      status: 404,
      detail: `No route for ${c.req.method} ${c.req.path}`,
      code: "not_found",
      requestId: c.get("requestId"),
    });
  });

  const applySecurityHeaders = securityHeaders({
    contentSecurityPolicy: [
      "default-src 'self'",
      // /docs is Swagger UI served from this origin (routes/docs_explorer.ts): no CDN is allowed.
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      "frame-ancestors 'none'",
    ].join("; "),
    strictTransportSecurity: config.APP_ENV === "production"
      ? "max-age=63072000; includeSubDomains"
      : false,
  });
  // One step for the request id, trace, access log, latency metric and security headers.
  app.use("*", requestContext(deps.log, deps.metrics, clientIp, applySecurityHeaders));
  if (config.CORS_ORIGINS.length > 0) {
    app.use(
      "/v1/*",
      cors({
        origin: config.CORS_ORIGINS,
        allowHeaders: ["Authorization", "Content-Type", "Idempotency-Key", "X-Request-Id"],
        exposeHeaders: [
          "X-Request-Id",
          "Retry-After",
          "RateLimit-Limit",
          "RateLimit-Remaining",
          "RateLimit-Reset",
        ],
        maxAge: 600,
      }),
    );
  }
  app.use("/v1/*", jsonBodies(config.BODY_LIMIT_BYTES));
  for (const guard of apiBudget(deps)) app.use("/v1/*", guard);

  app.route("/", systemRoutes(deps));
  app.route("/", authRoutes(deps));
  app.route("/", doctorRoutes(deps));
  app.route("/", holdRoutes(deps));
  app.route("/", appointmentRoutes(deps));
  app.route("/", eventFeatureRoutes(deps));
  app.route("/", meRoutes(deps));
  app.route("/", twilioStatusRoutes(deps));
  const roomPages = ON_DEMAND_MODULES.rooms;
  const { doctorUi, rooms } = deps;
  if (rooms) {
    // Before the doctor UI: its catch-all would answer /doctor/appointments/:id/video first.
    app.route("/", roomRoutes({ ...deps, rooms }));
    lazyRoutes(
      app,
      PATIENT_ROOM_PAGE_ROUTES,
      async () => (await roomPages()).patientRoomPageRoutes(),
    );
    if (doctorUi) {
      lazyRoutes(
        app,
        DOCTOR_ROOM_PAGE_ROUTES,
        async () => (await roomPages()).doctorRoomPageRoutes({ ...deps, rooms }, doctorUi),
      );
    }
  }
  if (doctorUi) {
    lazyRoutes(
      app,
      DOCTOR_UI_ROUTES,
      async () => (await ON_DEMAND_MODULES.doctorUi()).doctorUiRoutes(deps),
    );
  }
  if (deps.bookSessions) {
    lazyRoutes(app, BOOK_ROUTES, async () => (await ON_DEMAND_MODULES.book()).bookRoutes(deps));
  }
  if (deps.courses) app.route("/", courseRoutes({ ...deps, courses: deps.courses }));
  if (deps.prakriti) app.route("/", recommendationRoutes({ ...deps, prakriti: deps.prakriti }));
  // FHIR R4 (issue #10): OperationOutcome errors and its own CapabilityStatement.
  app.route("/", fhirRoutes(deps));

  // The document's own parts (FHIR, the shared contract) load and register on its first request:
  // every route is registered by then, and start-up does not pay for them.
  let described: Promise<typeof import("../routes/api_document.ts")> | undefined;
  app.get("/openapi.json", async (c) => {
    described ??= ON_DEMAND_MODULES.apiDocument().then((m) => {
      m.describeApi(app.openAPIRegistry);
      return m;
    }).catch((err) => {
      described = undefined; // a failed import is retried by the next request
      throw err;
    });
    const { API_DOCUMENT_INFO } = await described;
    return c.json(app.getOpenAPI31Document(API_DOCUMENT_INFO));
  });
  return app;
}

export type VaidyaApp = ReturnType<typeof createApp>;

/** The internal metrics listener's app (METRICS_PORT): `/metrics` and nothing else. */
export function createMetricsApp(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>();
  app.onError(createErrorHandler(deps.log));
  app.route("/", metricsRoutes(deps));
  return app;
}
