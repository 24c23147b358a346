/** Liveness, readiness, metrics, the OpenAPI document and its explorer, and the dev outbox. */
import { createRoute } from "@hono/zod-openapi";
import { z } from "@hono/zod-openapi";
import type { AppDeps } from "../src/app_deps.ts";
import { NotFoundError } from "../src/errors.ts";
import { errorFields } from "../src/observability/logger.ts";
import { OutboxQuery } from "../src/http/core_schemas.ts";
import { jsonResponse, problems, router } from "./_openapi.ts";
import { docsExplorerRoutes } from "./docs_explorer.ts";
import { devSleepRoutes } from "./dev_sleep.ts";

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

/** A readiness check that does not answer in time counts as unavailable (a KV server that is down
 * makes its client retry forever; a probe must not hang with it). */
const READINESS_TIMEOUT_MS = 2_000;

function withinReadinessTimeout(check: Promise<void>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${READINESS_TIMEOUT_MS} ms`)),
      READINESS_TIMEOUT_MS,
    );
  });
  return Promise.race([check, timeout]).finally(() => clearTimeout(timer));
}

/** `GET /`: where to go next, for a person who opened the bare address in a browser. */
const HOME_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Vaidya</title></head>
<body><main><h1>Vaidya</h1><p>Ayurvedic consultations: find a doctor, hold a slot, confirm it.</p>
<ul>
<li><a href="/book">Book a consultation</a> (patients)</li>
<li><a href="/doctor">Doctor pages</a></li>
<li><a href="/docs">API explorer</a> (<a href="/openapi.json">OpenAPI document</a>)</li>
<li><a href="/healthz">Health</a></li>
</ul></main></body></html>
`;

export function systemRoutes(deps: AppDeps) {
  const app = router();

  app.openapi(
    createRoute({
      method: "get",
      path: "/",
      tags: ["system"],
      summary: "A small page linking the patient and doctor pages, the API explorer and health",
      responses: {
        200: { content: { "text/html": { schema: z.string() } }, description: "Home page" },
      },
    }),
    (c) => c.html(HOME_PAGE, 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/healthz",
      tags: ["system"],
      summary: "Liveness: the process serves HTTP",
      responses: { 200: jsonResponse(Health, "Alive") },
    }),
    (c) => c.json({ status: "ok" as const }, 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/readyz",
      tags: ["system"],
      summary: "Readiness: every store this instance needs answers",
      responses: {
        200: jsonResponse(Readiness, "Ready"),
        503: jsonResponse(Readiness, "A dependency is unavailable"),
      },
    }),
    async (c) => {
      const checks: Record<string, "ok" | "unavailable"> = {};
      let ready = true;
      await Promise.all(
        Object.entries(deps.readiness).map(async ([name, check]) => {
          try {
            await withinReadinessTimeout(check());
            checks[name] = "ok";
          } catch (err) {
            ready = false;
            checks[name] = "unavailable";
            deps.log.warn("readiness check failed", { check: name, ...errorFields(err) });
          }
        }),
      );
      return ready
        ? c.json({ status: "ready" as const, checks }, 200)
        : c.json({ status: "unavailable" as const, checks }, 503);
    },
  );

  // With METRICS_PORT, /metrics lives on its own internal listener (main.ts), not here.
  if (deps.config.METRICS_PORT === undefined) app.route("/", metricsRoutes(deps));

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/dev/outbox",
      tags: ["development"],
      summary: "Messages the console sender 'sent' (development only; 404 in production)",
      request: { query: OutboxQuery },
      responses: { 200: jsonResponse(OutboxResponse, "Newest first"), 404: problems[404] },
    }),
    async (c) => {
      if (!deps.outbox || deps.config.APP_ENV === "production") {
        throw new NotFoundError("There is no dev outbox here");
      }
      const messages = await deps.outbox(c.req.valid("query").to);
      return c.json({
        messages: messages.map(({ to, body, code, channel, sentAt }) => ({
          to,
          body,
          code,
          channel,
          sentAt,
        })),
      }, 200);
    },
  );

  app.route("/", docsExplorerRoutes());
  if (deps.config.APP_ENV === "test") app.route("/", devSleepRoutes(deps.log));
  return app;
}

/** `/metrics`: on the main app, or alone on the internal listener when METRICS_PORT is set. */
export function metricsRoutes(deps: Pick<AppDeps, "metrics">) {
  const app = router();
  app.openapi(
    createRoute({
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
    }),
    (c) => {
      const mem = Deno.memoryUsage();
      const gauge = deps.metrics.processMemory;
      gauge.set({ kind: "rss" }, mem.rss);
      gauge.set({ kind: "heap_total" }, mem.heapTotal);
      gauge.set({ kind: "heap_used" }, mem.heapUsed);
      gauge.set({ kind: "external" }, mem.external);
      return c.text(deps.metrics.registry.render(), 200, {
        "Content-Type": "text/plain; version=0.0.4; charset=utf-8",
      });
    },
  );
  return app;
}
