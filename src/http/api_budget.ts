/**
 * The per-request budget every API surface shares (/v1 and /fhir): a time limit, and the per-IP
 * and per-user rate limits (skipped when RATE_LIMIT_DISABLED). One client has one allowance,
 * whichever surface it calls.
 */
import type { MiddlewareHandler } from "hono";
import type { AppDeps } from "../app_deps.ts";
import { AppError } from "../errors.ts";
import type { AppEnv } from "./app_env.ts";
import { rateLimit } from "./rate_limit.ts";
import { requestTimeout } from "./request_timeout.ts";
import { userRateLimit } from "./user_rate_limit.ts";

export function apiBudget(deps: AppDeps): MiddlewareHandler<AppEnv>[] {
  const { config } = deps;
  // Like every 503, it says when to try again (the document declares Retry-After on 503).
  const retryAfter = String(Math.max(1, Math.ceil(config.REQUEST_TIMEOUT_MS / 1000)));
  const timeLimit = requestTimeout(
    config.REQUEST_TIMEOUT_MS,
    () =>
      new AppError(503, "timeout", "Timed out", "The request took too long; retry later", {
        headers: { "Retry-After": retryAfter },
      }),
  );
  if (config.RATE_LIMIT_DISABLED) return [timeLimit];
  return [
    timeLimit,
    rateLimit(
      deps.apiLimiter,
      { name: "api_ip", limit: config.API_REQUESTS_PER_MINUTE_PER_IP, windowMs: 60_000 },
      (c) => c.get("clientIp"),
      deps.now,
    ),
    userRateLimit(
      deps.tokens,
      deps.apiLimiter,
      { name: "api_user", limit: config.API_REQUESTS_PER_MINUTE_PER_USER, windowMs: 60_000 },
      deps.now,
    ),
  ];
}
