/**
 * GET /docs over HTTP, in-process: the Swagger UI page and every asset it names are served by the
 * app itself (no CDN), as the types the browser needs, compressed when asked, and the page's
 * Content-Security-Policy allows exactly what it loads: same-origin scripts and styles, nothing
 * inline. tests/browser/docs_test.ts runs the same page in Chromium.
 */
import assert from "node:assert/strict";
import { startApp } from "../_harness/app.ts";
import { DOCS_PATHS } from "../../routes/docs_explorer.ts";

const ORIGIN = "http://vaidya.test";

Deno.test("GET /docs: Swagger UI and its assets come from this origin under script-src 'self'", async () => {
  await using app = await startApp();
  const page = await app.fetch(new Request(`${ORIGIN}/docs`));
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
  const csp = page.headers.get("content-security-policy") ?? "";
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /style-src 'self'(;|$)/);
  const html = await page.text();
  assert.doesNotMatch(html, /https?:\/\//, "no absolute URL: nothing from another origin");
  assert.doesNotMatch(html, /<script>|<script(?![^>]*\ssrc=)[^>]*>|<style|\sstyle=/i, "no inline");
  const assets = [...html.matchAll(/\s(?:src|href)="([^"]+)"/g)].map((m) => m[1])
    .filter((url) => url.startsWith("/docs/"));
  assert.deepEqual(assets.toSorted(), DOCS_PATHS.filter((p) => p !== "/docs").toSorted());
  for (const asset of assets) {
    const res = await app.fetch(new Request(`${ORIGIN}${asset}`));
    assert.equal(res.status, 200, asset);
    const type = res.headers.get("content-type") ?? "";
    assert.match(type, asset.endsWith(".css") ? /^text\/css/ : /^text\/javascript/, asset);
    assert.ok((await res.arrayBuffer()).byteLength > 100, `${asset} has a body`);
  }
  const bundle = await (await app.fetch(new Request(`${ORIGIN}/docs/swagger-ui-bundle.js`))).text();
  assert.match(bundle, /SwaggerUIBundle/, "the npm package's bundle, not a stub");
  const init = await (await app.fetch(new Request(`${ORIGIN}/docs/init.js`))).text();
  assert.match(init, /url: "\/openapi\.json"/);
});

Deno.test("GET /docs/swagger-ui-bundle.js: gzip when accepted, identical bytes once inflated", async () => {
  await using app = await startApp();
  const plain = await app.fetch(new Request(`${ORIGIN}/docs/swagger-ui-bundle.js`));
  assert.equal(plain.headers.get("content-encoding"), null);
  assert.equal(plain.headers.get("vary"), "Accept-Encoding");
  const plainBytes = new Uint8Array(await plain.arrayBuffer());
  const zipped = await app.fetch(
    new Request(`${ORIGIN}/docs/swagger-ui-bundle.js`, {
      headers: { "accept-encoding": "br;q=1, gzip;q=0.8" },
    }),
  );
  assert.equal(zipped.headers.get("content-encoding"), "gzip");
  const zippedBytes = new Uint8Array(await zipped.arrayBuffer());
  assert.ok(zippedBytes.length < plainBytes.length / 2, "compressed");
  const inflated = await new Response(
    new Blob([zippedBytes]).stream().pipeThrough(new DecompressionStream("gzip")),
  ).arrayBuffer();
  assert.deepEqual(new Uint8Array(inflated), plainBytes);
  const refused = await app.fetch(
    new Request(`${ORIGIN}/docs/swagger-ui-bundle.js`, {
      headers: { "accept-encoding": "gzip;q=0" },
    }),
  );
  assert.equal(refused.headers.get("content-encoding"), null);
  await refused.body?.cancel();
});
