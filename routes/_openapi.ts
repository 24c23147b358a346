/** Shared pieces for declaring routes: problem responses and JSON bodies in OpenAPI terms. */
import { OpenAPIHono, type RouteConfig, z } from "@hono/zod-openapi";
import type { AppEnv } from "../src/http/app_env.ts";
import { ProblemSchema } from "../src/http/schemas.ts";
import { validationHook } from "../src/http/validation.ts";
import {
  type RouteHandler,
  validatedOncePerUrl,
  type ValidationResultHook,
} from "../src/http/url_validation.ts";
import { isIdempotencyMiddleware } from "../src/http/idempotency.ts";

/**
 * A router for the app's routes. A GET route's path parameters and query are validated by its
 * zod schemas once per distinct URL (src/http/url_validation.ts) instead of by a validator per
 * target per request; the route is documented exactly as declared, plus the `Idempotency-Key`
 * header when its middleware includes the idempotency middleware (the one place that decides it).
 */
export function router(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const declare = app.openapi;
  type Declare = typeof declare;
  app.openapi =
    ((declared: RouteConfig, handler: Parameters<Declare>[1], hook?: Parameters<Declare>[2]) => {
      const route = withIdempotencyHeader(declared);
      const { query, params } = route.request ?? {};
      if (route.method !== "get" || route.hide || (!query && !params)) {
        return declare(route, handler, hook);
      }
      const { middleware, hide: _, ...documented } = route;
      app.openAPIRegistry.registerPath(documented);
      return declare(
        {
          ...route,
          hide: true,
          request: { ...route.request, query: undefined, params: undefined },
          middleware,
        },
        validatedOncePerUrl(
          { query, params },
          (hook as ValidationResultHook | undefined) ?? validationHook,
          handler as RouteHandler,
        ) as typeof handler,
        hook,
      );
    }) as typeof declare;
  return app;
}

export function jsonBody<T extends z.ZodType>(schema: T) {
  return { body: { content: { "application/json": { schema } }, required: true } };
}

export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { content: { "application/json": { schema } }, description };
}

const seconds = (description: string) => z.number().int().min(0).openapi({ description });
/** Sent with every 429 (`Retry-After` also with a 503 timeout); see src/http/rate_limit.ts. */
export const RETRY_AFTER = z.object({
  "Retry-After": seconds("Seconds until a retry can succeed"),
});
export const RATE_LIMIT_HEADERS = RETRY_AFTER.extend({
  "RateLimit-Limit": seconds("Requests allowed in the window").optional(),
  "RateLimit-Remaining": seconds("Requests left in the window").optional(),
  "RateLimit-Reset": seconds("Seconds until the window resets").optional(),
});

const problem = (description: string, headers?: z.ZodObject) => ({
  content: { "application/problem+json": { schema: ProblemSchema } },
  description,
  ...(headers ? { headers } : {}),
});

export const problems = {
  400: problem("Invalid input (validation_failed)"),
  401: problem("Missing or invalid token (unauthenticated)"),
  403: problem("Role not allowed (forbidden)"),
  404: problem("Unknown or foreign id (not_found)"),
  409: problem(
    "Conflict (slot_unavailable, doctor_inactive, hold_limit_reached, invalid_state, ...)",
  ),
  410: problem("Hold expired (hold_expired)"),
  412: problem("If-Match names another version; nothing changed (precondition_failed)"),
  413: problem("Body larger than the limit (payload_too_large)"),
  415: problem("Body is not application/json (unsupported_media_type)"),
  422: problem("Refused (invalid_code, idempotency_conflict, policy codes)"),
  429: problem("Rate limited (rate_limited)", RATE_LIMIT_HEADERS),
  503: problem(
    "A dependency is unavailable or the request timed out; retry later",
    RETRY_AFTER.partial(),
  ),
};

export const bearer = [{ bearerAuth: [] }];

/** The optional `Idempotency-Key` header of the operations behind the idempotency middleware. */
export const IDEMPOTENCY_KEY_PARAMETER = {
  name: "Idempotency-Key",
  in: "header",
  required: false,
  description:
    "Makes a retry safe: the same key and body replay the first answer; another body is 422",
  schema: { type: "string", minLength: 1, maxLength: 255, pattern: "^[\\x21-\\x7E]+$" },
} as const;

/** `route` with `IDEMPOTENCY_KEY_PARAMETER` if its middleware stores and replays answers. */
function withIdempotencyHeader(route: RouteConfig): RouteConfig {
  const middleware = Array.isArray(route.middleware) ? route.middleware : [route.middleware];
  if (!middleware.some(isIdempotencyMiddleware)) return route;
  return {
    ...route,
    parameters: [...(route.parameters ?? []), IDEMPOTENCY_KEY_PARAMETER] as RouteConfig[
      "parameters"
    ],
  };
}

/** An OpenAPI link to `operationId`, its `{id}` taken from this response's body at `pointer`. */
export function linkTo(operationId: string, pointer: string, description: string) {
  return { operationId, parameters: { id: `$response.body#${pointer}` }, description };
}
