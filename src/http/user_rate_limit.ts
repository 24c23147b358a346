/**
 * The general API limit per signed-in user (API_REQUESTS_PER_MINUTE_PER_USER), app-wide on
 * `/v1/*`. It runs before the route's `authenticate`, so it asks `bearerUser`, which verifies the
 * token once for both; a missing or bad token is not its business (the route answers 401), so
 * such a request is counted only by the per-IP limit. It never puts the user on the context.
 */
import type { MiddlewareHandler } from "hono";
import type { TokenService } from "../auth/token_service.ts";
import { RateLimitedError } from "../errors.ts";
import {
  type RateLimiter,
  rateLimitHeaders,
  type RateLimitRule,
} from "../ratelimit/rate_limiter.ts";
import type { AppEnv } from "./app_env.ts";
import { bearerUser } from "./auth_middleware.ts";

export function userRateLimit(
  tokens: TokenService,
  limiter: RateLimiter,
  rule: RateLimitRule,
  now: () => number,
): MiddlewareHandler<AppEnv> {
  if (rule.limit < 1) throw new RangeError(`userRateLimit: limit must be >= 1, got ${rule.limit}`);
  return async function userRateLimitMiddleware(c, next) {
    const user = await bearerUser(c, tokens).catch(() => null);
    if (!user) return await next();
    const result = await limiter.check(rule, user.id);
    const headers = rateLimitHeaders(result, now());
    if (!result.allowed) {
      throw new RateLimitedError(
        (result.resetAtMs - now()) / 1000,
        "Too many requests from this account",
        headers,
      );
    }
    await next();
    if (c.res.headers.has("RateLimit-Limit")) return;
    for (const [k, v] of Object.entries(headers)) c.res.headers.set(k, v);
  };
}
