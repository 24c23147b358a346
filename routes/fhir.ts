/**
 * The FHIR R4 read API under /fhir/R4, for clinics connecting to national health-record systems.
 * A sub-app with its own error mapping (OperationOutcome, not problem+json), its own share of the
 * API rate limits, and a CapabilityStatement at /metadata; described in /openapi.json by
 * fhir_openapi.ts.
 * Public: Practitioner, Schedule, Slot (fhir_directory.ts). Signed in: Appointment, Patient
 * (fhir_patient_records.ts).
 */
import { Hono } from "hono";
import type { AppDeps } from "../src/app_deps.ts";
import { AppError, NotFoundError } from "../src/errors.ts";
import type { AppEnv } from "../src/http/app_env.ts";
import { apiBudget } from "../src/http/api_budget.ts";
import { fhirResponse } from "../src/fhir/bundle.ts";
import { capabilityStatement } from "../src/fhir/capability_statement.ts";
import { createFhirErrorHandler } from "../src/fhir/fhir_errors.ts";
import { publicBaseUrl } from "../src/config/config.ts";
import { fhirDirectoryRoutes } from "./fhir_directory.ts";
import { fhirPatientRecordRoutes } from "./fhir_patient_records.ts";

export const FHIR_BASE_PATH = "/fhir/R4";

export function fhirRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>().basePath(FHIR_BASE_PATH);
  app.onError(createFhirErrorHandler(deps.log));
  const startedAt = new Date(deps.now()).toISOString();

  for (const guard of apiBudget(deps)) app.use("*", guard);

  // The absolute base of `fullUrl`s and links: from config, never from the Host header.
  const base = `${publicBaseUrl(deps.config)}${FHIR_BASE_PATH}`;
  app.get("/metadata", () => fhirResponse(capabilityStatement(base, startedAt)));
  app.route("/", fhirDirectoryRoutes(deps, base));
  app.route("/", fhirPatientRecordRoutes(deps, base));

  app.all("*", (c) => {
    if (c.req.method !== "GET" && c.req.method !== "HEAD") {
      throw new AppError(
        405,
        "method_not_allowed",
        "Method not allowed",
        `${c.req.method} is not supported: this FHIR endpoint is read-only`,
        { headers: { Allow: "GET, HEAD" } },
      );
    }
    throw new NotFoundError(`No FHIR resource or operation at ${c.req.path}`);
  });
  return app;
}
