/**
 * The slot listing's whole answer, header by header, so that a cut in its per-request work
 * (issue 15: middleware, validation once per URL, reused listings) cannot drop or change one:
 * the security headers, the request id and trace context, the rate-limit headers, the body, the
 * latency metric, and a bad query's problem answer, the same on every repeat.
 */
import assert from "node:assert/strict";
import { createDoctor, dateInDays } from "../_harness/api.ts";
import { startApp } from "../_harness/app.ts";

const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "origin-agent-cluster": "?1",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "x-dns-prefetch-control": "off",
  "x-download-options": "noopen",
  "x-frame-options": "SAMEORIGIN",
  "x-permitted-cross-domain-policies": "none",
  "x-xss-protection": "0",
};
const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

async function listingApp(env: Record<string, string>) {
  const app = await startApp(env);
  const admin = await app.api.loginAdmin();
  const doctor = await createDoctor(app.api, admin);
  const [from, to] = [dateInDays(1), dateInDays(7)];
  const get = (query: string, requestId: string) =>
    app.fetch(
      new Request(`http://vaidya.test/v1/doctors/${doctor.id}/slots?${query}`, {
        headers: {
          "X-Request-Id": requestId,
          traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01`,
        },
      }),
    );
  return { app, doctor, from, to, get };
}

function headersOf(res: Response): Record<string, string> {
  return Object.fromEntries(res.headers);
}

Deno.test("a slot listing answers with exactly its headers and body, the same on a repeat", async () => {
  const { app, doctor, from, to, get } = await listingApp({ RATE_LIMIT_DISABLED: "true" });
  await using _ = app;
  const metricsBefore = await (await app.fetch(new Request("http://vaidya.test/metrics"))).text();
  // The first answer is sent as built, the second keeps a template, the third is its copy.
  for (const requestId of ["listing-one-0001", "listing-two-0002", "listing-three-0003"]) {
    const res = await get(`from=${from}&to=${to}`, requestId);
    assert.equal(res.status, 200);
    const { traceparent, ...headers } = headersOf(res);
    assert.deepEqual(headers, {
      ...SECURITY_HEADERS,
      "content-type": "application/json",
      "x-request-id": requestId,
    });
    // The incoming trace continues; this server's span id is its own.
    assert.match(traceparent, new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
    assert.notEqual(traceparent.split("-")[2], "00f067aa0ba902b7");
    const body = await res.json();
    assert.deepEqual(Object.keys(body), ["doctorId", "timezone", "slots"]);
    assert.equal(body.doctorId, doctor.id);
    assert.equal(body.timezone, "Asia/Kolkata");
    // 09:00–17:00 every day in 30-minute slots: 16 a day over 7 days.
    assert.equal(body.slots.length, 7 * 16);
    for (const slot of body.slots) {
      assert.deepEqual(Object.keys(slot), ["start", "end"]);
      assert.equal(Date.parse(slot.end) - Date.parse(slot.start), 1_800_000);
    }
  }
  const metrics = await (await app.fetch(new Request("http://vaidya.test/metrics"))).text();
  const count = (text: string) =>
    Number(
      text.match(
        /vaidya_http_request_duration_seconds_count\{method="GET",route="\/v1\/doctors\/:id\/slots",status="200"\} (\d+)/,
      )?.[1] ?? 0,
    );
  assert.equal(count(metrics) - count(metricsBefore), 3, "one latency observation per listing");
});

Deno.test("a slot listing under rate limits carries the RateLimit headers, counting down", async () => {
  const { app, from, to, get } = await listingApp({});
  await using _ = app;
  const remaining: number[] = [];
  for (const requestId of ["limited-one-0001", "limited-two-0002"]) {
    const res = await get(`from=${from}&to=${to}`, requestId);
    assert.equal(res.status, 200);
    const { traceparent: _t, ...headers } = headersOf(res);
    const limit = headers["ratelimit-limit"];
    remaining.push(Number(headers["ratelimit-remaining"]));
    assert.match(headers["ratelimit-reset"], /^\d+$/);
    assert.deepEqual(
      Object.keys(headers).sort(),
      [
        ...Object.keys(SECURITY_HEADERS),
        "content-type",
        "ratelimit-limit",
        "ratelimit-remaining",
        "ratelimit-reset",
        "x-request-id",
      ].sort(),
    );
    assert.ok(Number(limit) > 0);
    await res.body?.cancel();
  }
  assert.equal(remaining[1], remaining[0] - 1);
});

Deno.test("a bad slot query answers the same 400 problem every time it is asked", async () => {
  const { app, from, get } = await listingApp({ RATE_LIMIT_DISABLED: "true" });
  await using _ = app;
  const cases = [
    [`from=${from}&to=2026-02-30`, "to"],
    [`from=${from}`, "to"],
    [`from=${from}&to=${dateInDays(0)}`, "from"],
  ] as const;
  for (const [query, path] of cases) {
    const answers = [];
    for (const requestId of ["bad-query-0001", "bad-query-0002"]) {
      const res = await get(query, requestId);
      assert.equal(res.status, 400, query);
      const { traceparent: _t, ...headers } = headersOf(res);
      assert.deepEqual(headers, {
        ...SECURITY_HEADERS,
        "content-language": "en",
        "content-type": "application/problem+json",
        vary: "Accept-Language",
        "x-request-id": requestId,
      });
      const body = await res.json();
      assert.equal(body.code, "validation_failed");
      assert.equal(body.requestId ?? requestId, requestId);
      assert.ok(
        body.errors.some((e: { path: string }) => e.path === path),
        JSON.stringify(body),
      );
      delete body.requestId;
      answers.push(body);
    }
    assert.deepEqual(answers[1], answers[0], `${query}: the same problem on a repeat`);
  }
  // A bad doctor id is judged by the same rules, after the query.
  const res = await app.fetch(
    new Request(`http://vaidya.test/v1/doctors/bad%20id/slots?from=${from}&to=${from}`),
  );
  assert.equal(res.status, 400);
  const body = await res.json();
  assert.deepEqual(body.errors.map((e: { path: string }) => e.path), ["id"]);
});

Deno.test("with CORS on, a reused listing carries the CORS and security headers and its body, also on HEAD", async () => {
  const origin = "https://ui.example";
  const { app, from, to, doctor } = await listingApp({
    RATE_LIMIT_DISABLED: "true",
    CORS_ORIGINS: origin,
  });
  await using _ = app;
  const url = `http://vaidya.test/v1/doctors/${doctor.id}/slots?from=${from}&to=${to}`;
  const bodies: string[] = [];
  // The CORS middleware touches the response before the handler: Hono then wraps the handler's
  // answer (a copy of the kept listing response) in a new one. The kept one must stay whole.
  for (const method of ["GET", "GET", "HEAD", "GET"]) {
    const res = await app.fetch(new Request(url, { method, headers: { Origin: origin } }));
    assert.equal(res.status, 200, method);
    const { traceparent: _t, "x-request-id": _id, ...headers } = headersOf(res);
    assert.deepEqual(headers, {
      ...SECURITY_HEADERS,
      "access-control-allow-origin": origin,
      "access-control-expose-headers":
        "X-Request-Id,Retry-After,RateLimit-Limit,RateLimit-Remaining,RateLimit-Reset",
      "content-type": "application/json",
      vary: "Origin",
    });
    const body = await res.text();
    if (method === "HEAD") assert.equal(body, "");
    else bodies.push(body);
  }
  assert.equal(bodies.length, 3);
  assert.ok(bodies.every((b) => b === bodies[0] && JSON.parse(b).slots.length === 7 * 16));
});
