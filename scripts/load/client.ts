/**
 * The load generator's HTTP client: the typed Vaidya client (clients/vaidya.ts, openapi-fetch over
 * the types generated from /openapi.json), so every path, parameter, body and answer the
 * generator uses is checked against the document. Each call is timed and recorded under a route
 * label (`POST /v1/holds/:id/confirm`) and never throws for an HTTP error or a dropped
 * connection, so a worker can decide what to do next. Loopback only: the typed client sends
 * through a keep-alive HTTP/1.1 transport of its own (loopback_fetch.ts), a connection per
 * request in flight, which costs the generator about half the CPU per request of Deno's fetch.
 */
import { createVaidyaClient, type VaidyaClient } from "../../clients/vaidya.ts";
import { createLoopbackFetch, type LoopbackFetch, LoopbackRequest } from "./loopback_fetch.ts";
import type { Recorder } from "./recorder.ts";

export interface LoadResponse<T> {
  status: number;
  /** The typed answer on 2xx, else null (also when the connection failed). */
  body: T | null;
  /** problem+json `code`, "connection_error", "timeout", or null on 2xx. */
  code: string | null;
}

/** What an openapi-fetch call resolves to, reduced to what the generator reads. */
interface TypedAnswer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** Per-call options every typed call takes: the caller's token and the request deadline. */
export interface CallInit {
  headers: Record<string, string>;
  signal: AbortSignal;
}

const REQUEST_TIMEOUT_MS = 15_000;

export class LoadClient {
  readonly api: VaidyaClient;
  readonly transport: LoopbackFetch;

  constructor(readonly baseUrl: string, private readonly recorder: Recorder) {
    if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(baseUrl)) {
      throw new Error(`LoadClient only talks to loopback; found ${baseUrl}`);
    }
    this.transport = createLoopbackFetch(baseUrl);
    this.api = createVaidyaClient(baseUrl, {
      fetch: this.transport.fetch,
      // Only the fields the transport reads (loopback_fetch.ts); not a full Request.
      Request: LoopbackRequest as unknown as typeof Request,
    });
  }

  /**
   * Sends one typed request (`send(api, init)`, spreading `init` into the call's options) as
   * `token`, timed and recorded under `endpoint`.
   */
  async call<T>(
    endpoint: string,
    token: string | undefined,
    send: (api: VaidyaClient, init: CallInit) => Promise<TypedAnswer<T>>,
  ): Promise<LoadResponse<T>> {
    const started = performance.now();
    let status = 0;
    let body: T | null = null;
    let code: string | null = null;
    try {
      const { data, error, response } = await send(this.api, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      status = response.status;
      if (status < 300) body = data ?? null;
      else {
        const problem = error as { code?: unknown } | null | undefined;
        code = typeof problem?.code === "string" ? problem.code : `http_${status}`;
      }
    } catch (err) {
      status = 0;
      code = err instanceof DOMException && err.name === "TimeoutError"
        ? "timeout"
        : "connection_error";
    }
    this.recorder.add({ endpoint, status, ms: performance.now() - started, code });
    return { status, body, code };
  }

  /** A bare GET for baseline servers: status and time only. */
  async ping(path: string, endpoint: string): Promise<number> {
    const started = performance.now();
    let status = 0;
    let code: string | null = null;
    try {
      const res = await fetch(this.baseUrl + path, { signal: AbortSignal.timeout(5_000) });
      status = res.status;
      await res.arrayBuffer();
      if (status >= 300) code = `http_${status}`;
    } catch (err) {
      code = err instanceof DOMException && err.name === "TimeoutError"
        ? "timeout"
        : "connection_error";
    }
    this.recorder.add({ endpoint, status, ms: performance.now() - started, code });
    return status;
  }
}

/** Runs `worker(i)` for i in 0..count-1 with at most `concurrency` at a time. */
export async function pool(
  count: number,
  concurrency: number,
  worker: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) await worker(next++);
  });
  await Promise.all(lanes);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** No answer at all (a dropped connection, a timeout) or a 5xx: worth sending again. */
export const isTransient = (status: number) => status === 0 || status >= 500;

export interface RetryTransientOptions {
  /** Sends after the first, at most. */
  retries: number;
  /** The wait before retry `i` (0-based). */
  delayMs(i: number): number;
  /** No retry starts after this epoch time. */
  deadlineMs?: number;
  onRetry?(): void;
}

/** Sends until the answer is not transient, the retries run out or the deadline passes. */
export async function retryTransient<T>(
  send: () => Promise<LoadResponse<T>>,
  o: RetryTransientOptions,
): Promise<LoadResponse<T>> {
  const deadlineMs = o.deadlineMs ?? Infinity;
  let res = await send();
  for (let i = 0; i < o.retries && isTransient(res.status) && Date.now() < deadlineMs; i++) {
    o.onRetry?.();
    await sleep(o.delayMs(i));
    res = await send();
  }
  return res;
}
