/**
 * Validation of a GET route's path parameters and query once per distinct URL: the route's own
 * zod schemas judge a URL the first time it is seen, and its validated values are reused while
 * it stays among the last `MAX_URLS` that passed. A GET's path and query are all its input, and
 * the schemas are pure, so the same URL always validates to the same values. What a miss does is
 * what `@hono/zod-validator` does (same input object, same hook, same 400 without a hook); a
 * failure is never kept. Zod's two validators were ~16% of a slot listing's CPU (docs/BENCHMARKS.md,
 * issue 15). The values are frozen: one request cannot change what the next one is handed.
 */
import type { z } from "@hono/zod-openapi";
import type { Context, Handler, Next } from "hono";
import type { AppEnv } from "./app_env.ts";
import { validationHook } from "./validation.ts";

/** The hook `OpenAPIHono` calls with a validation result (ours: validation.ts). */
export type ValidationResultHook = (
  result: { success: boolean; data?: unknown; error?: z.ZodError; target: string },
  // deno-lint-ignore no-explicit-any -- the hook type of @hono/zod-openapi, any route's context
  c: Context<any, any, any>,
) => unknown;

/** A route's handler as Hono calls it. */
export type RouteHandler = (c: Context<AppEnv>, next: Next) => unknown;

interface Validated {
  query?: unknown;
  param?: unknown;
}

/** Distinct URLs remembered per route; the oldest goes first. */
const MAX_URLS = 1_024;

/**
 * `handler`, run once the request's path parameters and query are validated (once per distinct
 * URL). A wrapper of the handler rather than a middleware of its own: a chain step costs each
 * request an async frame, a closure and a promise (issue 15).
 */
export function validatedOncePerUrl(
  schemas: { query?: z.ZodType; params?: z.ZodType },
  hook: ValidationResultHook,
  handler: RouteHandler,
): RouteHandler {
  if (!schemas.query && !schemas.params) {
    throw new TypeError("validatedOncePerUrl: give a query or a params schema");
  }
  const seen = new Map<string, Validated>();

  /** The values, or the response the hook (or zod-validator's rule) answers with. */
  async function validate(c: Context<AppEnv>): Promise<Validated | Response> {
    const out: Validated = {};
    const targets = [
      // The order of @hono/zod-openapi: the query's errors are reported before the path's.
      ["query", schemas.query, () => queryObject(c)],
      ["param", schemas.params, () => c.req.param()],
    ] as const;
    for (const [target, schema, read] of targets) {
      if (!schema) continue;
      const data = read();
      const result = await schema.safeParseAsync(data);
      const answer = await hook({ data, ...result, target }, c);
      if (answer instanceof Response) return answer;
      if (!result.success) return c.json(result, 400);
      out[target] = Object.freeze(result.data);
    }
    return out;
  }

  function proceed(c: Context<AppEnv>, next: Next, values: Validated) {
    if (schemas.query) c.req.addValidatedData("query", values.query as object);
    if (schemas.params) c.req.addValidatedData("param", values.param as object);
    return handler(c, next);
  }

  async function validateFirst(c: Context<AppEnv>, next: Next, url: string) {
    const validated = await validate(c);
    if (validated instanceof Response) return validated;
    if (seen.size >= MAX_URLS) seen.delete(seen.keys().next().value!);
    seen.set(url, validated);
    return await proceed(c, next, validated);
  }

  // Not async: a URL seen before goes on to the handler with no promise of its own.
  return function validatedOncePerUrlHandler(c: Context<AppEnv>, next: Next) {
    const url = c.req.url;
    const values = seen.get(url);
    return values === undefined ? validateFirst(c, next, url) : proceed(c, next, values);
  };
}

/** The query as Hono's validator hands it to zod: a repeated name becomes an array. */
function queryObject(c: Context<AppEnv>): Record<string, string | string[]> {
  return Object.fromEntries(
    Object.entries(c.req.queries()).map(([k, v]) => [k, v.length === 1 ? v[0] : v]),
  );
}

/**
 * A GET handler for a plain Hono app (the routes that answer from start-up, which do not load
 * `@hono/zod-openapi`: routes/system.ts) handed its query validated by `schema` once per URL, as
 * `router()`'s routes are, with the same hook and the same 400.
 */
export function withValidQuery<S extends z.ZodType>(
  schema: S,
  handler: (c: Context<AppEnv>, query: z.output<S>) => Response | Promise<Response>,
): Handler<AppEnv> {
  return validatedOncePerUrl(
    { query: schema },
    validationHook,
    (c) => handler(c, c.req.valid("query" as never) as z.output<S>),
  ) as Handler<AppEnv>;
}
