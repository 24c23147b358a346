/**
 * A patient's prakriti answers are health data: stored sealed like other medical fields, never as
 * the option ids they chose, and an assessment stored in the clear by an earlier version still
 * reads back. In-process on the in-memory app; the raw store is read through `runtime.kv`.
 */
import assert from "node:assert/strict";
import { randomPhone } from "../_harness/api.ts";
import { startApp } from "../_harness/app.ts";
import { prakritiKey } from "../../src/stores/kv/keys.ts";

Deno.test("POST /v1/prakriti/assessments stores the answers sealed, none of them in the clear", async () => {
  await using app = await startApp({ RATE_LIMIT_DISABLED: "true" });
  const { api, runtime } = app;
  const q = await api.request<{ questions: { id: string; options: { id: string }[] }[] }>(
    "GET",
    "/v1/prakriti/questionnaire",
  );
  const answers = Object.fromEntries(q.body.questions.map((x) => [x.id, x.options[1].id]));
  const patient = await api.login(randomPhone());
  const res = await api.request("POST", "/v1/prakriti/assessments", {
    token: patient.accessToken,
    body: { answers },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const raw = JSON.stringify((await runtime.kv.get(prakritiKey(patient.user.id))).value);
  assert.ok(raw && raw !== "null", "the assessment is stored");
  const clear = Object.values(answers).filter((id) => raw.includes(`"${id}"`));
  assert.deepEqual(clear, [], `answers in the clear: ${raw.slice(0, 200)}`);
  const prakriti = runtime.deps.prakriti!;
  assert.deepEqual((await prakriti.get(patient.user.id))?.answers, answers, "reads back");
});

Deno.test("PrakritiStore.get() reads an assessment an earlier version stored in the clear", async () => {
  await using app = await startApp();
  const { runtime } = app;
  const old = {
    patientId: "pat_old",
    scores: { vata: 1, pitta: 0, kapha: 0 },
    type: "vata",
    doshas: ["vata"],
    answers: { frame: "frame.b" },
    assessedAt: "2026-01-01T00:00:00.000Z",
  };
  await runtime.kv.set(prakritiKey("pat_old"), old);
  assert.deepEqual(await runtime.deps.prakriti!.get("pat_old"), old);
});
