/**
 * `GET /v1/dev/sleep?ms=` answers 200 after `ms` milliseconds: a slow request for the graceful
 * shutdown test. Mounted only when APP_ENV=test (see routes/system.ts); never in production. On
 * plain Hono like the system routes; described in routes/system_openapi.ts.
 */
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../src/http/app_env.ts";
import { withValidQuery } from "../src/http/url_validation.ts";
import type { Logger } from "../src/observability/logger.ts";

/**
 * A digit string in the query, read as a number: required, as the document says. A function, so
 * that routes/system_openapi.ts builds one it can annotate (src/http/core_schemas.ts says why).
 */
export const sleepMs = () =>
  z.string().regex(/^\d{1,4}$/, "must be 0 to 5000").transform(Number)
    .pipe(z.number().int().max(5_000, "must be 0 to 5000"));
const SleepQuery = z.object({ ms: sleepMs() });

/** `log` marks the start, so a test knows the request is in flight before it signals. */
export function devSleepRoutes(log: Logger) {
  const app = new Hono<AppEnv>();
  app.get(
    "/v1/dev/sleep",
    withValidQuery(SleepQuery, async (c, { ms }) => {
      log.info("dev sleep started", { ms });
      await new Promise((r) => setTimeout(r, ms));
      return c.json({ sleptMs: ms }, 200);
    }),
  );
  return app;
}
