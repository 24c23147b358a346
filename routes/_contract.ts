/**
 * What every operation can answer because of the app-wide middleware, written into the OpenAPI
 * document in one place: the request budget on /v1 (429 with `Retry-After` and the
 * `RateLimit-*` headers, 503 on a timeout), the JSON-only and body-size guards (415, 413), input
 * validation of path, query and body (400), the bearer check (401), the idempotency middleware
 * (409 `request_in_progress`, 422 `idempotency_conflict`) and the localized problem texts
 * (`Accept-Language`). Each route still declares its own domain answers; this adds only what the
 * middleware makes true for all of them, an `operationId` where a route has none, and the
 * examples of routes/_examples.ts.
 * It never removes or changes what a route declared.
 */
import type { OpenAPIHono, RouteConfig } from "@hono/zod-openapi";
import { OPERATION_EXAMPLES } from "./_examples.ts";
import { IDEMPOTENCY_KEY_PARAMETER, problems } from "./_openapi.ts";
import { LANGUAGES } from "../src/i18n/messages.ts";
import { PATIENT_LANGUAGES } from "../src/i18n/patient_templates.ts";

type Responses = RouteConfig["responses"];
// deno-lint-ignore no-explicit-any -- any app's registry: only its route definitions are read
type OpenAPIRegistry = OpenAPIHono<any>["openAPIRegistry"];
type Parameter = { name: string; in: string };

const PROBLEM_LANGUAGES = LANGUAGES.join(", ");
const CODE_LANGUAGES = PATIENT_LANGUAGES.join(", ");
const ACCEPT_LANGUAGE = {
  name: "Accept-Language",
  in: "header",
  required: false,
  description: `Language of problem titles and details (${PROBLEM_LANGUAGES}; others read ` +
    `English); for a phone with no profile yet, of its login code and, on its first verify, ` +
    `of the new patient's messages until they set a language (${CODE_LANGUAGES})`,
  // No length limit: the server ignores a value it cannot read rather than refusing the request.
  schema: { type: "string", example: "hi-IN,hi;q=0.9,en;q=0.5" },
} as const;

/** `post /v1/holds/{id}/confirm` as `postV1HoldsIdConfirm`. */
function operationIdFor(method: string, path: string): string {
  const words = path.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return method.toLowerCase() + words.map((w) => w[0].toUpperCase() + w.slice(1)).join("");
}

function hasParameter(route: RouteConfig, name: string): boolean {
  return ((route.parameters ?? []) as Parameter[]).some((p) =>
    p.name.toLowerCase() === name.toLowerCase()
  );
}

type Content = Record<string, { example?: unknown }> | undefined;

/** `OPERATION_EXAMPLES` on the request body and the first 2xx answer of `route`. */
function addExamples(route: RouteConfig): void {
  const example = OPERATION_EXAMPLES[`${route.method.toUpperCase()} ${route.path}`];
  if (!example) return;
  const put = (content: Content, value: unknown) => {
    for (const media of Object.values(content ?? {})) media.example ??= value;
  };
  const body = route.request?.body as { content?: Content } | undefined;
  if (example.request !== undefined) put(body?.content, example.request);
  const success = Object.keys(route.responses).sort().find((s) => s.startsWith("2"));
  const answer = success ? route.responses[success] as { content?: Content } : undefined;
  if (example.response !== undefined) put(answer?.content, example.response);
}

/** Adds the middleware's answers and headers to every route in `registry` (idempotent). */
export function completeContract(registry: OpenAPIRegistry): void {
  for (const definition of registry.definitions) {
    if (definition.type !== "route") continue;
    const route = definition.route;
    route.operationId ??= operationIdFor(route.method, route.path);
    // FHIR answers OperationOutcomes, not problems: routes/fhir_openapi.ts declares them all.
    if (route.path.startsWith("/fhir/")) continue;
    addExamples(route);
    const api = route.path.startsWith("/v1/");
    const responses: Responses = route.responses;
    const add = (status: keyof typeof problems | 413 | 415, response: Responses[string]) => {
      responses[String(status)] ??= response;
    };
    const request = route.request;
    const validated = route.path.includes("{") || request?.query || request?.body ||
      request?.params;
    if (validated) add(400, problems[400]);
    if (route.security?.length) add(401, problems[401]);
    if (api && request?.body) {
      add(413, problems[413]);
      add(415, problems[415]);
    }
    if (api) {
      add(429, problems[429]);
      add(503, problems[503]);
    }
    if (hasParameter(route, IDEMPOTENCY_KEY_PARAMETER.name)) {
      add(409, problems[409]);
      add(422, problems[422]);
    }
    if (api && !hasParameter(route, ACCEPT_LANGUAGE.name)) {
      route.parameters = [
        ...(route.parameters ?? []),
        ACCEPT_LANGUAGE,
      ] as typeof route.parameters;
    }
  }
}
