/**
 * The API explorer at /docs: a small self-hosted page that reads /openapi.json and lists every
 * operation with its parameters, body and responses. It replaces Swagger UI, whose assets come
 * from a CDN: that cannot load offline and would need the CDN in the Content-Security-Policy.
 * Everything here is same-origin (script-src 'self', no inline script or style).
 */
import { Hono } from "hono";
import type { AppEnv } from "../src/http/app_env.ts";

const ASSETS = new URL("./docs_assets/", import.meta.url);
const files = {
  html: await Deno.readTextFile(new URL("explorer.html", ASSETS)),
  js: await Deno.readTextFile(new URL("explorer.js", ASSETS)),
  css: await Deno.readTextFile(new URL("explorer.css", ASSETS)),
};

/** Paths served here, which the OpenAPI document itself does not describe. */
export const DOCS_PATHS = ["/docs", "/docs/explorer.js", "/docs/explorer.css"] as const;

export function docsExplorerRoutes() {
  const app = new Hono<AppEnv>();
  const cache = { "Cache-Control": "public, max-age=300" };
  app.get("/docs", (c) => c.html(files.html, 200, cache));
  app.get(
    "/docs/explorer.js",
    (c) => c.body(files.js, 200, { ...cache, "Content-Type": "text/javascript; charset=utf-8" }),
  );
  app.get(
    "/docs/explorer.css",
    (c) => c.body(files.css, 200, { ...cache, "Content-Type": "text/css; charset=utf-8" }),
  );
  return app;
}
