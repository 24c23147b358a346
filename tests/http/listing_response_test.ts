/**
 * The slot listing's whole answer, header by header, so that a cut in its per-request work
 * (issue 15: middleware, validation once per URL, reused listings) cannot drop or change one:
 * the security headers, the request id and trace context, the rate-limit headers, the body, the
 * latency metric, and a bad query's problem answer, the same on every repeat; and a reused
 * listing's gzip form for clients that accept it.
 */
import assert from "node:assert/strict";
import { createDoctor, dateInDays, randomPhone } from "../_harness/api.ts";
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
      vary: "Accept-Encoding",
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
        "vary",
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
        "ETag,X-Request-Id,Retry-After,RateLimit-Limit,RateLimit-Remaining,RateLimit-Reset",
      "content-type": "application/json",
      vary: "Accept-Encoding, Origin",
    });
    const body = await res.text();
    if (method === "HEAD") assert.equal(body, "");
    else bodies.push(body);
  }
  assert.equal(bodies.length, 3);
  assert.ok(bodies.every((b) => b === bodies[0] && JSON.parse(b).slots.length === 7 * 16));
});

/** The answer's body, gunzipped when it says it is gzipped. */
async function bodyText(res: Response): Promise<string> {
  if (res.headers.get("content-encoding") !== "gzip") return await res.text();
  const plain = res.body!.pipeThrough(new DecompressionStream("gzip"));
  return await new Response(plain).text();
}

Deno.test("a reused listing is sent gzipped to clients that accept gzip, and plain to the rest", async () => {
  const { app, doctor, from, to } = await listingApp({ RATE_LIMIT_DISABLED: "true" });
  await using _ = app;
  const url = `http://vaidya.test/v1/doctors/${doctor.id}/slots?from=${from}&to=${to}`;
  const get = (acceptEncoding?: string) =>
    app.fetch(
      new Request(url, {
        headers: acceptEncoding === undefined ? {} : { "Accept-Encoding": acceptEncoding },
      }),
    );
  // A listing answered once is not kept, so not compressed: its first two answers are plain.
  const first = await get("gzip, deflate, br");
  const second = await get("gzip, deflate, br");
  for (const res of [first, second]) {
    assert.equal(res.headers.get("content-encoding"), null);
    assert.equal(res.headers.get("vary"), "Accept-Encoding");
  }
  const plain = await first.text();
  assert.equal(await second.text(), plain);
  assert.equal(JSON.parse(plain).slots.length, 7 * 16);
  // Kept from its second answer and gzipped off the request's path; soon sent gzipped.
  let zipped: Response | undefined;
  for (let i = 0; i < 100 && !zipped; i++) {
    const res = await get("gzip");
    if (res.headers.get("content-encoding") === "gzip") zipped = res;
    else await res.body?.cancel();
    if (!zipped) await new Promise((r) => setTimeout(r, 10));
  }
  assert.ok(zipped, "a kept listing is sent gzipped to a client that accepts gzip");
  const { traceparent: _t, "x-request-id": _id, ...headers } = headersOf(zipped);
  assert.deepEqual(headers, {
    ...SECURITY_HEADERS,
    "content-encoding": "gzip",
    "content-type": "application/json",
    vary: "Accept-Encoding",
  });
  const bytes = new Uint8Array(await zipped.clone().arrayBuffer());
  assert.ok(bytes.length * 4 < new TextEncoder().encode(plain).length, "gzip shrinks it");
  assert.equal(await bodyText(zipped), plain, "the same listing, gzipped");
  // Clients that do not ask for gzip, or refuse it, get the same listing plain.
  for (const refusal of [undefined, "identity", "br", "gzip;q=0", "deflate, gzip;q=0.0"]) {
    const res = await get(refusal);
    assert.equal(res.headers.get("content-encoding"), null, String(refusal));
    assert.equal(res.headers.get("vary"), "Accept-Encoding");
    assert.equal(await res.text(), plain, String(refusal));
  }
  for (const accepting of ["*", "GZIP;q=0.5, br;q=1", "identity;q=0.1, gzip"]) {
    const res = await get(accepting);
    assert.equal(res.headers.get("content-encoding"), "gzip", accepting);
    assert.equal(await bodyText(res), plain, accepting);
  }
});

Deno.test("a listing gzipped for reuse is never sent once a hold has changed the doctor's calendar", async () => {
  const { app, doctor, from, to } = await listingApp({ RATE_LIMIT_DISABLED: "true" });
  await using _ = app;
  const url = `http://vaidya.test/v1/doctors/${doctor.id}/slots?from=${from}&to=${to}`;
  const get = () => app.fetch(new Request(url, { headers: { "Accept-Encoding": "gzip" } }));
  const listed = async () => JSON.parse(await bodyText(await get())).slots as { start: string }[];
  const before = await listed();
  await listed();
  let gzipped = false;
  for (let i = 0; i < 100 && !gzipped; i++) {
    const res = await get();
    gzipped = res.headers.get("content-encoding") === "gzip";
    await res.body?.cancel();
    if (!gzipped) await new Promise((r) => setTimeout(r, 10));
  }
  assert.ok(gzipped, "the listing is kept and gzipped");
  const patient = await app.api.login(randomPhone());
  const hold = await app.api.request("POST", "/v1/holds", {
    token: patient.accessToken,
    body: { doctorId: doctor.id, start: before[0].start },
  });
  assert.equal(hold.status, 201, JSON.stringify(hold.body));
  for (let i = 0; i < 3; i++) {
    const after = await listed();
    assert.equal(after.length, before.length - 1);
    assert.ok(!after.some((s) => s.start === before[0].start), "the held slot is not offered");
  }
});
