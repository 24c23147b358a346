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
 * The Upstash modules (and the @upstash SDKs) are imported only when configured, so the embedded
 * default starts without them (tests/unit/startup_graph_test.ts).
 *
 * Failure policy: OTP limits and state fail closed (503); the API limiter fails open; the cache
 * falls back to the source of truth.
 */
import type { Config } from "../config/config.ts";
import type { DoctorService } from "../doctors/doctor_service.ts";
import type { Logger } from "../observability/logger.ts";
import { failOpenRateLimiter } from "../ratelimit/fail_open.ts";
import {
  createStoreRateLimiter,
  disabledRateLimiter,
  type RateLimiter,
} from "../ratelimit/rate_limiter.ts";
import type { EphemeralStore } from "./ports.ts";
import { createKvEphemeralStore } from "./kv/ephemeral_store.ts";
import type { AppMetrics } from "../observability/metrics.ts";
import type { UpstashConnection } from "./upstash/client.ts";
import { onDemand } from "../on_demand.ts";

export interface SharedState {
  ephemeral: EphemeralStore;
  /** OTP send and check limits: fail closed. */
  limiter: RateLimiter;
  /** General API limits (per IP, per user, holds per patient): fail open. */
  apiLimiter: RateLimiter;
  cacheDoctors(doctors: DoctorService): DoctorService;
  readiness: Record<string, () => Promise<void>>;
}

/**
 * The Upstash side, imported only when configured; `src/main.ts --warm-up` imports it too, so an
 * image's code cache holds it (bootstrap.ts, CONFIGURED_ADAPTER_MODULES).
 */
export const UPSTASH_MODULES = {
  upstashClient: onDemand<typeof import("./upstash/client.ts")>("src/stores/upstash/client.ts"),
  upstashSharedState: onDemand<typeof import("./upstash/upstash_shared_state.ts")>(
    "src/stores/upstash/upstash_shared_state.ts",
  ),
};

/** The Upstash connection when UPSTASH_REDIS_REST_URL and its token are set (bootstrap.ts). */
export async function openUpstash(config: Config): Promise<UpstashConnection | undefined> {
  if (!config.UPSTASH_REDIS_REST_URL || !config.UPSTASH_REDIS_REST_TOKEN) return undefined;
  const { createUpstashConnection } = await UPSTASH_MODULES.upstashClient();
  return createUpstashConnection({
    url: config.UPSTASH_REDIS_REST_URL,
    token: config.UPSTASH_REDIS_REST_TOKEN,
    timeoutMs: config.REDIS_TIMEOUT_MS,
  });
}

/** The shared state on `conn` when bootstrap opened one, else all of it in `kv`. */
export async function sharedState(
  config: Config,
  kv: Deno.Kv,
  conn: UpstashConnection | undefined,
  log: Logger,
  now: () => number,
  metrics?: AppMetrics,
): Promise<SharedState> {
  if (conn) {
    const { upstashSharedState } = await UPSTASH_MODULES.upstashSharedState();
    return upstashSharedState(config, conn, log, now, metrics);
  }
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
