/**
 * `deno task client:gen`: the typed TypeScript client's types, generated from the document the
 * app serves. Builds the app in-process on an in-memory KV (the same bootstrap as the server),
 * reads GET /openapi.json, and runs the pinned openapi-typescript on it into
 * clients/vaidya_api.ts. `--check` writes to a temporary file instead and fails when it differs
 * from the committed one (the drift check CI runs).
 *
 * Usage: deno task client:gen [--check]
 */
import { createApp } from "../src/app.ts";
import { bootstrap } from "../src/bootstrap.ts";
import { loadConfig } from "../src/config/config.ts";
import { createLogger } from "../src/observability/logger.ts";

export const OPENAPI_TYPESCRIPT = "npm:openapi-typescript@7.13.0";
export const CLIENT_TYPES = new URL("../clients/vaidya_api.ts", import.meta.url).pathname;

export const USAGE = `Usage: deno task client:gen [--check]

Regenerates clients/vaidya_api.ts (types for openapi-fetch) from the served /openapi.json with
${OPENAPI_TYPESCRIPT}.

  --help    show this text
  --check   generate into a temporary file and exit 1 if clients/vaidya_api.ts differs
`;

/** The document exactly as GET /openapi.json serves it, from the app built in-process. */
export async function servedDocument(): Promise<string> {
  const config = loadConfig({ APP_ENV: "test", KV_PATH: ":memory:", LOG_LEVEL: "error" });
  const runtime = await bootstrap(config, createLogger({ level: "error", write: () => {} }));
  try {
    const res = await createApp(runtime.deps).request("/openapi.json");
    if (!res.ok) throw new Error(`GET /openapi.json answered ${res.status}`);
    return JSON.stringify(await res.json(), null, 2);
  } finally {
    await runtime.close();
  }
}

/** Writes the generated types for `document` to `out`. */
export async function generateTypes(document: string, out: string): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "vaidya-client-" });
  try {
    const input = `${dir}/openapi.json`;
    await Deno.writeTextFile(input, document);
    const res = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", OPENAPI_TYPESCRIPT, input, "-o", out],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!res.success) {
      throw new Error(`openapi-typescript failed:\n${new TextDecoder().decode(res.stderr)}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  if (Deno.args.includes("--help")) {
    console.log(USAGE.trim());
    Deno.exit(0);
  }
  const unknown = Deno.args.filter((a) => a !== "--check");
  if (unknown.length) {
    console.error(`Unknown argument ${unknown[0]}\n\n${USAGE}`);
    Deno.exit(2);
  }
  const document = await servedDocument();
  if (!Deno.args.includes("--check")) {
    await generateTypes(document, CLIENT_TYPES);
    console.log(`wrote ${CLIENT_TYPES}`);
    Deno.exit(0);
  }
  const fresh = `${await Deno.makeTempDir({ prefix: "vaidya-client-" })}/vaidya_api.ts`;
  await generateTypes(document, fresh);
  const [want, have] = await Promise.all([
    Deno.readTextFile(fresh),
    Deno.readTextFile(CLIENT_TYPES).catch(() => ""),
  ]);
  await Deno.remove(fresh);
  if (want !== have) {
    console.error(
      "clients/vaidya_api.ts is out of date with /openapi.json: run deno task client:gen",
    );
    Deno.exit(1);
  }
  console.log("clients/vaidya_api.ts matches /openapi.json");
}
