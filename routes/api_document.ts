/**
 * What /openapi.json adds to the route definitions the app registered: the bearer scheme, the
 * FHIR operations (fhir_openapi.ts) and the contract every operation shares (_contract.ts). Only
 * the document needs it, so src/app.ts imports this module on the first /openapi.json request
 * rather than at start-up, and describes the registry once (docs/BENCHMARKS.md, issue 15).
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { completeContract } from "./_contract.ts";
import { describeFhir } from "./fhir_openapi.ts";

// deno-lint-ignore no-explicit-any -- any app's registry: only definitions are added to it
type OpenAPIRegistry = OpenAPIHono<any>["openAPIRegistry"];

/** The document's info block. */
export const API_DOCUMENT_INFO = {
  openapi: "3.1.0",
  info: {
    title: "Vaidya API",
    version: "1.0.0",
    description: "Book Ayurvedic consultations: find a doctor, hold a slot, confirm with a code.",
  },
} as const;

/** Adds everything but the routes' own definitions; once per registry (it is not idempotent). */
export function describeApi(registry: OpenAPIRegistry): void {
  registry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
  });
  describeFhir(registry);
  completeContract(registry);
}
