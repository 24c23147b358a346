/**
 * The prakriti assessment is stored as scored (read back from the store) and, as documented in
 * src/recommend/prakriti.ts, does not move doctor recommendations: the same symptoms give the
 * same doctors, scores and reasons to a patient with a vata-type assessment and to nobody.
 */
import assert from "node:assert/strict";
import { createDoctor, randomPhone } from "../_harness/api.ts";
import { startInProcess } from "../_harness/in_process.ts";
import { QUESTIONNAIRE } from "../../src/recommend/prakriti.ts";

type Rec = { items: { doctor: { id: string }; score: number; reason: string }[] };

Deno.test("a stored prakriti does not change the ranking of recommendations", async () => {
  await using app = await startInProcess({ RATE_LIMIT_DISABLED: "true" });
  const { api, runtime } = app;
  const admin = await api.loginAdmin();
  // Manas Roga and Panchakarma are what the removed bonus favoured for a vata prakriti.
  await createDoctor(api, admin, { specializations: ["Manas Roga"] });
  await createDoctor(api, admin, { specializations: ["Kayachikitsa"] });
  await createDoctor(api, admin, { specializations: ["Panchakarma"] });
  const patient = await api.login(randomPhone());
  const q = await api.request<{ questions: { id: string; options: { id: string }[] }[] }>(
    "GET",
    "/v1/prakriti/questionnaire",
  );
  const store = runtime.deps.prakriti!;
  const answers = Object.fromEntries(
    QUESTIONNAIRE.map((x) => [x.id, x.options.find((o) => o.dosha === "vata")!.id]),
  );
  assert.equal(q.body.questions.length, QUESTIONNAIRE.length);
  const saved = await api.request<{ type: string }>("POST", "/v1/prakriti/assessments", {
    token: patient.accessToken,
    body: { answers },
  });
  assert.equal(saved.status, 201, JSON.stringify(saved.body));
  assert.equal(saved.body.type, "vata");
  const stored = await store.get(patient.user.id);
  assert.equal(stored?.type, "vata");
  assert.deepEqual(stored?.scores, { vata: 1, pitta: 0, kapha: 0 });
  assert.deepEqual(stored?.answers, answers);

  const body = { symptoms: "anxiety, worry and insomnia for months, also joint stiffness" };
  const withPrakriti = await api.request<Rec>("POST", "/v1/recommendations", {
    token: patient.accessToken,
    body,
  });
  const without = await api.request<Rec>("POST", "/v1/recommendations", { body });
  assert.equal(withPrakriti.status, 200, JSON.stringify(withPrakriti.body));
  assert.ok(withPrakriti.body.items.length > 0, JSON.stringify(withPrakriti.body));
  const view = (r: Rec) => r.items.map((i) => `${i.doctor.id} ${i.score} ${i.reason}`);
  assert.deepEqual(view(withPrakriti.body), view(without.body));
  assert.ok(withPrakriti.body.items.every((i) => !i.reason.includes("prakriti")));
});
