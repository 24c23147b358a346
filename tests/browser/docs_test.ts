/**
 * The API explorer (/docs, Swagger UI from npm) in headless Chromium against the real server
 * process: every operation of /openapi.json is rendered, one opens with its parameters, every
 * request the page makes stays on the server's origin, and the CSP reports no violation.
 */
import assert from "node:assert/strict";
import { startServer } from "../_harness/server.ts";
import { launchBrowser, screenshot, watchCsp } from "./_browser.ts";

Deno.test({
  name: "/docs in Chromium: Swagger UI renders every operation, same-origin only, no CSP errors",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using server = await startServer();
    const doc = await (await fetch(`${server.url}/openapi.json`)).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    const methods = new Set(["get", "put", "post", "delete", "patch"]);
    const operations = Object.values(doc.paths)
      .reduce((n, item) => n + Object.keys(item).filter((m) => methods.has(m)).length, 0);
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const csp = watchCsp(page);
      const pageErrors: string[] = [];
      page.on("pageerror", (error) => pageErrors.push(error.message));
      const requested: string[] = [];
      page.on("request", (request) => requested.push(request.url()));
      await page.goto(`${server.url}/docs`);
      await page.waitForSelector(".opblock", { timeout: 30_000 });
      assert.equal(await page.locator(".opblock").count(), operations);
      assert.match(await page.locator(".info .title").innerText(), /Vaidya/);

      const slots = page.locator(".opblock-get", { hasText: "/v1/doctors/{id}/slots" }).first();
      await slots.locator(".opblock-summary").click();
      await slots.locator(".parameters").waitFor();
      const parameterNames = await slots.locator(".parameter__name").allInnerTexts();
      for (const name of ["id", "from", "to"]) {
        assert.ok(parameterNames.some((p) => p.startsWith(name)), `${name} in ${parameterNames}`);
      }
      await screenshot(page, "docs-swagger-ui");

      const origin = new URL(server.url).origin;
      const foreign = requested.filter((url) =>
        !url.startsWith(origin) && !url.startsWith("data:")
      );
      assert.deepEqual(foreign, [], "the explorer fetches nothing from another origin");
      assert.ok(requested.includes(`${origin}/docs/swagger-ui-bundle.js`), requested.join("\n"));
      assert.deepEqual(csp, [], `CSP violations: ${csp.join("\n")}`);
      assert.deepEqual(pageErrors, []);
    } finally {
      await browser.close();
    }
  },
});
