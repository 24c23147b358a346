/**
 * What the server loads before its first response: the modules `src/main.ts` imports statically,
 * read from `deno info --json`. Heavy parts that most processes never use stay behind a dynamic
 * `import()` (docs/BENCHMARKS.md, issue 15): the recommender's model and lexicon, the MongoDB
 * driver, the Twilio SDK, the Upstash SDKs, the OpenTelemetry API, the Swagger UI package, the
 * pages (doctor UI, booking pages, room pages) and the API groups (auth, doctors, holds, …), whose
 * routes src/app.ts declares up front (src/http/lazy_routes.ts), and the OpenAPI document's FHIR
 * and contract parts.
 */
import assert from "node:assert/strict";
import { REPO_ROOT } from "../_harness/ports.ts";
import { onDemandModules } from "../../scripts/build.ts";

interface Dependency {
  specifier: string;
  code?: { specifier: string };
  type?: { specifier: string };
  isDynamic?: boolean;
}
interface InfoModule {
  specifier: string;
  dependencies?: Dependency[];
}
interface Info {
  roots: string[];
  modules: InfoModule[];
  redirects: Record<string, string>;
}

/** The specifiers reachable from `roots` (default: the graph's) through static imports only. */
function staticGraph(info: Info, roots = info.roots): Set<string> {
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const resolve = (s: string) => info.redirects[s] ?? s;
  const seen = new Set<string>();
  const todo = roots.map(resolve);
  while (todo.length > 0) {
    const specifier = todo.pop()!;
    if (seen.has(specifier)) continue;
    seen.add(specifier);
    for (const dep of bySpecifier.get(specifier)?.dependencies ?? []) {
      if (dep.code && !dep.isDynamic) todo.push(resolve(dep.code.specifier));
    }
  }
  return seen;
}

const out = await new Deno.Command(Deno.execPath(), {
  args: ["info", "--json", "src/main.ts"],
  cwd: REPO_ROOT,
  stdout: "piped",
  stderr: "piped",
}).output();
if (!out.success) throw new Error(`deno info failed: ${new TextDecoder().decode(out.stderr)}`);
const info = JSON.parse(new TextDecoder().decode(out.stdout)) as Info;
const loaded = [...staticGraph(info)];

Deno.test("src/main.ts loads the recommender's model and lexicon only on demand", () => {
  // Nor does the recommendations group, which loads right after the server listens.
  const group = info.modules.find((m) => m.specifier.endsWith("/routes/recommendations.ts"));
  assert.ok(group, "routes/recommendations.ts is in the graph");
  const withGroup = [...loaded, ...staticGraph(info, [group.specifier])];
  for (const heavy of ["model.json", "symptom_scorer.ts", "lexicon_regional.ts", "triage.ts"]) {
    const found = withGroup.filter((s) => s.endsWith(`/src/recommend/${heavy}`));
    assert.deepEqual(found, [], `${heavy} is imported statically`);
  }
  // The lazy loader itself is in the graph, so the check above looks at the right tree.
  assert.ok(withGroup.some((s) => s.endsWith("/src/recommend/lazy_recommendation_service.ts")));
});

Deno.test("src/main.ts loads MongoDB, Twilio, Upstash and OpenTelemetry only when configured", () => {
  for (
    const pkg of ["mongodb", "twilio", "@upstash/redis", "@upstash/ratelimit", "@opentelemetry/api"]
  ) {
    const found = loaded.filter((s) => s.startsWith(`npm:${pkg}@`) || s.startsWith(`npm:/${pkg}@`));
    assert.deepEqual(found, [], `${pkg} is imported statically`);
  }
  assert.ok(loaded.some((s) => s.startsWith("npm:hono@") || s.startsWith("npm:/hono@")));
  // The module that chooses the Upstash or the KV side is in the graph; the Upstash side is not.
  assert.ok(loaded.some((s) => s.endsWith("/src/stores/open_shared_state.ts")));
  const upstashModules = loaded.filter((s) => s.includes("/src/stores/upstash/"));
  assert.deepEqual(upstashModules, [], "an Upstash adapter is imported statically");
});

Deno.test("start-up imports no module of this tree by a literal import()", () => {
  // Deno reads, resolves and parses such a module's graph before the program starts, even when it
  // never runs (the MongoDB, Twilio and Upstash adapters cost ~6-17 ms of CPU that way): the start
  // path names them through src/on_demand.ts instead.
  const literal = loaded.flatMap((specifier) =>
    (info.modules.find((m) => m.specifier === specifier)?.dependencies ?? [])
      .filter((d) => d.isDynamic && d.code?.specifier.startsWith("file:"))
      .map((d) => `${specifier} -> ${d.code!.specifier}`)
  );
  assert.deepEqual(literal, []);
  // The adapters are still named (by type), so the check above looks at the right tree.
  const bootstrap = info.modules.find((m) => m.specifier.endsWith("/src/bootstrap.ts"));
  assert.ok(
    bootstrap?.dependencies?.some((d) =>
      d.type?.specifier.endsWith("/stores/mongo/record_stores.ts")
    ),
  );
});

