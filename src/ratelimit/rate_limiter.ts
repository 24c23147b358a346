/**
 * The rate-limit port and its embedded adapter: fixed windows on the ephemeral store, shared by
 * every instance on the same KV (OTP limits and the per-request API limits alike; there is no
 * per-process limiter, since several instances would each grant the whole allowance). Upstash's
 * limiter implements the same port in production.
 */
import type { EphemeralStore } from "../stores/ports.ts";

export interface RateLimitRule {
  name: string;
  limit: number;
  windowMs: number;
}

export interface RateLimitResult {
  allowed: boolean;
  limit: number;
  remaining: number;
  resetAtMs: number;
}

export interface RateLimiter {
  check(rule: RateLimitRule, key: string): Promise<RateLimitResult>;
}

export function createStoreRateLimiter(store: EphemeralStore, now = () => Date.now()): RateLimiter {
  return {
    async check(rule, key) {
      const window = Math.floor(now() / rule.windowMs);
      const resetAtMs = (window + 1) * rule.windowMs;
      // Capped at the limit: a flood past it writes nothing, so it cannot contend the store.
      const count = await store.increment(
        `rl:${rule.name}:${key}:${window}`,
        rule.windowMs,
        rule.limit,
      );
      return {
        allowed: count <= rule.limit,
        limit: rule.limit,
        remaining: Math.max(0, rule.limit - count),
        resetAtMs,
      };
    },
  };
}

/** Lets everything through: only for load tests, refused in production by config. */
export const disabledRateLimiter: RateLimiter = {
  check: (rule) =>
    Promise.resolve({ allowed: true, limit: rule.limit, remaining: rule.limit, resetAtMs: 0 }),
};

/** The `RateLimit-*` headers (IETF draft) for a result. */
export function rateLimitHeaders(r: RateLimitResult, nowMs: number): Record<string, string> {
  return {
    "RateLimit-Limit": String(r.limit),
    "RateLimit-Remaining": String(r.remaining),
    "RateLimit-Reset": String(Math.max(0, Math.ceil((r.resetAtMs - nowMs) / 1000))),
  };
}
