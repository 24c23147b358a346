/**
 * The load generator's HTTP client: one JSON request against the server under test, timed and
 * recorded under a route label (`POST /v1/holds/:id/confirm`), never throwing for an HTTP error
 * or a dropped connection, so a worker can decide what to do next. Loopback only.
 */
import type { Recorder } from "./recorder.ts";

export interface LoadResponse<T> {
  status: number;
  /** Parsed JSON body, or null when there was none or the connection failed. */
  body: T | null;
  /** problem+json `code`, "connection_error", "timeout", or null on 2xx. */
  code: string | null;
}

export interface RequestOptions {
  body?: unknown;
  token?: string;
  headers?: Record<string, string>;
}

const REQUEST_TIMEOUT_MS = 15_000;

export class LoadClient {
  constructor(readonly baseUrl: string, private readonly recorder: Recorder) {
    if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(baseUrl)) {
      throw new Error(`LoadClient only talks to loopback; found ${baseUrl}`);
    }
  }

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    endpoint: string,
    options: RequestOptions = {},
  ): Promise<LoadResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.body !== undefined) headers["content-type"] = "application/json";
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const started = performance.now();
    let status = 0;
    let body: T | null = null;
    let code: string | null = null;
    try {
      const res = await fetch(this.baseUrl + path, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      status = res.status;
      const text = await res.text();
      body = text ? parseJson<T>(text) : null;
      if (status >= 300) {
        const problem = body as { code?: unknown } | null;
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

function parseJson<T>(text: string): T | null {
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
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
