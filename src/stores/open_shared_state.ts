/**
 * Chooses, from config, where the shared short-lived state lives — the ephemeral store (OTP code
 * hashes, attempt counters, lock-outs, cool-downs), the rate limiters and the read cache — for
 * the composition root (wire_app.ts; the connection itself is opened by bootstrap.ts through
 * `openUpstash`). Without UPSTASH_REDIS_REST_URL: all of it in
 * Deno KV, which every instance shares (a denokv server or Deno Deploy's KV), and no cache (a
 * per-process cache could not see another instance's bookings). With it: all of them on Upstash
 * Redis, the cache invalidated for every instance by namespace versions (cache/read_through.ts).
 * Nothing here lives in one process's memory, so a client has one allowance whichever instance
 * serves it.
 *
 * Failure policy: OTP limits and state fail closed (503); the API limiter fails open; the cache
 * falls back to the source of truth.
 */
import { cacheDoctorService, DOCTORS_TTL_MS } from "../cache/cached_services.ts";
import { createReadThrough } from "../cache/read_through.ts";
import { createUpstashCache } from "../cache/upstash_cache.ts";
import type { Config } from "../config/config.ts";
import type { DoctorService } from "../doctors/doctor_service.ts";
import type { Logger } from "../observability/logger.ts";
import { failOpenRateLimiter } from "../ratelimit/fail_open.ts";
import {
  createStoreRateLimiter,
  disabledRateLimiter,
  type RateLimiter,
} from "../ratelimit/rate_limiter.ts";
import { createUpstashRateLimiter } from "../ratelimit/upstash_rate_limiter.ts";
import type { EphemeralStore } from "./ports.ts";
import { createKvEphemeralStore } from "./kv/ephemeral_store.ts";
import type { AppMetrics } from "../observability/metrics.ts";
import { createUpstashConnection, type UpstashConnection } from "./upstash/client.ts";
import { createUpstashEphemeralStore } from "./upstash/ephemeral_store.ts";

export interface SharedState {
  ephemeral: EphemeralStore;
  /** OTP send and check limits: fail closed. */
  limiter: RateLimiter;
  /** General API limits (per IP, per user, holds per patient): fail open. */
  apiLimiter: RateLimiter;
  cacheDoctors(doctors: DoctorService): DoctorService;
  readiness: Record<string, () => Promise<void>>;
}

/** The Upstash connection when UPSTASH_REDIS_REST_URL and its token are set (bootstrap.ts). */
export function openUpstash(config: Config): UpstashConnection | undefined {
  if (!config.UPSTASH_REDIS_REST_URL || !config.UPSTASH_REDIS_REST_TOKEN) return undefined;
  return createUpstashConnection({
    url: config.UPSTASH_REDIS_REST_URL,
    token: config.UPSTASH_REDIS_REST_TOKEN,
    timeoutMs: config.REDIS_TIMEOUT_MS,
  });
}

export function sharedState(
  config: Config,
  kv: Deno.Kv,
  conn: UpstashConnection | undefined,
  log: Logger,
  now: () => number,
  metrics?: AppMetrics,
): SharedState {
  if (!conn) {
    const ephemeral = createKvEphemeralStore(kv, now);
    return {
      ephemeral,
      limiter: config.RATE_LIMIT_DISABLED
        ? disabledRateLimiter
        : createStoreRateLimiter(ephemeral, now),
      apiLimiter: failOpenRateLimiter(createStoreRateLimiter(ephemeral, now), log, { now }),
      cacheDoctors: (doctors) => doctors,
      readiness: {},
    };
  }
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
