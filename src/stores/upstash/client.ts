/**
 * The one way the app talks to Upstash Redis: a REST client with telemetry off, at most one quick
 * retry of a failed fetch, and every call bounded by REDIS_TIMEOUT_MS. `redisCall` turns any
 * failure into a `ServiceUnavailableError` that names the operation but never the key (keys hold
 * phone hashes).
 *
 * The single commands of concurrent callers share requests (`groupedRequests`): one `/pipeline`
 * request in flight at a time carries every command waiting when it goes, in call order, so a
 * command never overtakes one asked before it, and one asked after a command answered runs after
 * it. The SDK's own auto-pipelining stays off: it sends reads and writes asked together as two
 * pipelines, and a read could overtake a write.
 */
import { Redis, type Requester } from "@upstash/redis";
import { ServiceUnavailableError } from "../../errors.ts";
import { withDeadline } from "../../http/outbound_deadline.ts";
import { grouped } from "../grouped.ts";
import { reworded } from "../../observability/logger.ts";

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
  });
  // Every command of this client (and of `@upstash/ratelimit` on it) requests through `client`.
  const sdk = redis as unknown as { client: Requester };
  sdk.client = groupedRequests(sdk.client, options.timeoutMs);
  return { redis, timeoutMs: options.timeoutMs };
}

/**
 * Sends `req` bounded by `timeoutMs` (src/http/outbound_deadline.ts). The signal goes to the SDK
 * as a function, so an abort throws instead of resolving: typed as a signal per request, but the
 * SDK (1.39) reads a function there as it does in its config, and a signal given as is would
 * resolve an aborted request with the abort's reason as its result (the test of a request with no
 * answer holds it to throwing). A request that brings its own signal (a subscription's) keeps it.
 */
function bounded(inner: Requester, req: UpstashRequest, timeoutMs: number) {
  if (req.signal !== undefined) return inner.request(req);
  return withDeadline(timeoutMs, (abort) => {
    const signal = (() => abort) as unknown as AbortSignal;
    return inner.request({ ...req, signal });
  });
}

type UpstashRequest = Parameters<Requester["request"]>[0];
type UpstashResponse = Awaited<ReturnType<Requester["request"]>>;

/**
 * The SDK's requester, with each single command (a body at the base URL and nothing else) sent
 * beside those of concurrent callers as one `/pipeline` request (src/stores/grouped.ts); a command
 * alone goes as before. Upstash answers a pipeline with one `{result}` or `{error}` per command,
 * so a failing command fails its own caller only (as `UpstashError`, from the SDK's command); a
 * failed request (HTTP error, timeout, network) fails every caller it carried. Pipelines,
 * transactions and anything with a path, headers or a stream of its own pass through. Every
 * request it sends is bounded by `timeoutMs` (`bounded`).
 */
export function groupedRequests(inner: Requester, timeoutMs: number): Requester {
  const send = grouped(async (bodies: unknown[]) => {
    if (bodies.length === 1) {
      return [{ ok: true, value: await bounded(inner, { body: bodies[0] }, timeoutMs) }];
    }
    const answers = await bounded(inner, { path: ["pipeline"], body: bodies }, timeoutMs);
    if (!Array.isArray(answers)) throw new Error("Upstash answered a pipeline without an array");
    return (answers as UpstashResponse[]).map((value) => ({ ok: true, value }));
  });
  const single = (req: UpstashRequest) =>
    (req.path === undefined || req.path.length === 0) && req.headers === undefined &&
    !req.isStreaming && req.onMessage === undefined && req.signal === undefined;
  return {
    get readYourWrites() {
      return inner.readYourWrites;
    },
    get upstashSyncToken() {
      return inner.upstashSyncToken;
    },
    set upstashSyncToken(token) {
      inner.upstashSyncToken = token;
    },
    request<TResult>(req: UpstashRequest) {
      return (single(req) ? send(req.body) : bounded(inner, req, timeoutMs)) as Promise<
        UpstashResponse & { result?: TResult }
      >;
    },
  };
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
    throw new ServiceUnavailableError(`Cannot ${operation}: Redis did not answer`, {
      cause: withoutCommand(err),
    });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The SDK answers an HTTP error with `<reason>, command was: <the command as JSON>`: keys (phone
 * hashes) and values, of every caller in a shared pipeline. The cause keeps the reason only.
 */
function withoutCommand(err: unknown): unknown {
  const marker = ", command was: ";
  if (!(err instanceof Error) || !err.message.includes(marker)) return err;
  return reworded(
    err,
    (text) => text.includes(marker) ? text.slice(0, text.indexOf(marker)) : text,
  );
}
