/**
 * The Upstash Redis side of the shared short-lived state (open_shared_state.ts chooses it when
 * UPSTASH_REDIS_REST_URL is set): the connection, the ephemeral store, the rate limiter and the
 * read cache, all on one REST client. Kept in its own module so the Upstash SDKs load only when
 * configured: open_shared_state.ts imports it dynamically, and the embedded default never does
 * (tests/unit/startup_graph_test.ts).
 */
import { cacheDoctorService, DOCTORS_TTL_MS } from "../../cache/cached_services.ts";
import { createReadThrough } from "../../cache/read_through.ts";
import { createUpstashCache } from "../../cache/upstash_cache.ts";
import type { Config } from "../../config/config.ts";
import type { Logger } from "../../observability/logger.ts";
import type { AppMetrics } from "../../observability/metrics.ts";
import { failOpenRateLimiter } from "../../ratelimit/fail_open.ts";
import { disabledRateLimiter } from "../../ratelimit/rate_limiter.ts";
import { createUpstashRateLimiter } from "../../ratelimit/upstash_rate_limiter.ts";
import type { SharedState } from "../open_shared_state.ts";
import type { UpstashConnection } from "./client.ts";
import { createUpstashEphemeralStore } from "./ephemeral_store.ts";

/** Every piece of shared state on Upstash Redis, over `conn`. */
export function upstashSharedState(
  config: Config,
  conn: UpstashConnection,
  log: Logger,
  now: () => number,
  metrics?: AppMetrics,
): SharedState {
  const ephemeral = createUpstashEphemeralStore(conn);
  const upstashLimiter = createUpstashRateLimiter(conn);
  const cache = createReadThrough(createUpstashCache(conn), log, {
    bypassMs: DOCTORS_TTL_MS,
    now,
    onLookup: (namespace, outcome) =>
      metrics?.cacheLookups.inc({ namespace: namespace.split(":")[0], outcome }),
  });
  log.info("rate limits, OTP state and caches in Upstash Redis", {
    timeoutMs: config.REDIS_TIMEOUT_MS,
  });
  return {
    ephemeral,
    limiter: config.RATE_LIMIT_DISABLED ? disabledRateLimiter : upstashLimiter,
    apiLimiter: failOpenRateLimiter(upstashLimiter, log, { now }),
    cacheDoctors: (doctors) => cacheDoctorService(doctors, cache),
    readiness: { redis: () => ephemeral.ping() },
  };
}
