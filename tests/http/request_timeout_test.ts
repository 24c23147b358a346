/**
 * The API's time limit (REQUEST_TIMEOUT_MS, src/http/request_timeout.ts) in-process: a request
 * still running past it answers 503 `timeout` through the one error handler, while requests
 * running beside it that finish in time answer normally, also right after the running ones ended
 * and after the limit's shared timer went idle; no timer keeps the test alive.
 */
import assert from "node:assert/strict";
import { startApp } from "../_harness/app.ts";

Deno.test("a request past REQUEST_TIMEOUT_MS answers 503 timeout; the ones beside it answer 200", async () => {
  await using app = await startApp({ REQUEST_TIMEOUT_MS: "200", RATE_LIMIT_DISABLED: "true" });
  const slow = app.api.request<{ code: string }>("GET", "/v1/dev/sleep?ms=900");
  const quick = await Promise.all(
    Array.from({ length: 5 }, () => app.api.request("GET", "/v1/dev/sleep?ms=20")),
  );
  assert.deepEqual(quick.map((r) => r.status), [200, 200, 200, 200, 200]);
  const late = await slow;
  assert.equal(late.status, 503, JSON.stringify(late.body));
  assert.equal(late.body.code, "timeout");
  assert.match(late.headers.get("content-type") ?? "", /problem\+json/);
  assert.ok(late.headers.get("x-request-id"), "the timeout answer keeps the request id");
  // Like every 503 (the document's 503 header): when to try again, in whole seconds.
  assert.equal(late.headers.get("retry-after"), "1");
  // The slow handler's own sleep is still running: let it end before the test does.
  await new Promise((r) => setTimeout(r, 900));
  assert.equal((await app.api.request("GET", "/v1/dev/sleep?ms=1")).status, 200);
});

Deno.test("a request past REQUEST_TIMEOUT_MS answers 503 timeout right after the running ones ended, and after the limit's timer went idle", async () => {
  await using app = await startApp({ REQUEST_TIMEOUT_MS: "200", RATE_LIMIT_DISABLED: "true" });
  // The last running request leaves: the shared timer is let go (unref'd), not cleared.
  assert.equal((await app.api.request("GET", "/v1/dev/sleep?ms=1")).status, 200);
  const right = await app.api.request<{ code: string }>("GET", "/v1/dev/sleep?ms=600");
  assert.equal(right.status, 503, JSON.stringify(right.body));
  assert.equal(right.body.code, "timeout");
  // Several sweeps with nothing running: the timer is cleared, and armed afresh by the next one.
  await new Promise((r) => setTimeout(r, 700));
  const later = await app.api.request<{ code: string }>("GET", "/v1/dev/sleep?ms=600");
  assert.equal(later.status, 503, JSON.stringify(later.body));
  assert.equal(later.body.code, "timeout");
  await new Promise((r) => setTimeout(r, 700));
});
