/** Liveness, readiness, metrics, the OpenAPI document and its explorer, and the dev outbox. */
import { createRoute } from "@hono/zod-openapi";
import { swaggerUI } from "@hono/swagger-ui";
import { z } from "@hono/zod-openapi";
import type { AppDeps } from "../src/app_deps.ts";
import { NotFoundError } from "../src/errors.ts";
import { errorFields } from "../src/observability/logger.ts";
import { OutboxQuery } from "../src/http/schemas.ts";
import { jsonResponse, problems, router } from "./_openapi.ts";

const OutboxResponse = z.object({
  messages: z.array(z.object({
    to: z.string(),
    body: z.string(),
    code: z.string().nullable(),
    channel: z.string(),
    sentAt: z.string(),
  })),
}).openapi("Outbox");

export function systemRoutes(deps: AppDeps) {
  const app = router();

  app.get("/healthz", (c) => c.json({ status: "ok" }));

  app.get("/readyz", async (c) => {
    const checks: Record<string, string> = {};
    let ready = true;
    await Promise.all(
      Object.entries(deps.readiness).map(async ([name, check]) => {
        try {
          await check();
          checks[name] = "ok";
        } catch (err) {
          ready = false;
          checks[name] = "unavailable";
          deps.log.warn("readiness check failed", { check: name, ...errorFields(err) });
        }
      }),
    );
    return c.json({ status: ready ? "ready" : "unavailable", checks }, ready ? 200 : 503);
  });

  app.get("/metrics", (c) => {
    return c.text(deps.metrics.registry.render(), 200, {
      "Content-Type": "text/plain; version=0.0.4; charset=utf-8",
    });
  });

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

  app.get("/docs", swaggerUI({ url: "/openapi.json" }));
  return app;
}
