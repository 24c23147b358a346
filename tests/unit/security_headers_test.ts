/**
 * securityHeaders() (src/http/security_headers.ts) against the Hono middleware it replaced,
 * `secureHeaders` with the options the app used: the same headers with the same values, with and
 * without Strict-Transport-Security; a header the handler set is kept; X-Powered-By is removed.
 * Copies of a template response carry the same headers as `apply` gives, each its own.
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
    const security = securityHeaders({ contentSecurityPolicy: CSP, strictTransportSecurity: sts });
    app.use(async (c, next) => {
      await next();
      security.apply(c.res);
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

Deno.test("securityHeaders().copy() answers what apply() would, each copy with its own headers", async () => {
  const security = securityHeaders({ contentSecurityPolicy: CSP, strictTransportSecurity: HSTS });
  const fresh = () =>
    new Response('{"a":1}', {
      status: 201,
      headers: { "Content-Type": "application/json", "X-Frame-Options": "DENY" },
    });
  const applied = fresh();
  security.apply(applied);
  const template = fresh();
  const first = security.copy(template);
  const second = security.copy(template);
  for (const copy of [first, second]) {
    assert.equal(copy.status, 201);
    assert.deepEqual([...copy.headers], [...applied.headers]);
    assert.equal(await copy.text(), '{"a":1}');
  }
  // A copy's headers are its own: a header set on one (a rate limit's, the request id) stays there.
  const third = security.copy(template);
  third.headers.set("X-Request-Id", "one-request-only");
  third.headers.delete("x-frame-options");
  const fourth = security.copy(template);
  assert.equal(fourth.headers.get("x-request-id"), null);
  assert.equal(fourth.headers.get("x-frame-options"), "DENY");
  // apply() leaves a copy alone: what was removed from it after copying stays removed.
  security.apply(third);
  assert.equal(third.headers.get("x-frame-options"), null);
  assert.equal(template.bodyUsed, false);
  await third.body?.cancel();
  await fourth.body?.cancel();
});

Deno.test("securityHeaders().response() answers what apply() would, and serves as a copy() template", async () => {
  const security = securityHeaders({ contentSecurityPolicy: CSP, strictTransportSecurity: HSTS });
  const headers = {
    "content-type": "application/json",
    "X-Frame-Options": "DENY",
    "X-Powered-By": "Hono",
  };
  const applied = new Response('{"a":1}', { status: 201, headers });
  security.apply(applied);
  const built = security.response('{"a":1}', { status: 201, headers });
  const copy = security.copy(built);
  for (const res of [built, copy]) {
    assert.equal(res.status, 201);
    assert.deepEqual([...res.headers], [...applied.headers]);
    assert.equal(res.headers.get("x-frame-options"), "DENY");
    assert.equal(res.headers.get("x-powered-by"), null);
  }
  // apply() leaves it alone: a header removed after building stays removed.
  built.headers.delete("x-frame-options");
  security.apply(built);
  assert.equal(built.headers.get("x-frame-options"), null);
  assert.equal(await built.text(), '{"a":1}');
  assert.equal(await copy.text(), '{"a":1}');
});
