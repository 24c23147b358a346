/**
 * The error mapping of /fhir/R4 only: domain errors, Hono's HTTP exceptions and anything
 * unexpected become an OperationOutcome with the right status, instead of the problem+json the
 * rest of the API answers. Installed as the FHIR sub-app's `onError`, so it never sees /v1 errors.
 * Unexpected errors are logged by name and message only; the response says nothing about them.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { AppError } from "../errors.ts";
import { errorFields, type Logger } from "../observability/logger.ts";
import { fhirResponse, operationOutcome } from "./bundle.ts";

export function createFhirErrorHandler(log: Logger) {
  // X-Request-Id is added by the app-wide request context after this handler answers.
  return function handleFhirError(err: Error, _c: Context): Response {
    if (err instanceof AppError) {
      if (err.status >= 500) log.warn("fhir request failed", errorFields(err));
      return fhirResponse(operationOutcome(err.status, err.message), err.status, err.headers);
    }
    if (err instanceof HTTPException) {
      const detail = err.message || `HTTP ${err.status}`;
      return fhirResponse(operationOutcome(err.status, detail), err.status);
    }
    log.error("unhandled fhir error", errorFields(err));
    return fhirResponse(
      operationOutcome(500, "Something went wrong on our side; it has been logged"),
      500,
    );
  };
}
