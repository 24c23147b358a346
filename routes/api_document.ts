/**
 * The /openapi.json document: the start-up routes' descriptions (system_openapi.ts), the API
 * groups', the bearer scheme, the FHIR operations (fhir_openapi.ts) and the contract every
 * operation shares (_contract.ts). Only the document needs it, so src/app.ts imports this module
 * on the first /openapi.json request rather than at start-up, and describes the registry once
 * (docs/BENCHMARKS.md, issue 15).
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Config } from "../src/config/config.ts";
import type { AppEnv } from "../src/http/app_env.ts";
import { completeContract } from "./_contract.ts";
import { describeFhir } from "./fhir_openapi.ts";
import { describeSystem } from "./system_openapi.ts";

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

/**
 * A registry-only app holding the whole document's definitions, in the order the app mounts its
 * routes: the start-up routes under `config`, then the API groups `groups` (each added exactly as
 * `app.route("/", group)` would, without its routes), then `describeApi`'s parts.
 */
export function describeDocument(
  config: Config,
  groups: OpenAPIHono<AppEnv>[],
): OpenAPIHono<AppEnv> {
  const doc = new OpenAPIHono<AppEnv>();
  describeSystem(doc, config);
  for (const group of groups) {
    const registryOnly = new OpenAPIHono<AppEnv>();
    registryOnly.openAPIRegistry = doc.openAPIRegistry;
    registryOnly.route("/", group);
  }
  describeApi(doc.openAPIRegistry);
  return doc;
}
