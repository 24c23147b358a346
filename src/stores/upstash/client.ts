/**
 * The one way the app talks to Upstash Redis: a REST client with telemetry and auto-pipelining
 * off (each call is its own request, so reads never overtake writes), at most one quick retry of a
 * failed fetch, and every call bounded by REDIS_TIMEOUT_MS. `redisCall` turns any failure into a
 * `ServiceUnavailableError` that names the operation but never the key (keys hold phone hashes).
 */
import { Redis } from "@upstash/redis";
import { ServiceUnavailableError } from "../../errors.ts";

export interface UpstashOptions {
  url: string;
  token: string;
  timeoutMs: number;
}

export interface UpstashConnection {
  redis: Redis;
  timeoutMs: number;
}

/** Opens nothing: the REST client connects per request. Values are JSON we encode ourselves. */
export function createUpstashConnection(options: UpstashOptions): UpstashConnection {
  const redis = new Redis({
    url: options.url,
    token: options.token,
    enableTelemetry: false,
    enableAutoPipelining: false,
    automaticDeserialization: false,
    retry: { retries: 1, backoff: () => 25 },
    // A function, so each request gets its own timer and an abort throws instead of resolving.
    signal: () => AbortSignal.timeout(options.timeoutMs),
  });
  return { redis, timeoutMs: options.timeoutMs };
}

/**
 * Runs one Redis operation within the deadline; an error, an HTTP error status or the deadline
 * becomes a 503 problem. The race also bounds operations of several requests (EVALSHA → EVAL).
 */
export async function redisCall<T>(
  conn: UpstashConnection,
  operation: string,
  fn: (redis: Redis) => Promise<T>,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${conn.timeoutMs} ms`)),
      conn.timeoutMs,
    );
  });
  try {
    return await Promise.race([fn(conn.redis), deadline]);
  } catch (err) {
    if (err instanceof ServiceUnavailableError) throw err;
    throw new ServiceUnavailableError(`Cannot ${operation}: Redis did not answer`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}
