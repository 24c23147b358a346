/**
 * The composition root of the HTTP app: builds the Hono app from its dependencies. It opens
 * nothing itself (see bootstrap.ts), so tests build the same app on other stores.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { Hono } from "hono";
import { cors } from "hono/cors";
import type { H, RouterRoute } from "hono/types";
import type { AppDeps } from "./app_deps.ts";
import type { AppEnv } from "./http/app_env.ts";
import { jsonBodies } from "./http/guards.ts";
import { createAllowedMethods } from "./http/allowed_methods.ts";
import { createErrorHandler, localizedProblemResponse } from "./http/problem.ts";
import { requestContext } from "./http/request_context.ts";
import { securityHeaders } from "./http/security_headers.ts";
import { clientAddress } from "./http/client_address.ts";
import { peerNetwork, trustedProxyRanges } from "./http/trusted_proxies.ts";
import { apiBudget } from "./http/api_budget.ts";
import { DeferredRouter } from "./http/deferred_router.ts";
import { metricsRoutes, systemRoutes } from "../routes/system.ts";
import { fhirRoutes } from "../routes/fhir.ts";
import {
  BOOK_ROUTES,
  DOCTOR_ROOM_PAGE_ROUTES,
  DOCTOR_UI_ROUTES,
  PATIENT_ROOM_PAGE_ROUTES,
} from "../routes/page_route_tables.ts";
import {
  APPOINTMENT_ROUTES,
  AUTH_ROUTES,
  COURSE_ROUTES,
  DOCTOR_ROUTES,
  EVENT_FEATURE_ROUTES,
  HOLD_ROUTES,
  ME_ROUTES,
  RECOMMENDATION_ROUTES,
  ROOM_ROUTES,
  TWILIO_STATUS_ROUTES,
} from "../routes/api_route_tables.ts";
import { lazyRoutes, type RouteTable } from "./http/lazy_routes.ts";
import { onDemand } from "./on_demand.ts";

/**
 * The API groups' route modules, imported on the first request to the group (src/http/lazy_routes.ts)
 * or right after the server listens (src/main.ts), whichever comes first: the server's first
 * answer does not wait for their modules and zod schemas (docs/BENCHMARKS.md, issue 15).
 */
export const API_GROUP_MODULES = {
  auth: onDemand<typeof import("../routes/auth.ts")>("routes/auth.ts"),
  doctors: onDemand<typeof import("../routes/doctors.ts")>("routes/doctors.ts"),
  holds: onDemand<typeof import("../routes/holds.ts")>("routes/holds.ts"),
  appointments: onDemand<typeof import("../routes/appointments.ts")>("routes/appointments.ts"),
  eventFeatures: onDemand<typeof import("../routes/event_features.ts")>("routes/event_features.ts"),
  me: onDemand<typeof import("../routes/me.ts")>("routes/me.ts"),
  twilioStatus: onDemand<typeof import("../routes/twilio_status.ts")>("routes/twilio_status.ts"),
  rooms: onDemand<typeof import("../routes/rooms.ts")>("routes/rooms.ts"),
  courses: onDemand<typeof import("../routes/courses.ts")>("routes/courses.ts"),
  recommendations: onDemand<typeof import("../routes/recommendations.ts")>(
    "routes/recommendations.ts",
  ),
};

/**
 * The modules imported on their first request: the pages (src/http/lazy_routes.ts), the OpenAPI
 * document's parts (routes/api_document.ts) and the API groups, in one place so
 * `main.ts --warm-up` loads them as well and the image's code cache covers them too.
 */