Deno.test({
  name: "the warm-up imports every module that start-up names through onDemand()",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    // Every `onDemand(path)` of the tree, as the build finds them for the bundle: the pages and API
    // groups (src/app.ts), the adapters imported only when configured (src/bootstrap.ts, the
    // shared-state chooser). Each is one of ON_DEMAND_MODULES or CONFIGURED_ADAPTER_MODULES, which
    // `--warm-up` imports, so the image's code cache holds it.
    const root = new URL("../../", import.meta.url);
    const named = (await onDemandModules()).map((path) => new URL(path, root).href);
    for (const adapter of ["stores/mongo/record_stores.ts", "notify/twilio_sender.ts"]) {
      assert.ok(named.some((s) => s.endsWith(`/src/${adapter}`)), `${adapter}: ${named}`);
    }
    assert.ok(named.some((s) => s.includes("/src/stores/upstash/")), named.join());
    assert.ok(named.some((s) => s.endsWith("/routes/auth.ts")), named.join());
    const { CONFIGURED_ADAPTER_MODULES } = await import("../../src/bootstrap.ts");
    const { ON_DEMAND_MODULES } = await import("../../src/app.ts");
    const modules = { ...ON_DEMAND_MODULES, ...CONFIGURED_ADAPTER_MODULES };
    const warmed = await Promise.all(
      Object.values(modules).map((load) => load() as Promise<unknown>),
    );
    for (const specifier of named) {
      const module = await import(specifier);
      assert.ok(warmed.includes(module), `--warm-up does not import ${specifier}`);
    }
    const main = await Deno.readTextFile(new URL("../../src/main.ts", import.meta.url));
    assert.match(main, /\.\.\.ON_DEMAND_MODULES, \.\.\.CONFIGURED_ADAPTER_MODULES/);
  },
});

Deno.test("src/main.ts loads the Swagger UI package on the first /docs asset request", () => {
  const found = loaded.filter((s) => s.startsWith("npm:/swagger-ui-dist@"));
  assert.deepEqual(found, [], "swagger-ui-dist is imported statically");
  // The module that serves /docs is in the graph, so the check above looks at the right tree.
  assert.ok(loaded.some((s) => s.endsWith("/routes/docs_explorer.ts")));
});

Deno.test("src/main.ts loads the doctor UI, booking and room pages on their first request", () => {
  for (const page of ["routes/doctor_ui.ts", "routes/book.ts", "routes/room_pages.tsx"]) {
    const found = loaded.filter((s) => s.endsWith(`/${page}`));
    assert.deepEqual(found, [], `${page} is imported statically`);
  }
  // Their route tables are loaded, so the check above looks at the right tree.
  assert.ok(loaded.some((s) => s.endsWith("/routes/page_route_tables.ts")));
});

Deno.test("src/main.ts loads the OpenAPI document's own parts on the first /openapi.json", () => {
  for (const part of ["api_document.ts", "fhir_openapi.ts", "_contract.ts", "_examples.ts"]) {
    const found = loaded.filter((s) => s.endsWith(`/routes/${part}`));
    assert.deepEqual(found, [], `routes/${part} is imported statically`);
  }
  // The FHIR routes they describe are loaded, so the check above looks at the right tree.
  assert.ok(loaded.some((s) => s.endsWith("/routes/fhir.ts")));
});

Deno.test("src/main.ts loads the API groups' route modules after it can answer", () => {
  const groups = [
    "auth.ts",
    "doctors.ts",
    "holds.ts",
    "appointments.ts",
    "event_features.ts",
    "me.ts",
    "twilio_status.ts",
    "rooms.ts",
    "courses.ts",
    "recommendations.ts",
  ];
  for (const group of groups) {
    const found = loaded.filter((s) => s.endsWith(`/routes/${group}`));
    assert.deepEqual(found, [], `routes/${group} is imported statically`);
  }
  // Nor the contract's schemas they use: the start-up routes need only src/http/core_schemas.ts.
  const schemas = loaded.filter((s) => s.endsWith("/src/http/schemas.ts"));
  assert.deepEqual(schemas, [], "src/http/schemas.ts is imported statically");
  assert.ok(loaded.some((s) => s.endsWith("/src/http/core_schemas.ts")));
  // Their route tables and the routes that answer health checks are loaded, so the check above
  // looks at the right tree.
  assert.ok(loaded.some((s) => s.endsWith("/routes/api_route_tables.ts")));
  assert.ok(loaded.some((s) => s.endsWith("/routes/system.ts")));
});

