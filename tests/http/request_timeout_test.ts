/**
 * The API's time limit (REQUEST_TIMEOUT_MS, src/http/request_timeout.ts) in-process: a request
 * still running past it answers 503 `timeout` through the one error handler, while requests
 * running beside it that finish in time answer normally; no timer outlives the requests.
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
  // The slow handler's own sleep is still running: let it end before the test does.
  await new Promise((r) => setTimeout(r, 900));
  assert.equal((await app.api.request("GET", "/v1/dev/sleep?ms=1")).status, 200);
});
