/**
 * Doctor recommendations over HTTP on held-out examples (not in src/recommend/eval_set.json),
 * the prakriti questionnaire and assessment, and problem texts negotiated by Accept-Language.
 */
import assert from "node:assert/strict";
import { Api, createDoctor, randomPhone } from "../_harness/api.ts";
import { startServer } from "../_harness/server.ts";

type Rec = { items: { doctor: { id: string }; specializations: string[]; reason: string }[] };
const FAST = { RATE_LIMIT_DISABLED: "true" };

Deno.test("POST /v1/recommendations ranks the matching specialist first in four languages", async () => {
  await using server = await startServer({ env: FAST });
  const api = new Api(server.url);
  const admin = await api.loginAdmin();
  const shalya = await createDoctor(api, admin, { specializations: ["Shalya Tantra"] });
  const child = await createDoctor(api, admin, { specializations: ["Kaumarbhritya"] });
  const mind = await createDoctor(api, admin, { specializations: ["Manas Roga", "Rasayana"] });
  const elsewhere = await createDoctor(api, admin, {
    specializations: ["Manas Roga"],
    city: "Chennai",
  });
  const cases: [string, string, string | undefined][] = [
    ["blood in stool, I think it is haemorrhoids", shalya.id, undefined],
    ["என் பிள்ளைக்கு வயிற்றுப்போக்கு இருக்கிறது", child.id, undefined],
    ["ऑफिस के टेंशन से नींद उड़ गई है", mind.id, "Pune"],
    ["mala jhop lagat nahi ani khup kalji vatte", mind.id, "Pune"],
  ];
  for (const [symptoms, expected, city] of cases) {
    const res = await api.request<Rec>("POST", "/v1/recommendations", {
      body: { symptoms, city },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(
      res.body.items[0]?.doctor.id,
      expected,
      `${symptoms}: ${JSON.stringify(res.body)}`,
    );
    assert.ok(res.body.items[0].reason.length > 10);
    if (city) assert.ok(!res.body.items.some((i) => i.doctor.id === elsewhere.id));
  }
  const none = await api.request<Rec>("POST", "/v1/recommendations", {
    body: { symptoms: "hello there" },
  });
  assert.deepEqual(none.body.items, []);
  const bad = await api.request<Record<string, string>>("POST", "/v1/recommendations", {
    body: { symptoms: "" },
    headers: { "accept-language": "hi" },
  });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.code, "validation_failed");
  assert.equal(bad.body.title, "अमान्य अनुरोध");
  const english = await api.request<Record<string, string>>("POST", "/v1/recommendations", {
    body: { symptoms: "" },
    headers: { "accept-language": "fr, en;q=0.8" },
  });
  assert.equal(english.body.title, "Validation failed");
});

Deno.test("POST /v1/prakriti/assessments scores and stores the patient's prakriti", async () => {
  await using server = await startServer({ env: FAST });
  const api = new Api(server.url);
  const q = await api.request<{ questions: { id: string; options: { id: string }[] }[] }>(
    "GET",
    "/v1/prakriti/questionnaire",
  );
  assert.equal(q.status, 200);
  const answers = Object.fromEntries(
    q.body.questions.map((x, i) => [x.id, x.options[i < 5 ? 1 : 0].id]),
  );
  const patient = await api.login(randomPhone());
  const res = await api.request<{ dominant: string; scores: Record<string, number> }>(
    "POST",
    "/v1/prakriti/assessments",
    { token: patient.accessToken, body: { answers } },
  );
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.equal(res.body.dominant, "pitta");
  assert.equal(res.body.scores.pitta, 5 / 8);
  const missing = await api.request("POST", "/v1/prakriti/assessments", {
    token: patient.accessToken,
    body: { answers: { frame: "frame.vata" } },
  });
  assert.equal(missing.status, 400);
  const anonymous = await api.request("POST", "/v1/prakriti/assessments", { body: { answers } });
  assert.equal(anonymous.status, 401);
});
