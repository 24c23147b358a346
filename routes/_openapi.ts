/** Shared pieces for declaring routes: problem responses and JSON bodies in OpenAPI terms. */
import { OpenAPIHono, type z } from "@hono/zod-openapi";
import type { AppEnv } from "../src/http/app_env.ts";
import { ProblemSchema } from "../src/http/schemas.ts";
import { validationHook } from "../src/http/validation.ts";

export function router(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
}

export function jsonBody<T extends z.ZodType>(schema: T) {
  return { body: { content: { "application/json": { schema } }, required: true } };
}

export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { content: { "application/json": { schema } }, description };
}

const problem = (description: string) => ({
  content: { "application/problem+json": { schema: ProblemSchema } },
  description,
});

export const problems = {
  400: problem("Invalid input (validation_failed)"),
  401: problem("Missing or invalid token (unauthenticated)"),
  403: problem("Role not allowed (forbidden)"),
  404: problem("Unknown or foreign id (not_found)"),
  409: problem("Conflict (slot_unavailable, hold_limit_reached, invalid_state, ...)"),
  410: problem("Hold expired (hold_expired)"),
  422: problem("Refused (invalid_code, idempotency_conflict, policy codes)"),
  429: problem("Rate limited (rate_limited), with Retry-After"),
  503: problem("A dependency is unavailable; retry later"),
};

export const bearer = [{ bearerAuth: [] }];
