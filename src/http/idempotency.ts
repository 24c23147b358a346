/**
 * `Idempotency-Key` on the POSTs and PATCHes that create or change something: the first answer
 * (with its `ETag`, if any) is stored (24 h by default) and replayed for a retry with the same key and the same body; the same key with a
 * different body is 422 `idempotency_conflict`; a retry while the first is still running is 409
 * `request_in_progress`. Server errors and 412s are not stored, so a retry after a 5xx, or one
 * that read the appointment again after a stale `If-Match`, runs again; an answer that could not
 * be stored is still given.
 */
import type { MiddlewareHandler } from "hono";
import { sha256Base64Url } from "../crypto/keyed_hash.ts";
import { AppError, IdempotencyConflictError, ValidationError } from "../errors.ts";
import { idempotencyScope, type IdempotencyStore } from "../stores/kv/idempotency_store.ts";
import type { AppEnv } from "./app_env.ts";
import type { AppDeps } from "../app_deps.ts";

const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;
/**
 * Bytes of scope (user, method, path) an answer is stored under: with the key, well inside a KV
 * key's 2 KiB. Every route's own path is far shorter; a longer one is a bad id its route refuses.
 */
const MAX_SCOPE_BYTES = 1024;

function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** Every middleware `idempotency` made: routes/_openapi.ts documents the header from it. */
const IDEMPOTENCY_MIDDLEWARE = new WeakSet<MiddlewareHandler<AppEnv>>();

/** Whether `handler` is an idempotency middleware, so its route takes `Idempotency-Key`. */
export function isIdempotencyMiddleware(handler: unknown): boolean {
  return typeof handler === "function" &&
    IDEMPOTENCY_MIDDLEWARE.has(handler as MiddlewareHandler<AppEnv>);
}

export function idempotency(
  store: IdempotencyStore,
  ttlMs: number,
  now: () => number,
): MiddlewareHandler<AppEnv> {
  const middleware: MiddlewareHandler<AppEnv> = async function idempotencyMiddleware(c, next) {
    const key = c.req.header("idempotency-key");
    if (key === undefined) return await next();
    if (!KEY_FORMAT.test(key)) {
      throw new ValidationError("Idempotency-Key must be 1–255 visible ASCII characters");
    }
    const scope = idempotencyScope(c.get("user")?.id ?? "anon", c.req.method, c.req.path);
    // This runs before the route checks its path: too long for a KV key, it is that route's 400.
    if (scope.length > MAX_SCOPE_BYTES / 3 && utf8Bytes(scope) > MAX_SCOPE_BYTES) {
      throw new ValidationError("The request path is too long");
    }
    const fingerprint = await sha256Base64Url(await c.req.text());
    const begun = await store.begin(scope, key, fingerprint, now());
    if (begun.kind === "mismatch") throw new IdempotencyConflictError();
    if (begun.kind === "in_progress") {
      throw new AppError(
        409,
        "request_in_progress",
        "Request in progress",
        "A request with this Idempotency-Key is still running; retry shortly",
        { headers: { "Retry-After": "1" } },
      );
    }
    if (begun.kind === "replay") {
      const r = begun.record;
      const headers: Record<string, string> = {
        "Content-Type": r.contentType,
        "Idempotent-Replayed": "true",
      };
      if (r.etag) headers.ETag = r.etag;
      return new Response(r.body || null, { status: r.status, headers });
    }
    try {
      await next();
    } catch (err) {
      // Only if the error handler itself failed: the request may run again on a retry.
      await store.abandon(scope, key);
      throw err;
    }
    // A thrown domain error has already become its problem response here (Hono's compose runs
    // app.onError where the handler threw), so 4xx answers are stored and replayed like 2xx.
    // A 412 changed nothing and asks the client to read again and retry: with the same key (one
    // intent) and its new `If-Match`, the retry must run, not meet the stale 412 for a day.
    if (c.res.status >= 500 || c.res.status === 412) {
      await store.abandon(scope, key);
      return;
    }
    const body = await c.res.clone().text();
    const etag = c.res.headers.get("etag");
    try {
      await store.finish(scope, key, {
        fingerprint,
        state: "done",
        status: c.res.status,
        body,
        contentType: c.res.headers.get("content-type") ?? "application/json",
        ...(etag ? { etag } : {}),
        expiresAtMs: now() + ttlMs,
      }, ttlMs);
    } catch {
      // The work is done (a hold placed, its code sent): its answer goes out even when storing it
      // failed (a KV deadline; the write may still land). Answered 503, the client would retry and
      // meet its own work as a conflict, never learning the hold it was sent a code for. Unstored,
      // the pending mark holds a retry off until it lapses, as after a crash.
    }
  };
  IDEMPOTENCY_MIDDLEWARE.add(middleware);
  return middleware;
}

/** The idempotency middleware as every route file uses it: the app's store, TTL and clock. */
export function idempotencyFor(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return idempotency(
    deps.idempotencyStore,
    deps.config.IDEMPOTENCY_TTL_HOURS * 3_600_000,
    deps.now,
  );
}