Deno.test("src/app.ts names its on-demand modules by type only, so start-up does not build their graph", () => {
  // A string literal in `import()` would put the module's graph (the pages' views, the groups'
  // schemas, the recommender behind them) into the one Deno reads and transpiles before start-up.
  const app = info.modules.find((m) => m.specifier.endsWith("/src/app.ts"));
  const deps = app?.dependencies ?? [];
  assert.ok(deps.length > 0, "src/app.ts is in the graph");
  const onDemand = [
    "routes/auth.ts",
    "routes/doctors.ts",
    "routes/recommendations.ts",
    "routes/doctor_ui.ts",
    "routes/book.ts",
    "routes/room_pages.tsx",
    "routes/api_document.ts",
  ];
  for (const module of onDemand) {
    const dep: Dependency | undefined = deps.find((d) => d.specifier === `../${module}`);
    assert.ok(dep?.type, `src/app.ts does not name ${module}`);
    assert.equal(dep.code, undefined, `src/app.ts imports ${module} by a literal specifier`);
  }
});

Deno.test("src/main.ts loads node:crypto on first use and never node:net", () => {
  // Each starts a good part of Deno's Node layer (its streams), which the first answer does not
  // need: node:crypto loads through src/crypto/node_crypto.ts, IP literals are checked by
  // src/http/ip_literal.ts.
  for (const builtin of ["node:crypto", "node:net"]) {
    assert.ok(!loaded.includes(builtin), `${builtin} is imported statically`);
  }
  // The modules that use node:crypto are loaded, so the check above looks at the right tree.
  for (const module of ["crypto/node_crypto.ts", "crypto/keyed_hash.ts", "crypto/data_cipher.ts"]) {
    assert.ok(loaded.some((s) => s.endsWith(`/src/${module}`)), module);
  }
  assert.ok(loaded.includes("node:async_hooks"), "node: specifiers are in the graph as such");
});

Deno.test("src/main.ts loads jose on first use, and --warm-up loads it", async () => {
  // Token checks and room tokens load it through src/crypto/jose.ts; start-up checks the signing
  // key and generates the development one with WebCrypto.
  const found = loaded.filter((s) => s.startsWith("npm:jose@") || s.startsWith("npm:/jose@"));
  assert.deepEqual(found, [], "jose is imported statically");
  // The modules that use it are loaded, so the check above looks at the right tree.
  for (const module of ["crypto/jose.ts", "auth/token_service.ts", "rooms/room_tokens.ts"]) {
    assert.ok(loaded.some((s) => s.endsWith(`/src/${module}`)), module);
  }
  const main = await Deno.readTextFile(new URL("../../src/main.ts", import.meta.url));
  assert.match(main, /Promise\.all\(\[loadJose\(\), \.\.\.Object\.values\(modules\)/);
});

Deno.test("src/main.ts loads @hono/zod-openapi and its converter only with the API groups", () => {
  // Its CommonJS dependency @asteasolutions/zod-to-openapi starts Deno's CommonJS loader (~30 ms
  // of CPU): the routes that answer from start-up are plain Hono on plain zod, their
  // descriptions (routes/system_openapi.ts) load with the document.
  for (
    const pkg of ["@hono/zod-openapi", "@asteasolutions/zod-to-openapi", "@hono/zod-validator"]
  ) {
    const found = loaded.filter((s) => s.startsWith(`npm:${pkg}@`) || s.startsWith(`npm:/${pkg}@`));
    assert.deepEqual(found, [], `${pkg} is imported statically`);
  }
  for (const module of ["routes/system_openapi.ts", "routes/_openapi.ts"]) {
    assert.ok(!loaded.some((s) => s.endsWith(`/${module}`)), `${module} is imported statically`);
  }
  // The routes they describe, and zod, are loaded, so the checks above look at the right tree.
  for (const module of ["routes/system.ts", "routes/dev_sleep.ts", "src/http/core_schemas.ts"]) {
    assert.ok(loaded.some((s) => s.endsWith(`/${module}`)), module);
  }
  assert.ok(loaded.some((s) => s.startsWith("npm:/zod@") || s.startsWith("npm:zod@")));
});

Deno.test("src/main.ts loads libphonenumber-js's core entry and min metadata, not its main entry", () => {
  // The configuration normalises ADMIN_PHONES, so the library is on the start path; its main
  // entry adds ~25 wrapper modules around the same core functions and metadata.
  const phone = loaded.filter((s) => s.includes("/libphonenumber-js@"));
  assert.deepEqual(phone.map((s) => s.replace(/^npm:\/libphonenumber-js@[^/]+/, "")).sort(), [
    "/core",
    "/min/metadata",
  ]);
});
