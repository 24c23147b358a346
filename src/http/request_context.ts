/**
 * Per-request context: a request id (taken from `X-Request-Id` when it is sane, else new) and the
 * W3C trace id, both on the response and in every log line written while the request runs; one
 * access-log line and one latency observation per request, labelled by route pattern; and the
 * security headers (src/http/security_headers.ts), with `no-store` on personal answers, set in the
 * same step after the handler.
 *
 * With Deno's OpenTelemetry on (`OTEL_DENO=true`), `Deno.serve` opens a span per request (continuing
 * an incoming `traceparent`); that span is the one the logs and the response's `traceparent` name,
 * and it is renamed to `METHOD /route/:pattern` with `http.route` set, so exported spans, logs and
 * the client see one trace id. Without it, the incoming trace id or a new one is used the same way.
 */
import type { Context, MiddlewareHandler, Next } from "hono";
import { routePath } from "hono/route";
import type { Logger } from "../observability/logger.ts";
import { runWithRequestContext } from "../observability/logger.ts";
import type { AppMetrics } from "../observability/metrics.ts";
import type { AppEnv } from "./app_env.ts";
import { bytesToHex } from "../crypto/encoding.ts";
import { noStorePersonal, type SecurityHeaders } from "./security_headers.ts";

/**
 * The OpenTelemetry API, loaded only when a global OpenTelemetry is registered, as Deno does at
 * start with `OTEL_DENO=true`. Without one no span is ever active, and this CommonJS package was
 * ~5% of the time to the first response (docs/BENCHMARKS.md, issue 15).
 */
const otel = Symbol.for("opentelemetry.js.api.1") in globalThis
  ? await import("@opentelemetry/api")
  : undefined;

const SAFE_ID = /^[\w.-]{8,128}$/;
/** Random bytes for new trace and span ids, drawn 64 requests' worth at a time. */
const IDS_BYTES = 24;
const idPool = new Uint8Array(IDS_BYTES * 64);
let idPoolUsed = idPool.length;
/** 48 random hex digits: a new trace id (32) and span id (16). */
function newTraceIds(): string {
  if (idPoolUsed === idPool.length) {
    crypto.getRandomValues(idPool);
    idPoolUsed = 0;
  }
  idPoolUsed += IDS_BYTES;
  return bytesToHex(idPool.subarray(idPoolUsed - IDS_BYTES, idPoolUsed));
}

/** Metric labels come from fixed sets: a client must not be able to add series. */
const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
function methodLabel(method: string): string {
  return METHODS.has(method) ? method : "other";
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

type ActiveSpan = ReturnType<NonNullable<typeof otel>["trace"]["getActiveSpan"]>;

export function requestContext(
  log: Logger,
  metrics: AppMetrics,
  clientIp: (req: Request, env: unknown) => string,
  securityHeaders: Pick<SecurityHeaders, "apply">,
): MiddlewareHandler<AppEnv> {
  /** The latency histogram's series per method, route and status, kept: none is keyed per request. */
  const latency = new Map<string, Map<string, Map<number, (seconds: number) => void>>>();
  function latencyOf(method: string, route: string, status: number) {
    let byRoute = latency.get(method);
    if (!byRoute) latency.set(method, byRoute = new Map());
    let byStatus = byRoute.get(route);
    if (!byStatus) byRoute.set(route, byStatus = new Map());
    let observe = byStatus.get(status);
    if (!observe) {
      observe = metrics.httpDuration.observer({ method, route, status: String(status) });
      byStatus.set(status, observe);
    }
    return observe;
  }

  /**
   * The rest of the chain, then the response's headers, metric and log line: run inside the
   * request's async context, as a function of its own rather than a closure made per request.
   */
  async function serve(
    c: Context<AppEnv>,
    next: Next,
    requestId: string,
    traceparent: string,
    span: ActiveSpan,
    started: number,
  ) {
    await next();
    securityHeaders.apply(c.res);
    noStorePersonal(c.req.raw, c.req.path, c.res);
    c.res.headers.set("X-Request-Id", requestId);
    c.res.headers.set("traceparent", traceparent);
    const route = routePath(c, -1) || "unmatched";
    span?.updateName(`${methodLabel(c.req.method)} ${route}`);
    span?.setAttribute("http.route", route);
    const seconds = (performance.now() - started) / 1000;
    latencyOf(methodLabel(c.req.method), route, c.res.status)(seconds);
    log.info("request", {
      method: methodLabel(c.req.method),
      route,
      status: c.res.status,
      durationMs: Math.round(seconds * 10000) / 10,
      userId: c.get("user")?.id,
    });
  }

  // Not async: the request's one frame is `serve`'s.
  return function requestContextMiddleware(c, next) {
    const started = performance.now();
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && SAFE_ID.test(incoming) ? incoming : crypto.randomUUID();
    const span = otel?.trace.getActiveSpan();
    const active = span?.spanContext();
    const context = active && otel?.isSpanContextValid(active) ? active : null;
    const incomingTrace = TRACEPARENT.exec(c.req.header("traceparent") ?? "");
    const fresh = context ? "" : newTraceIds();
    const traceId = context?.traceId ?? incomingTrace?.[1] ?? fresh.slice(0, 32);
    const ownSpanId = context?.spanId ?? fresh.slice(32);
    c.set("requestId", requestId);
    c.set("clientIp", clientIp(c.req.raw, c.env));
    return runWithRequestContext(
      { requestId, traceId },
      serve,
      c,
      next,
      requestId,
      `00-${traceId}-${ownSpanId}-01`,
      span,
      started,
    );
  };
}
