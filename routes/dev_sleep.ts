/**
 * `GET /v1/dev/sleep?ms=` answers 200 after `ms` milliseconds: a slow request for the graceful
 * shutdown test. Mounted only when APP_ENV=test (see routes/system.ts); never in production.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Logger } from "../src/observability/logger.ts";
import { jsonResponse, problems, router } from "./_openapi.ts";

// A digit string in the query, read as a number: required, as the document says.
const SleepQuery = z.object({
  ms: z.string().regex(/^\d{1,4}$/, "must be 0 to 5000").transform(Number)
    .pipe(z.number().int().max(5_000, "must be 0 to 5000"))
    .openapi({ type: "integer", minimum: 0, maximum: 5_000, example: 100 }),
});
const SleepResponse = z.object({ sleptMs: z.number() }).openapi("Sleep");

/** `log` marks the start, so a test knows the request is in flight before it signals. */
export function devSleepRoutes(log: Logger) {
  const app = router();
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/dev/sleep",
      tags: ["development"],
      summary: "Answer after a delay (APP_ENV=test only; for shutdown tests)",
      request: { query: SleepQuery },
      responses: { 200: jsonResponse(SleepResponse, "Slept"), 400: problems[400] },
    }),
    async (c) => {
      const { ms } = c.req.valid("query");
      log.info("dev sleep started", { ms });
      await new Promise((r) => setTimeout(r, ms));
      return c.json({ sleptMs: ms }, 200);
    },
  );
  return app;
}
