/**
 * The OpenAPI document: every route the app serves is described (bar an explicit list of
 * exclusions), and the document is valid OpenAPI 3.1: checked with @seriousme/openapi-schema-validator
 * (the official 3.1 JSON schemas), plus what a schema cannot say (every $ref resolves, every path
 * template parameter is declared). The app is built in-process through the real bootstrap.
 */
import assert from "node:assert/strict";
import { Validator } from "@seriousme/openapi-schema-validator";
import { createApp } from "../../src/app.ts";
import { bootstrap } from "../../src/bootstrap.ts";
import { loadConfig } from "../../src/config/config.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { isValidTimeZone } from "../../src/domain/zoned_time.ts";
import { DOCS_PATHS } from "../../routes/docs_explorer.ts";
import { OPERATION_EXAMPLES } from "../../routes/_examples.ts";
import { Ajv2020 } from "ajv/dist/2020.js";

/** Served on purpose without an OpenAPI entry: the document itself, its explorer, HTML pages. */
const EXCLUDED: ((path: string) => boolean)[] = [
  (p) => p === "/openapi.json",
  (p) => DOCS_PATHS.includes(p),
  (p) => p === "/doctor" || p.startsWith("/doctor/"), // doctor web UI pages and their assets
  (p) => p === "/book" || p.startsWith("/book/"), // patient booking pages and their assets
  (p) => p.startsWith("/static/"),
  // Video rooms: the patient's room page and its assets, and the signalling WebSocket, which
  // OpenAPI cannot describe (its room-token route is in the document).
  (p) =>
    p.startsWith("/room/") || p.startsWith("/room-static/") || /^\/v1\/rooms\/[^/]+\/ws$/.test(p),
];

type Doc = {
  openapi: string;
  info: Record<string, unknown>;
  paths: Record<string, Record<string, { parameters?: { in: string; name: string }[] }>>;
  components?: Record<string, Record<string, unknown>>;
};

async function buildApp() {
  const config = loadConfig({ APP_ENV: "test", KV_PATH: ":memory:", LOG_LEVEL: "error" });
  const runtime = await bootstrap(config, createLogger({ level: "error", write: () => {} }));
  return { app: createApp(runtime.deps), runtime };
}

/** Hono's `/v1/doctors/:id` (optionally `:id{regex}`) as OpenAPI's `/v1/doctors/{id}`. */
export function toOpenApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?\??/g, "{$1}");
}

function allRefs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => allRefs(n, out));
  else if (node && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if (k === "$ref" && typeof v === "string") out.push(v);
      else allRefs(v, out);
    }
  }
  return out;
}

function resolvePointer(doc: unknown, ref: string): unknown {
  if (!ref.startsWith("#/")) return undefined;
  let node: unknown = doc;
  for (const raw of ref.slice(2).split("/")) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    node = node && typeof node === "object" ? (node as Record<string, unknown>)[part] : undefined;
  }
  return node;
}

