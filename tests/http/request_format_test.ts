/**
 * Malformed requests over HTTP: broken JSON, wrong types, a non-JSON body and unknown routes get a
 * 4xx problem with a stable code and no stack trace, and change nothing. In-process app.
 */
import assert from "node:assert/strict";
import { randomPhone } from "../_harness/api.ts";
import { startApp } from "../_harness/app.ts";
import { assertProblem } from "../_harness/problem.ts";

type Body = Record<string, unknown>;

Deno.test("malformed requests answer 4xx problems with stable codes", async (t) => {
  await using app = await startApp();
  const { api } = app;
  const patient = await api.login(randomPhone());
  const token = patient.accessToken;

  await t.step("malformed JSON is 400 validation_failed", async () => {
    const res = await api.request("POST", "/v1/holds", {
      token,
      raw: '{"doctorId": ',
      headers: { "content-type": "application/json" },
    });
    assertProblem(res, 400, "validation_failed");
  });

  await t.step("wrong types are 400 with field errors", async () => {
    const res = await api.request<Body>("POST", "/v1/holds", {
      token,
      body: { doctorId: 42, start: "tomorrow" },
    });
    assertProblem(res, 400, "validation_failed");
    const paths = (res.body.errors as { path: string }[]).map((e) => e.path).sort();
    assert.deepEqual(paths, ["doctorId", "start"]);
  });

  await t.step("a non-JSON body is 415", async () => {
    const res = await api.request("POST", "/v1/auth/otp", {
      raw: "phone=+919812345678",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    assertProblem(res, 415, "unsupported_media_type");
  });

  await t.step("unknown routes are 404 problems", async () => {
    assertProblem(await api.request("GET", "/v1/nothing-here"), 404, "not_found");
  });
});
