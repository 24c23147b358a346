/**
 * The rate-limit port on `@upstash/ratelimit`, shared by every instance in every region.
 *
 * Sliding window, not fixed: a fixed hourly window lets a client spend the limit at 10:59 and
 * again at 11:00 (twice the limit in a minute — ten SMS instead of five for one phone), while the
 * sliding window weights the previous window and costs the same one script call. A refused
 * request does not count, so a client that keeps retrying is not locked out longer.
 *
 * | Redis key                              | value   | expiry       |
 * | -------------------------------------- | ------- | ------------ |
 * | `vaidya:rl:<rule>:<key>:<windowIndex>` | counter | 2 windows+1s |
 *
 * One `Ratelimit` per rule (cached by name, limit and window). No ephemeral cache (every decision
 * comes from Redis) and no `timeout` fail-open inside the library: failures surface as 503
 * `ServiceUnavailableError`, and the caller decides — OTP limits fail closed, the general API
 * limit wraps this in `failOpenRateLimiter`.
 */
import { Ratelimit } from "@upstash/ratelimit";
import { redisCall, type UpstashConnection } from "../stores/upstash/client.ts";
import type { RateLimiter, RateLimitRule } from "./rate_limiter.ts";

export const RATE_LIMIT_PREFIX = "vaidya:rl";

export function createUpstashRateLimiter(conn: UpstashConnection): RateLimiter {
  const limiters = new Map<string, Ratelimit>();

  function limiterFor(rule: RateLimitRule): Ratelimit {
    const id = `${rule.name}:${rule.limit}:${rule.windowMs}`;
    let limiter = limiters.get(id);
    if (!limiter) {
      limiter = new Ratelimit({
        redis: conn.redis,
        limiter: Ratelimit.slidingWindow(rule.limit, `${rule.windowMs} ms`),
        prefix: `${RATE_LIMIT_PREFIX}:${rule.name}`,
        analytics: false,
        ephemeralCache: false,
        timeout: 0,
      });
      limiters.set(id, limiter);
    }
    return limiter;
  }

  return {
    async check(rule, key) {
      const limiter = limiterFor(rule);
      const res = await redisCall(
        conn,
        `check the ${rule.name} rate limit`,
        () => limiter.limit(key),
      );
      return {
        allowed: res.success,
        limit: res.limit,
        remaining: res.remaining,
        resetAtMs: res.reset,
      };
    },
  };
}
