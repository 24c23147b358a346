/**
 * Liveness, readiness, metrics, the OpenAPI document's explorer, and the dev outbox: the routes
 * that answer from start-up, on plain Hono. Their OpenAPI descriptions are in
 * routes/system_openapi.ts, registered when the document is first asked for, so that start-up does
 * not load `@hono/zod-openapi` (docs/BENCHMARKS.md, issue 15); tests/http/openapi_test.ts checks
 * that every route here is described.
 */
import { Hono } from "hono";
import type { AppDeps } from "../src/app_deps.ts";
import type { AppEnv } from "../src/http/app_env.ts";
import { NotFoundError } from "../src/errors.ts";
import { errorFields } from "../src/observability/logger.ts";
import { OutboxQuery } from "../src/http/core_schemas.ts";
import { withValidQuery } from "../src/http/url_validation.ts";
import { docsExplorerRoutes } from "./docs_explorer.ts";
import { devSleepRoutes } from "./dev_sleep.ts";

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
  const app = new Hono<AppEnv>();

  app.get("/", (c) => c.html(HOME_PAGE, 200));

  app.get("/healthz", (c) => c.json({ status: "ok" as const }, 200));

  app.get("/readyz", async (c) => {
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
  });

  // With METRICS_PORT, /metrics lives on its own internal listener (main.ts), not here.
  if (deps.config.METRICS_PORT === undefined) app.route("/", metricsRoutes(deps));

  app.get(
    "/v1/dev/outbox",
    withValidQuery(OutboxQuery, async (c, { to }) => {
      if (!deps.outbox || deps.config.APP_ENV === "production") {
        throw new NotFoundError("There is no dev outbox here");
      }
      const messages = await deps.outbox(to);
      return c.json({
        messages: messages.map(({ to, body, code, channel, sentAt }) => ({
          to,
          body,
          code,
          channel,
          sentAt,
        })),
      }, 200);
    }),
  );

  app.route("/", docsExplorerRoutes());
  if (deps.config.APP_ENV === "test") app.route("/", devSleepRoutes(deps.log));
  return app;
}

/** `/metrics`: on the main app, or alone on the internal listener when METRICS_PORT is set. */
export function metricsRoutes(deps: Pick<AppDeps, "metrics">) {
  const app = new Hono<AppEnv>();
  app.get("/metrics", (c) => {
    const mem = Deno.memoryUsage();
    const gauge = deps.metrics.processMemory;
    gauge.set({ kind: "rss" }, mem.rss);
    gauge.set({ kind: "heap_total" }, mem.heapTotal);
    gauge.set({ kind: "heap_used" }, mem.heapUsed);
    gauge.set({ kind: "external" }, mem.external);
    return c.text(deps.metrics.registry.render(), 200, {
      "Content-Type": "text/plain; version=0.0.4; charset=utf-8",
    });
  });
  return app;
}
