/**
 * Erasure interrupted by a store failure (a KV server's deadline answers 503, "retry"): the
 * patient retries `DELETE /v1/me`, and the retry must finish what the first attempt left, not
 * answer 404 because the patient record was already anonymised while their prakriti answers and
 * sessions stay.
 */
import assert from "node:assert/strict";
import { startApp } from "../_harness/app.ts";
import { randomPhone } from "../_harness/api.ts";
import { ServiceUnavailableError } from "../../src/errors.ts";
import { prakritiKey } from "../../src/stores/kv/keys.ts";

Deno.test("DELETE /v1/me retried after a store failure mid-way finishes the erasure", async () => {
  await using app = await startApp();
  const { api, runtime } = app;
  const patient = await api.login(randomPhone());
  const token = patient.accessToken;
  const q = await api.request<{ questions: { id: string; options: { id: string }[] }[] }>(
    "GET",
    "/v1/prakriti/questionnaire",
  );
  const answers = Object.fromEntries(q.body.questions.map((x) => [x.id, x.options[0].id]));
  const assessed = await api.request("POST", "/v1/prakriti/assessments", {
    token,
    body: { answers },
  });
  assert.equal(assessed.status, 201, JSON.stringify(assessed.body));

  const prakriti = runtime.deps.prakriti!;
  const remove = prakriti.remove;
  prakriti.remove = () => {
    prakriti.remove = remove;
    return Promise.reject(new ServiceUnavailableError("The KV store did not answer in time"));
  };
  const first = await api.request("DELETE", "/v1/me", { token });
  prakriti.remove = remove;
  assert.equal(first.status, 503, JSON.stringify(first.body));

  const retried = await api.request("DELETE", "/v1/me", { token });
  assert.equal(retried.status, 204, `the retry finishes: ${JSON.stringify(retried.body)}`);
  const left = await runtime.kv.get(prakritiKey(patient.user.id));
  assert.equal(left.value, null, "the prakriti answers are gone");
  const after = await api.request("GET", "/v1/appointments", { token });
  assert.equal(after.status, 401, "the access token ended with the erasure");
});
