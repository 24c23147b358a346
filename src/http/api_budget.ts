/**
 * The per-request budget every API surface shares (/v1 and /fhir): a time limit, and the per-IP
 * and per-user rate limits (skipped when RATE_LIMIT_DISABLED). One client has one allowance,
 * whichever surface it calls.
 */
import type { Env, MiddlewareHandler } from "hono";
import type { AppDeps } from "../app_deps.ts";
import type { Config } from "../config/config.ts";
import { AppError, ServiceUnavailableError } from "../errors.ts";
import type { AppEnv } from "./app_env.ts";
import { rateLimit } from "./rate_limit.ts";
import { requestTimeout } from "./request_timeout.ts";
import { userRateLimit } from "./user_rate_limit.ts";

/** Like every 503, a timeout says when to try again (the document declares Retry-After on 503). */
function retryAfterSeconds(config: Pick<Config, "REQUEST_TIMEOUT_MS">): number {
  return Math.max(1, Math.ceil(config.REQUEST_TIMEOUT_MS / 1000));
}

/**
 * The time limit alone (REQUEST_TIMEOUT_MS), for the POSTs outside the API's budget: the booking
 * and doctor pages and the Twilio callback. Without it a body sent a byte at a time kept the
 * request open for as long as the client liked (tests/http/slow_body_test.ts). It fails with a
 * `ServiceUnavailableError`, which the pages render as their own 503 page.
 */
export function timeLimit<E extends Env = AppEnv>(
  config: Pick<Config, "REQUEST_TIMEOUT_MS">,
): MiddlewareHandler<E> {
  const retryAfter = retryAfterSeconds(config);
  return requestTimeout<E>(
    config.REQUEST_TIMEOUT_MS,
    () =>
      new ServiceUnavailableError("The request took too long; retry later", {
        retryAfterSeconds: retryAfter,
      }),
  );
}

export function apiBudget(deps: AppDeps): MiddlewareHandler<AppEnv>[] {
  const { config } = deps;
  const retryAfter = String(retryAfterSeconds(config));
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