export const ON_DEMAND_MODULES = {
  roomPages: onDemand<typeof import("../routes/room_pages.tsx")>("routes/room_pages.tsx"),
  doctorUi: onDemand<typeof import("../routes/doctor_ui.ts")>("routes/doctor_ui.ts"),
  book: onDemand<typeof import("../routes/book.ts")>("routes/book.ts"),
  apiDocument: onDemand<typeof import("../routes/api_document.ts")>("routes/api_document.ts"),
  ...API_GROUP_MODULES,
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
  // Plain Hono: the routes that answer from start-up are declared on it, the API groups are their
  // own `OpenAPIHono`s, and the document is built on its first request (below), so start-up does
  // not load `@hono/zod-openapi` and its CommonJS converter (docs/BENCHMARKS.md, issue 15).
  const app = new Hono<AppEnv>({
    // Compiled after the first answer (src/main.ts) or on the second match, not on the first.
    router: new DeferredRouter<[H, RouterRoute]>(),
  });
  const peerOf = options.clientIp ?? (() => "127.0.0.1");
  const addressOf = clientAddress(
    config.TRUSTED_PROXY_HEADER,
    trustedProxyRanges(config, deps.log),
    (peer) =>
      deps.log.warn("TRUSTED_PROXY_HEADER ignored: the peer is not in TRUSTED_PROXY_ADDRESSES", {
        header: config.TRUSTED_PROXY_HEADER,
        peerNetwork: peerNetwork(peer),
      }),
  );
  const clientIp = (req: Request, env: unknown) => addressOf(req, peerOf(req, env));

  app.onError(createErrorHandler(deps.log));
  const allowedMethods = createAllowedMethods(() => app.routes);
  app.notFound((c) => {
    const allow = allowedMethods(c.req.path);
    const acceptLanguage = c.req.header("accept-language");
    if (allow.length > 0) {
      return localizedProblemResponse(acceptLanguage, {
        title: "Method not allowed",
        status: 405,
        detail: `${c.req.method} is not served at ${c.req.path}; use ${allow.join(", ")}`,
        code: "method_not_allowed",
        requestId: c.get("requestId"),
      }, { Allow: allow.join(", ") });
    }
    return localizedProblemResponse(acceptLanguage, {
      title: "Not found",
      status: 404,
      detail: `No route for ${c.req.method} ${c.req.path}`,
      code: "not_found",
      requestId: c.get("requestId"),
    });
  });

  const security = securityHeaders({
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
  app.use("*", requestContext(deps.log, deps.metrics, clientIp, security));
  if (config.CORS_ORIGINS.length > 0) {
    app.use(
      "/v1/*",
      cors({
        origin: config.CORS_ORIGINS,
        allowHeaders: [
          "Authorization",
          "Content-Type",
          "Idempotency-Key",
          "If-Match",
          "If-None-Match",
          "X-Request-Id",
        ],
        // ETag: what a browser client sends back as `If-Match` or `If-None-Match` (appointments).
        exposeHeaders: [
          "ETag",
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
  // The time limit first: the body check reads a chunked body itself, and one dripped a byte at a
  // time held the request open for as long as the client liked (tests/http/slow_body_test.ts).
  for (const guard of apiBudget(deps)) app.use("/v1/*", guard);
  app.use("/v1/*", jsonBodies(config.BODY_LIMIT_BYTES));

  app.route("/", systemRoutes(deps));
  // The API groups, in the order they were always mounted, each declared by its route table and
  // built on first use. Their OpenAPI descriptions join the registry, in this same order, when the
  // document is first asked for.
  const documented: (() => Promise<OpenAPIHono<AppEnv>>)[] = [];
  const group = <G extends OpenAPIHono<AppEnv>>(table: RouteTable, load: () => Promise<G>) =>
    documented.push(lazyRoutes(app, table, load));
  const groups = API_GROUP_MODULES;
  group(AUTH_ROUTES, async () => (await groups.auth()).authRoutes(deps));
  group(DOCTOR_ROUTES, async () => (await groups.doctors()).doctorRoutes(deps, security));
  group(HOLD_ROUTES, async () => (await groups.holds()).holdRoutes(deps));
  group(APPOINTMENT_ROUTES, async () => (await groups.appointments()).appointmentRoutes(deps));
  // Without events the group adds no route.
  if (deps.events) {
    group(
      EVENT_FEATURE_ROUTES,
      async () => (await groups.eventFeatures()).eventFeatureRoutes(deps),
    );
  }
  group(ME_ROUTES, async () => (await groups.me()).meRoutes(deps));
  group(TWILIO_STATUS_ROUTES, async () => (await groups.twilioStatus()).twilioStatusRoutes(deps));
  const roomPages = ON_DEMAND_MODULES.roomPages;
  const { doctorUi, rooms } = deps;
  if (rooms) {
    // Before the doctor UI: its catch-all would answer /doctor/appointments/:id/video first.
    group(ROOM_ROUTES, async () => (await groups.rooms()).roomRoutes({ ...deps, rooms }));
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
  const { courses, prakriti } = deps;
  if (courses) {
    group(COURSE_ROUTES, async () => (await groups.courses()).courseRoutes({ ...deps, courses }));
  }
  if (prakriti) {
    group(
      RECOMMENDATION_ROUTES,
      async () => (await groups.recommendations()).recommendationRoutes({ ...deps, prakriti }),
    );
  }
  // FHIR R4 (issue #10): OperationOutcome errors and its own CapabilityStatement.
  app.route("/", fhirRoutes(deps));

  // The document's own parts (the start-up routes' descriptions, FHIR, the shared contract) load
  // and register on its first request, the start-up routes first and the API groups' next, in the
  // order they are mounted: every route is registered by then, and start-up does not pay for them.
  let described: Promise<OpenAPIHono<AppEnv>> | undefined;
  app.get("/openapi.json", async (c) => {
    described ??= Promise.all([
      ON_DEMAND_MODULES.apiDocument(),
      Promise.all(documented.map((load) => load())),
    ]).then(([m, loaded]) => m.describeDocument(config, loaded)).catch((err) => {
      described = undefined; // a failed import is retried by the next request
      throw err;
    });
    const { API_DOCUMENT_INFO } = await ON_DEMAND_MODULES.apiDocument();
    return c.json((await described).getOpenAPI31Document(API_DOCUMENT_INFO));
  });
  return app;
}

export type VaidyaApp = ReturnType<typeof createApp>;

/** The internal metrics listener's app (METRICS_PORT): `/metrics` and nothing else. */
export function createMetricsApp(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.onError(createErrorHandler(deps.log));
  app.route("/", metricsRoutes(deps));
  return app;
}
