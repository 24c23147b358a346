/**
 * The OpenAPI descriptions of the routes that answer from start-up (routes/system.ts,
 * routes/dev_sleep.ts, declared on plain Hono so that start-up does not load `@hono/zod-openapi`).
 * Registered first when the document is first asked for, in the order the routes are declared,
 * exactly as an `OpenAPIHono` of theirs would have registered them (docs/BENCHMARKS.md, issue 15).
 */
import { createRoute, OpenAPIHono, type RouteConfig, z } from "@hono/zod-openapi";
import type { Config } from "../src/config/config.ts";
import type { AppEnv } from "../src/http/app_env.ts";
import { DescribedOutboxQuery } from "../src/http/schemas.ts";
import { jsonResponse, problems } from "./_openapi.ts";
import { sleepMs } from "./dev_sleep.ts";

const Health = z.object({ status: z.literal("ok") }).openapi("Health");
const Readiness = z.object({
  status: z.enum(["ready", "unavailable"]),
  checks: z.record(z.string(), z.enum(["ok", "unavailable"])),
}).openapi("Readiness");

const OutboxResponse = z.object({
  messages: z.array(z.object({
    to: z.string(),
    body: z.string(),
    code: z.string().nullable(),
    channel: z.string(),
    sentAt: z.string(),
  })),
}).openapi("Outbox");

const SleepResponse = z.object({ sleptMs: z.number() }).openapi("Sleep");

const home = createRoute({
  method: "get",
  path: "/",
  tags: ["system"],
  summary: "A small page linking the patient and doctor pages, the API explorer and health",
  responses: {
    200: { content: { "text/html": { schema: z.string() } }, description: "Home page" },
  },
});

const healthz = createRoute({
  method: "get",
  path: "/healthz",
  tags: ["system"],
  summary: "Liveness: the process serves HTTP",
  responses: { 200: jsonResponse(Health, "Alive") },
});

const readyz = createRoute({
  method: "get",
  path: "/readyz",
  tags: ["system"],
  summary: "Readiness: every store this instance needs answers",
  responses: {
    200: jsonResponse(Readiness, "Ready"),
    503: jsonResponse(Readiness, "A dependency is unavailable"),
  },
});

const metrics = createRoute({
  method: "get",
  path: "/metrics",
  tags: ["system"],
  summary: "Prometheus metrics of this instance (text exposition format 0.0.4)",
  responses: {
    200: {
      description: "Counters and histograms",
      content: { "text/plain": { schema: z.string() } },
    },
  },
});

const outbox = createRoute({
  method: "get",
  path: "/v1/dev/outbox",
  tags: ["development"],
  summary: "Messages the console sender 'sent' (development only; 404 in production)",
  request: { query: DescribedOutboxQuery },
  responses: { 200: jsonResponse(OutboxResponse, "Newest first"), 404: problems[404] },
});

const sleep = createRoute({
  method: "get",
  path: "/v1/dev/sleep",
  tags: ["development"],
  summary: "Answer after a delay (APP_ENV=test only; for shutdown tests)",
  request: {
    query: z.object({
      ms: sleepMs().openapi({ type: "integer", minimum: 0, maximum: 5_000, example: 100 }),
    }),
  },
  responses: { 200: jsonResponse(SleepResponse, "Slept"), 400: problems[400] },
});

/**
 * Registers the start-up routes' descriptions in `app`'s registry: the routes routes/system.ts
 * serves under `config`, in its order (/metrics only without METRICS_PORT, /v1/dev/sleep only
 * with APP_ENV=test).
 */
export function describeSystem(app: OpenAPIHono<AppEnv>, config: Config): void {
  const routes: RouteConfig[] = [home, healthz, readyz];
  if (config.METRICS_PORT === undefined) routes.push(metrics);
  routes.push(outbox);
  if (config.APP_ENV === "test") routes.push(sleep);
  const system = new OpenAPIHono<AppEnv>();
  for (const route of routes) system.openAPIRegistry.registerPath(route);
  app.route("/", system);
}
