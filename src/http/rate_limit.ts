/**
 * General API rate limits, per client IP before authentication and per user after it. A 429
 * carries `Retry-After` and the `RateLimit-*` headers; allowed answers carry `RateLimit-*` too.
 */
import type { MiddlewareHandler } from "hono";
import { RateLimitedError } from "../errors.ts";
import {
  type RateLimiter,
  rateLimitHeaders,
  type RateLimitRule,
} from "../ratelimit/rate_limiter.ts";
import type { AppEnv } from "./app_env.ts";

/** Holds a patient may start per hour, counted once for the API and the booking pages alike. */
export function holdsPerPatientRule(config: { HOLDS_PER_PATIENT_PER_HOUR: number }): RateLimitRule {
  return {
    name: "holds_per_patient",
    limit: config.HOLDS_PER_PATIENT_PER_HOUR,
    windowMs: 3_600_000,
  };
}

export function rateLimit(
  limiter: RateLimiter,
  rule: RateLimitRule,
  keyOf: (c: Parameters<MiddlewareHandler<AppEnv>>[0]) => string | undefined,
  now: () => number,
): MiddlewareHandler<AppEnv> {
  return async function rateLimitMiddleware(c, next) {
    const key = keyOf(c);
    if (key === undefined) return await next();
    const result = await limiter.check(rule, key);
    const headers = rateLimitHeaders(result, now());
    if (!result.allowed) {
      throw new RateLimitedError((result.resetAtMs - now()) / 1000, "Too many requests", headers);
    }
    await next();
    // An inner limit (per user, per phone) already told the client its own, tighter numbers.
    if (c.res.headers.has("RateLimit-Limit")) return;
    for (const [k, v] of Object.entries(headers)) c.res.headers.set(k, v);
  };
}
