/**
 * securityHeaders() (src/http/security_headers.ts) against the Hono middleware it replaced,
 * `secureHeaders` with the options the app used: the same headers with the same values, with and
 * without Strict-Transport-Security; a header the handler set is kept; X-Powered-By is removed.
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { secureHeaders as honoSecureHeaders } from "hono/secure-headers";
import { securityHeaders } from "../../src/http/security_headers.ts";

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'";
const HSTS = "max-age=63072000; includeSubDomains";

/** An app whose handler answers with `own` headers, wrapped in one of the two middlewares. */
function appWith(kind: "hono" | "ours", sts: string | false, own: Record<string, string>) {
  const app = new Hono();
  if (kind === "hono") {
    app.use(honoSecureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        frameAncestors: ["'none'"],
      },
      strictTransportSecurity: sts,
      overwrite: false,
    }));
  } else {
    const apply = securityHeaders({ contentSecurityPolicy: CSP, strictTransportSecurity: sts });
    app.use(async (c, next) => {
      await next();
      apply(c.res.headers);
    });
  }
  app.get("/", (c) => c.body("ok", 200, own));
  return app;
}

async function headersOf(kind: "hono" | "ours", sts: string | false, own = {}) {
  const res = await appWith(kind, sts, own).request("/");
  return Object.fromEntries(res.headers);
}

for (const sts of [false, HSTS] as const) {
  Deno.test(`securityHeaders() sends what Hono's secureHeaders sent (Strict-Transport-Security ${sts ? "on" : "off"})`, async () => {
    const ours = await headersOf("ours", sts);
    assert.deepEqual(ours, await headersOf("hono", sts));
    assert.equal(ours["content-security-policy"], CSP);
    assert.equal(ours["strict-transport-security"], sts === false ? undefined : sts);
    assert.equal(Object.keys(ours).length, sts === false ? 12 : 13);
  });
}

Deno.test("securityHeaders() keeps the headers a handler set and removes X-Powered-By", async () => {
  const own = {
    "Content-Security-Policy": "default-src 'none'",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "X-Powered-By": "something",
  };
  const ours = await headersOf("ours", false, own);
  assert.deepEqual(ours, await headersOf("hono", false, own));
  assert.equal(ours["content-security-policy"], "default-src 'none'");
  assert.equal(ours["referrer-policy"], "same-origin");
  assert.equal(ours["x-frame-options"], "DENY");
  assert.equal(ours["x-powered-by"], undefined);
});

Deno.test("securityHeaders() refuses an empty Content-Security-Policy", () => {
  assert.throws(
    () => securityHeaders({ contentSecurityPolicy: " ", strictTransportSecurity: false }),
    /contentSecurityPolicy is empty/,
  );
});
