/**
 * RFC 9457 problem responses, produced in exactly one place (`handleError`, installed as
 * `app.onError`). Domain errors carry their status and stable `code`; anything unexpected is a
 * 500 whose details stay in the log, never in the response.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { AppError, type FieldError } from "../errors.ts";
import { errorFields, type Logger } from "../observability/logger.ts";
import { localizeProblem, negotiateLanguage } from "../i18n/problems.ts";
import { type MessageId, messages } from "../i18n/messages.ts";

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: FieldError[];
  requestId?: string;
}

export const PROBLEM_TYPE_BASE = "https://vaidya.dev/problems/";

export function problemResponse(
  problem: Omit<Problem, "type">,
  headers: Record<string, string> = {},
): Response {
  const body: Problem = { type: PROBLEM_TYPE_BASE + problem.code, ...problem };
  return new Response(JSON.stringify(body), {
    status: problem.status,
    headers: { ...headers, "Content-Type": "application/problem+json" },
  });
}

/**
 * A problem response whose title and detail follow `acceptLanguage` (English keeps the texts
 * given; `code` and every other member stay as they are).
 */
export function localizedProblemResponse(
  acceptLanguage: string | undefined,
  problem: Omit<Problem, "type">,
  headers: Record<string, string> = {},
): Response {
  const lang = negotiateLanguage(acceptLanguage);
  const text = localizeProblem(lang, problem.code, problem);
  return problemResponse({ ...problem, ...text }, {
    ...headers,
    "Content-Language": lang,
    Vary: "Accept-Language",
  });
}

/** The catalogue's English title of `code`, so one code has one title whoever raised it. */
function englishTitle(code: string): string {
  return messages[`problem.${code}.title` as MessageId]?.en ?? code.replace(/_/g, " ");
}

const HTTP_CODES: Record<number, string> = {
  400: "validation_failed",
  401: "unauthenticated",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  413: "payload_too_large",
  415: "unsupported_media_type",
  429: "rate_limited",
  503: "service_unavailable",
  504: "timeout",
};

export function createErrorHandler(log: Logger) {
  return function handleError(err: Error, c: Context): Response {
    const requestId = c.get("requestId") as string | undefined;
    // Hindi by `code` when the client prefers it; `code` and extension members stay as they are.
    const acceptLanguage = c.req.header("accept-language");
    if (err instanceof AppError) {
      if (err.status >= 500) log.warn("request failed", errorFields(err));
      const extensions = (err as { extensions?: Record<string, unknown> }).extensions;
      return localizedProblemResponse(acceptLanguage, {
        ...extensions,
        title: err.title,
        detail: err.message,
        status: err.status,
        code: err.code,
        errors: err.errors,
        requestId,
      }, err.headers);
    }
    if (err instanceof HTTPException) {
      const status = err.status;
      const code = HTTP_CODES[status] ?? "http_error";
      return localizedProblemResponse(acceptLanguage, {
        title: englishTitle(code),
        status,
        detail: status === 400 ? "The request body is not valid JSON" : err.message || code,
        code,
        requestId,
      });
    }
    log.error("unhandled error", { ...errorFields(err), stack: err.stack?.split("\n")[1]?.trim() });
    return localizedProblemResponse(acceptLanguage, {
      title: "Internal error",
      status: 500,
      detail: "Something went wrong on our side; it has been logged",
      code: "internal_error",
      requestId,
    });
  };
}
