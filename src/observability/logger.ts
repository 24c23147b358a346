/**
 * Structured JSON logs, one line per event, with the request id (and trace id) of the request
 * being served taken from async context, so code deep in the stack needs no logger passed in.
 * Personal data never reaches a log line: `redact` masks phone numbers, codes and tokens in every
 * string value, and fields known to be sensitive are dropped by name.
 */
import { AsyncLocalStorage } from "node:async_hooks";

export type LogLevel = "debug" | "info" | "warn" | "error";
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface RequestContext {
  requestId: string;
  traceId?: string;
  userId?: string;
}

const requestContext = new AsyncLocalStorage<RequestContext>();

/** Calls `fn(...args)` with `ctx` as the request context of everything it starts. */
export function runWithRequestContext<A extends unknown[], T>(
  ctx: RequestContext,
  fn: (...args: A) => T,
  ...args: A
): T {
  return requestContext.run(ctx, fn, ...args);
}

export function currentRequestContext(): RequestContext | undefined {
  return requestContext.getStore();
}

const SENSITIVE_KEYS = new Set([
  "phone",
  "to",
  "code",
  "body",
  "token",
  "accesstoken",
  "refreshtoken",
  "authorization",
  "notes",
  "reason",
  "history",
  "symptoms",
  "answers",
  "email",
  "cookie",
  "otp",
  "password",
  "secret",
]);

const PHONE = /\+?\d[\d\s-]{8,}\d/g;
const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]*/g;
const SIX_DIGITS = /\b\d{6}\b/g;

/** Masks phone-like digit runs, JWTs and 6-digit codes inside free text. */
export function redactText(text: string): string {
  return text.replace(JWT, "[jwt]").replace(PHONE, "[phone]").replace(SIX_DIGITS, "[code]");
}

/**
 * Nesting walked before a value is cut off as "[too deep]": deep enough for any field we log, and
 * a bound on a cyclic value's walk, so a log call never throws at its caller nor passes a deeper
 * string through unredacted.
 */
const MAX_DEPTH = 8;

function redactKeyed(entries: Iterable<[unknown, unknown]>, depth: number) {
  const out: Record<string, unknown> = {};
  for (const [key, v] of entries) {
    const k = redactText(String(key));
    out[k] = SENSITIVE_KEYS.has(k.toLowerCase()) ? "[redacted]" : redactValue(v, depth + 1);
  }
  return out;
}

/** `value` as it may be logged: sensitive fields dropped by name, every string redacted. */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return redactText(value);
  if (typeof value === "bigint") return String(value);
  if (value === null || typeof value !== "object") return value;
  if (depth > MAX_DEPTH) return "[too deep]";
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Error) {
    // Its message and cause are not enumerable: JSON.stringify would drop them (or, for a
    // driver error, keep the document it carries); each is redacted like any other field.
    const out = redactKeyed(Object.entries(value), depth);
    out.name = value.name;
    out.message = redactText(value.message);
    if (value.cause !== undefined) out.cause = redactValue(value.cause, depth + 1);
    return out;
  }
  if (value instanceof Map) return redactKeyed(value, depth);
  if (value instanceof Set) return [...value].map((v) => redactValue(v, depth + 1));
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") return redactValue(toJSON.call(value), depth + 1);
  return redactKeyed(Object.entries(value), depth);
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface LoggerOptions {
  level: LogLevel;
  service?: string;
  write?: (line: string) => void;
}

/** stdout as it was at start-up: console.* may be routed into the logger (console_json.ts). */
const printLine: (line: string) => void = console.log.bind(console);

export function createLogger(options: LoggerOptions): Logger {
  const min = LEVELS[options.level];
  const write = options.write ?? printLine;
  function log(level: LogLevel, msg: string, fields?: Record<string, unknown>) {
    if (LEVELS[level] < min) return;
    const ctx = requestContext.getStore();
    const entry: Record<string, unknown> = {
      time: new Date().toISOString(),
      level,
      msg: redactText(msg),
      service: options.service ?? "vaidya",
    };
    if (ctx) {
      entry.requestId = ctx.requestId;
      if (ctx.traceId) entry.traceId = ctx.traceId;
      if (ctx.userId) entry.userId = ctx.userId;
    }
    if (fields) Object.assign(entry, redactValue(fields) as Record<string, unknown>);
    write(JSON.stringify(entry));
  }
  return {
    debug: (m, f) => log("debug", m, f),
    info: (m, f) => log("info", m, f),
    warn: (m, f) => log("warn", m, f),
    error: (m, f) => log("error", m, f),
  };
}

/**
 * `err` as a new Error of the same name whose message (and its cause's, if an Error) `reword`
 * rewrote, no other field kept: for errors whose text names what must not be logged (a
 * webhook's whole URL, a Redis command), before they reach a log or a problem's cause.
 */
export function reworded(err: unknown, reword: (text: string) => string): unknown {
  if (!(err instanceof Error)) return err;
  const cause = err.cause instanceof Error ? new Error(reword(err.cause.message)) : undefined;
  const clean = new Error(reword(err.message), cause && { cause });
  clean.name = err.name;
  return clean;
}

/** The error fields worth logging: class, message (redacted), and a stack only at debug level. */
export function errorFields(err: unknown): Record<string, unknown> {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? err.cause.message : undefined;
    return cause
      ? { error: err.name, detail: err.message, cause }
      : { error: err.name, detail: err.message };
  }
  return { error: String(err) };
}