Deno.test({
  name: "openapi.json describes every route and is valid OpenAPI 3.1",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const { app, runtime } = await buildApp();
    try {
      const res = await app.request("/openapi.json");
      assert.equal(res.status, 200);
      const doc = await res.json() as Doc;

      await t.step("every route of the app is in the document", () => {
        const served = app.routes
          .filter((r) => r.method !== "ALL")
          .filter((r) => !EXCLUDED.some((skip) => skip(r.path)));
        assert.ok(
          served.length > 15,
          `only ${served.length} routes found; walking app.routes broke`,
        );
        const missing = served
          .filter((r) => !doc.paths[toOpenApiPath(r.path)]?.[r.method.toLowerCase()])
          .map((r) => `${r.method} ${r.path}`);
        assert.deepEqual(missing, [], "routes without an OpenAPI operation");
      });

      await t.step("the document validates against the OpenAPI 3.1 schema", async () => {
        const validator = new Validator();
        const result = await validator.validate(structuredClone(doc));
        assert.ok(result.valid, JSON.stringify(result.errors, null, 2)?.slice(0, 2000));
        assert.equal(validator.version, "3.1");
        assert.match(doc.openapi, /^3\.1\.\d+$/);
      });

      await t.step("every $ref resolves and every path parameter is declared", () => {
        const broken = [...new Set(allRefs(doc))].filter((r) => !resolvePointer(doc, r));
        assert.deepEqual(broken, []);
        for (const [path, item] of Object.entries(doc.paths)) {
          const names = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
          for (const [method, op] of Object.entries(item)) {
            const declared = (op.parameters ?? []).filter((p) => p.in === "path").map((p) =>
              p.name
            );
            assert.deepEqual(declared.sort(), [...names].sort(), `${method} ${path}`);
          }
        }
      });

      await t.step("the validator rejects a broken document (the check can fail)", async () => {
        type Spec = Parameters<Validator["validate"]>[0];
        const isValid = async (d: unknown) => (await new Validator().validate(d as Spec)).valid;
        const noSlash = structuredClone(doc);
        noSlash.paths = { "v1/holds": Object.values(doc.paths)[0] };
        assert.equal(await isValid(noSlash), false, "a path must start with /");
        const [path, item] = Object.entries(doc.paths).find(([p]) => p.includes("{"))!;
        const method = Object.keys(item)[0];
        const noIn = structuredClone(doc);
        delete (noIn.paths[path][method].parameters![0] as Record<string, unknown>).in;
        assert.equal(await isValid(noIn), false, "a parameter needs `in`");
        assert.equal(toOpenApiPath("/v1/holds/:id/confirm"), "/v1/holds/{id}/confirm");
      });

      await t.step(
        "every operation has a unique operationId and the statuses its middleware gives",
        () => {
          type Op = {
            operationId?: string;
            parameters?: { in: string; name: string }[];
            requestBody?: unknown;
            security?: unknown[];
            responses: Record<
              string,
              { headers?: Record<string, unknown>; links?: Record<string, { operationId: string }> }
            >;
          };
          const ops = Object.entries(doc.paths).flatMap(([path, item]) =>
            Object.entries(item).map(([method, op]) => ({ path, method, op: op as Op }))
          );
          const ids = ops.map((o) => o.op.operationId);
          assert.deepEqual(ids.filter((id) => !id), [], "operations without an operationId");
          assert.equal(new Set(ids).size, ids.length, "operationIds are unique");
          const wrong: string[] = [];
          for (const { path, method, op } of ops) {
            const name = `${method.toUpperCase()} ${path}`;
            const has = (status: number) => String(status) in op.responses;
            if (op.security?.length && !has(401)) wrong.push(`${name}: no 401`);
            if (path.startsWith("/fhir/")) {
              // FHIR answers OperationOutcomes (never problem+json), and shares the budget.
              for (const [status, response] of Object.entries(op.responses)) {
                const types = Object.keys(
                  (response as { content?: Record<string, unknown> }).content ?? {},
                );
                if (types.join() !== "application/fhir+json") {
                  wrong.push(`${name} ${status}: ${types.join() || "no content"}`);
                }
              }
              if (!op.responses["429"]?.headers?.["Retry-After"]) {
                wrong.push(`${name}: no 429 Retry-After`);
              }
              if (!has(503)) wrong.push(`${name}: no 503`);
              if (path.includes("{") && !has(404)) wrong.push(`${name}: no 404`);
              continue;
            }
            if (path.includes("{") && !has(400)) wrong.push(`${name}: no 400`);
            if (!path.startsWith("/v1/")) continue;
            if (!op.responses["429"]?.headers?.["Retry-After"]) {
              wrong.push(`${name}: no 429 Retry-After`);
            }
            if (!has(503)) wrong.push(`${name}: no 503`);
            if (op.requestBody && !(has(413) && has(415))) wrong.push(`${name}: no 413/415`);
            if (!op.parameters?.some((p) => p.in === "header" && p.name === "Accept-Language")) {
              wrong.push(`${name}: no Accept-Language`);
            }
          }
          assert.deepEqual(wrong, []);
          const byId = new Map(ops.map((o) => [o.op.operationId, o]));
          // Exactly the operations behind the idempotency middleware take the header (the
          // router documents it from the middleware, so a route cannot have one without the other).
          assert.deepEqual(
            ops.filter((o) => o.op.parameters?.some((p) => p.name === "Idempotency-Key"))
              .map((o) => o.op.operationId).sort(),
            [
              "cancelAppointment",
              "confirmHold",
              "holdSlot",
              "patchV1AppointmentsId",
              "postV1AdminDoctors",
              "postV1Courses",
              "postV1CoursesIdConfirm",
              "rescheduleAppointment",
            ],
          );
          // The booking flow as links: hold -> confirm -> appointment -> cancel.
          const linkTargets = (id: string, status: string) =>
            Object.values(byId.get(id)?.op.responses[status]?.links ?? {}).map((l) =>
              l.operationId
            );
          assert.deepEqual(linkTargets("holdSlot", "201"), ["confirmHold", "releaseHold"]);
          assert.deepEqual(linkTargets("confirmHold", "201"), [
            "getAppointment",
            "cancelAppointment",
          ]);
          assert.deepEqual(linkTargets("getAppointment", "200"), ["cancelAppointment"]);
          // Finding a doctor and a slot leads to the hold: search -> profile/slots -> hold.
          assert.deepEqual(linkTargets("listDoctors", "200"), ["getDoctor", "listSlots"]);
          assert.deepEqual(linkTargets("getDoctor", "200"), ["listSlots"]);
          assert.deepEqual(linkTargets("listSlots", "200"), ["holdSlot"]);
          assert.deepEqual(linkTargets("listAppointments", "200"), [
            "getAppointment",
            "cancelAppointment",
          ]);
          // FHIR R4 is described too: every read and search, and each search links its read.
          for (const type of ["Practitioner", "Schedule", "Slot", "Appointment"]) {
            assert.deepEqual(linkTargets(`searchFhir${type}`, "200"), [`readFhir${type}`]);
          }
          assert.ok(byId.has("readFhirPatient") && byId.has("fhirCapabilities"));
          const everyLink = ops.flatMap((o) =>
            Object.values(o.op.responses).flatMap((r) => Object.values(r.links ?? {}))
          );
          const dangling = everyLink.filter((l) => !byId.has(l.operationId));
          assert.deepEqual(dangling, [], "links to operations that do not exist");
          for (
            const target of ["confirmHold", "releaseHold", "getAppointment", "cancelAppointment"]
          ) {
            assert.ok(byId.has(target), `link target ${target} exists`);
          }
        },
      );

      await t.step("every operation has examples, and each example fits its own schema", () => {
        type Media = { schema?: unknown; example?: unknown };
        type Op = {
          requestBody?: { content: Record<string, Media> };
          responses: Record<string, { content?: Record<string, Media> }>;
        };
        const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
        ajv.addSchema(doc as object, "openapi");
        const pointer = (...parts: string[]) =>
          parts.map((p) => p.replaceAll("~", "~0").replaceAll("/", "~1")).join("/");
        const missing: string[] = [];
        const invalid: string[] = [];
        let checked = 0;
        const check = (name: string, at: string[], content: Record<string, Media>) => {
          for (const [type, media] of Object.entries(content)) {
            if (media.example === undefined) {
              missing.push(`${name} ${at.at(-1)} ${type}`);
              continue;
            }
            const validate = ajv.compile({
              $ref: `openapi#/${pointer(...at, "content", type, "schema")}`,
            });
            checked++;
            if (!validate(media.example)) {
              invalid.push(`${name} ${type}: ${ajv.errorsText(validate.errors).slice(0, 300)}`);
            }
          }
        };
        const names = new Set<string>();
        for (const [path, item] of Object.entries(doc.paths)) {
          for (const [method, raw] of Object.entries(item)) {
            const op = raw as unknown as Op;
            const name = `${method.toUpperCase()} ${path}`;
            names.add(name);
            if (op.requestBody) {
              check(name, ["paths", path, method, "requestBody"], op.requestBody.content);
            }
            const success = Object.keys(op.responses).sort().find((s) => s.startsWith("2"));
            const content = success && op.responses[success].content;
            if (content) check(name, ["paths", path, method, "responses", success], content);
          }
        }
        assert.deepEqual(missing, [], "operations without an example");
        assert.deepEqual(invalid, [], "examples that do not fit their schema");
        assert.ok(checked > 60, `only ${checked} examples checked`);
        const stale = Object.keys(OPERATION_EXAMPLES).filter((k) => !names.has(k));
        assert.deepEqual(stale, [], "examples for operations that do not exist");
        // The check can fail: a wrong example is refused.
        const wrong = ajv.compile({ $ref: "openapi#/components/schemas/Appointment" });
        assert.equal(
          wrong({
            ...OPERATION_EXAMPLES["GET /v1/appointments/{id}"].response as object,
            status: "held",
          }),
          false,
        );
      });

      await t.step(
        "schemas are as strict as the server: dates, 5-minute steps, urls, answers",
        () => {
          type Schema = {
            properties?: Record<string, Schema>;
            format?: string;
            multipleOf?: number;
            enum?: string[];
            pattern?: string;
            additionalProperties?: unknown;
            required?: string[];
          };
          const schemas = (doc.components?.schemas ?? {}) as Record<string, Schema>;
          const prop = (name: string, key: string) => schemas[name]?.properties?.[key] ?? {};
          assert.equal(prop("DoctorCreate", "slotMinutes").multipleOf, 5);
          assert.equal(prop("Availability", "slotMinutes").multipleOf, 5);
          assert.equal(prop("Availability", "bufferMinutes").multipleOf, 5);
          assert.equal(prop("WebhookCreate", "url").format, "uri");
          for (const patch of ["DoctorPatch", "PatientProfilePatch"]) {
            assert.equal((schemas[patch] as { minProperties?: number }).minProperties, 1, patch);
          }
          assert.equal(prop("WaitlistJoin", "date").format, "date");
          const zone = schemas.TimeZone as Schema;
          assert.ok(zone.pattern, "time zones have a pattern");
          assert.ok(zone.enum?.includes("Asia/Kolkata") && zone.enum.includes("UTC"));
          assert.ok((zone.enum ?? []).every((z) => new RegExp(zone.pattern!).test(z)));
          assert.deepEqual((zone.enum ?? []).filter((z) => !isValidTimeZone(z)), []);
          for (
            const [name, key] of [["DoctorCreate", "timezone"], ["PatientProfilePatch", "timeZone"]]
          ) {
            assert.equal(
              (prop(name, key) as { $ref?: string }).$ref,
              "#/components/schemas/TimeZone",
              name,
            );
          }
          assert.equal(prop("OtpRequest", "phone").pattern, "^\\+[1-9]\\d{7,15}$");
          const answers = prop("PrakritiAnswers", "answers");
          assert.equal(answers.additionalProperties, false);
          assert.ok(Object.keys(answers.properties ?? {}).length >= 10, "one key per question");
          assert.ok(
            Object.values(answers.properties ?? {}).every((a) => (a.enum?.length ?? 0) >= 2),
          );
          assert.equal(answers.required?.length, Object.keys(answers.properties ?? {}).length);
          const slots = doc.paths["/v1/doctors/{id}/slots"].get.parameters as unknown as {
            name: string;
            schema: Schema;
          }[];
          for (const name of ["from", "to"]) {
            assert.equal(slots.find((p) => p.name === name)?.schema.format, "date", name);
          }
        },
      );
    } finally {
      await runtime.close();
    }
  },
});
