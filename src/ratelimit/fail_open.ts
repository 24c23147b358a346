/**
 * Fail-open for limits that protect capacity, not secrets (the general per-IP and per-user API
 * limits, holds per patient): when the limiter's store is unreachable the request goes through
 * and a warning is logged. After a failure the store is not asked again for `pauseMs`, so an
 * outage costs one REDIS_TIMEOUT_MS, not one per request, and logs one line per pause, not a flood.
 * Never use it for OTP limits: those fail closed.
 */
import type { Logger } from "../observability/logger.ts";
import { errorFields } from "../observability/logger.ts";
import type { RateLimiter } from "./rate_limiter.ts";

export function failOpenRateLimiter(
  limiter: RateLimiter,
  log: Logger,
  options: { pauseMs?: number; now?: () => number } = {},
): RateLimiter {
  const pauseMs = options.pauseMs ?? 5_000;
  const now = options.now ?? (() => Date.now());
  let pausedUntil = 0;
  return {
    async check(rule, key) {
      const open = { allowed: true, limit: rule.limit, remaining: rule.limit, resetAtMs: now() };
      if (now() < pausedUntil) return open;
      try {
        return await limiter.check(rule, key);
      } catch (err) {
        pausedUntil = now() + pauseMs;
        log.warn("rate limiter unavailable; letting requests through", {
          rule: rule.name,
          pauseMs,
          ...errorFields(err),
        });
        return open;
      }
    },
  };
}
