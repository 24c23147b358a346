/**
 * Issue 17 item 11: absolute links (FHIR `fullUrl`, Bundle `link`) are built from
 * PUBLIC_BASE_URL, never from the request's Host header, and production refuses to start
 * without PUBLIC_BASE_URL.
 */
import assert from "node:assert/strict";
import { startApp } from "../_harness/app.ts";
import { ConfigError, loadConfig } from "../../src/config/config.ts";

type Bundle = { link: { relation: string; url: string }[] };

async function selfLink(env: Record<string, string>, host: string): Promise<string> {
  await using app = await startApp(env);
  const res = await app.fetch(
    new Request(`http://${host}/fhir/R4/Practitioner?_count=1`, {
      headers: { host, "x-forwarded-host": "evil.example" },
    }),
  );
  assert.equal(res.status, 200);
  const bundle = await res.json() as Bundle;
  return bundle.link.find((l) => l.relation === "self")!.url;
}

Deno.test("FHIR links come from PUBLIC_BASE_URL, not the Host header", async () => {
  const link = await selfLink({ PUBLIC_BASE_URL: "https://api.vaidya.example" }, "evil.example");
  assert.ok(link.startsWith("https://api.vaidya.example/fhir/R4/"), link);
});

Deno.test("without PUBLIC_BASE_URL (development) links use the configured listener, not Host", async () => {
  const link = await selfLink({ PORT: "8123" }, "evil.example");
  assert.ok(link.startsWith("http://127.0.0.1:8123/fhir/R4/"), link);
});

Deno.test("production refuses to start without PUBLIC_BASE_URL", () => {
  assert.throws(
    () => loadConfig({ APP_ENV: "production" }),
    (err: unknown) => err instanceof ConfigError && /PUBLIC_BASE_URL/.test(err.message),
  );
});
