/**
 * A patient's prakriti answers are health data: stored sealed like other medical fields, never as
 * the option ids they chose, and an assessment stored in the clear by an earlier version still
 * reads back. In-process on the in-memory app; the raw store is read through `runtime.kv`.
 */
import assert from "node:assert/strict";
import { randomPhone } from "../_harness/api.ts";
import { startApp } from "../_harness/app.ts";
import { prakritiKey } from "../../src/stores/kv/keys.ts";
import { sealedCollections } from "../../src/stores/sealed_fields.ts";
import { createKvRecordStores } from "../../src/stores/kv/record_stores.ts";

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

Deno.test("sealedCollections() hands key rotation the sealed prakriti answers", async () => {
  await using app = await startApp();
  const { runtime } = app;
  const prakriti = runtime.deps.prakriti!;
  await prakriti.save({
    patientId: "pat_rot",
    scores: { vata: 0, pitta: 1, kapha: 0 },
    type: "pitta",
    doshas: ["pitta"],
    answers: { frame: "frame.c" },
    assessedAt: "2026-01-01T00:00:00.000Z",
  });
  const collection = sealedCollections(createKvRecordStores(runtime.kv), runtime.kv)
    .find((c) => c.name === "prakriti");
  assert.ok(collection, "a prakriti collection in the registry");
  const page = await collection.page(null);
  assert.equal(page.items.length, 1);
  assert.equal(page.items[0].values.length, 1);
  // A rewrite with the value as it is (a rotation to the same key) keeps it readable.
  await page.items[0].rewrite((sealed) => Promise.resolve(sealed));
  assert.deepEqual((await prakriti.get("pat_rot"))?.answers, { frame: "frame.c" });
});
