/**
 * Doctor recommendations over HTTP on held-out examples (not in src/recommend/corpus), emergency
 * triage without a booking push, that no symptom text reaches the server's logs, the prakriti
 * questionnaire and assessment, and problem texts negotiated by Accept-Language. In-process on
 * the in-memory app, except the log check, which reads a real server process's output.
 */
import assert from "node:assert/strict";
import { Api, createDoctor, dateInDays, randomPhone } from "../_harness/api.ts";
import { startApp } from "../_harness/app.ts";
import { startServer } from "../_harness/server.ts";

type Rec = { items: { doctor: { id: string }; specializations: string[]; reason: string }[] };
const FAST = { RATE_LIMIT_DISABLED: "true" };

Deno.test("POST /v1/recommendations ranks the matching specialist first in four languages", async () => {
  await using app = await startApp(FAST);
  const { api } = app;
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

type Triaged = Rec & {
  triage: string;
  flags: string[];
  language: string;
  advice?: string;
  disclaimer: string;
};

Deno.test("POST /v1/recommendations answers a red flag with 112 advice and no doctors, and logs no symptom text", async () => {
  await using server = await startServer({ env: { ...FAST, LOG_LEVEL: "debug" } });
  const api = new Api(server.url);
  const admin = await api.loginAdmin();
  await createDoctor(api, admin, { specializations: ["Kayachikitsa"] });
  await createDoctor(api, admin, { specializations: ["Agada Tantra"] });
  const marker = `zq${crypto.randomUUID().slice(0, 8)}`;

  const heart = await api.request<Triaged>("POST", "/v1/recommendations", {
    body: { symptoms: `${marker} सीने में तेज दर्द है जो बाएं हाथ तक जा रहा है, पसीना आ रहा है` },
  });
  assert.equal(heart.status, 200, JSON.stringify(heart.body));
  assert.equal(heart.body.triage, "emergency");
  assert.deepEqual(heart.body.flags, ["chest_pain"]);
  assert.deepEqual(heart.body.items, [], "an emergency must not invite a booking");
  assert.equal(heart.body.language, "hi");
  assert.match(heart.body.advice!, /112/);
  assert.match(heart.body.disclaimer, /निदान नहीं/);

  const snake = await api.request<Triaged>("POST", "/v1/recommendations", {
    body: { symptoms: "పొలంలో పాము కరిచింది, కాలు వాస్తోంది", language: "te" },
  });
  assert.equal(snake.body.triage, "emergency");
  assert.deepEqual(snake.body.items, []);
  assert.match(snake.body.advice!, /112/);

  const routine = await api.request<Triaged>("POST", "/v1/recommendations", {
    body: { symptoms: `${marker} acidity and sour burps after every meal for a month` },
  });
  assert.equal(routine.body.triage, "routine");
  assert.equal(routine.body.advice, undefined);
  assert.match(routine.body.disclaimer, /not a diagnosis/);
  assert.ok(routine.body.items.length > 0, JSON.stringify(routine.body));
  assert.match(routine.body.items[0].reason, /Kayachikitsa for "/);

  const tooLong = await api.request("POST", "/v1/recommendations", {
    body: { symptoms: `${marker} `.repeat(120) },
  });
  assert.equal(tooLong.status, 400);

  const spec = await api.request<{ paths: Record<string, { post?: { description?: string } }> }>(
    "GET",
    "/openapi.json",
  );
  assert.match(spec.body.paths["/v1/recommendations"].post!.description!, /not a diagnosis/);
  assert.match(JSON.stringify(spec.body), /"disclaimer"/);

  assert.ok(server.logs().includes("/v1/recommendations"), "the requests were logged");
  assert.ok(!server.logs().includes(marker), "symptom text reached the server logs");
  assert.ok(!server.logs().includes("सीने"), "symptom text reached the server logs");
});

Deno.test("POST /v1/prakriti/assessments scores and stores the patient's prakriti", async () => {
  await using app = await startApp(FAST);
  const { api } = app;
  const q = await api.request<{ questions: { id: string; options: { id: string }[] }[] }>(
    "GET",
    "/v1/prakriti/questionnaire",
  );
  assert.equal(q.status, 200);
  // The first option of every item: the display order mixes the doshas, so this is no one type.
  const answers = Object.fromEntries(q.body.questions.map((x) => [x.id, x.options[0].id]));
  const patient = await api.login(randomPhone());
  const res = await api.request<{ type: string; doshas: string[]; scores: Record<string, number> }>(
    "POST",
    "/v1/prakriti/assessments",
    { token: patient.accessToken, body: { answers } },
  );
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const { vata, pitta, kapha } = res.body.scores;
  assert.ok(Math.abs(vata + pitta + kapha - 1) < 1e-9);
  assert.ok(Math.max(vata, pitta, kapha) < 0.6, "first options are spread over the doshas");
  assert.ok(res.body.doshas.length >= 1);
  const missing = await api.request("POST", "/v1/prakriti/assessments", {
    token: patient.accessToken,
    body: { answers: { frame: "frame.a" } },
  });
  assert.equal(missing.status, 400);
  const anonymous = await api.request("POST", "/v1/prakriti/assessments", { body: { answers } });
  assert.equal(anonymous.status, 401);
});

Deno.test("POST /v1/recommendations triages romanised Hindi and plainly worded English red flags as emergency, with no doctors", async () => {
  await using app = await startApp(FAST);
  const admin = await app.api.loginAdmin();
  for (const specializations of [["Kayachikitsa"], ["Manas Roga"], ["Shalya Tantra"]]) {
    await createDoctor(app.api, admin, { specializations });
  }
  const cases: [string, string][] = [
    ["chest_pain", "papa ko dil ka daura pada hai"],
    ["suicidal", "main khudkushi karna chahta hoon"],
    ["suicidal", "mere man mein aatmhatya ke vichar aa rahe hain"],
    ["heavy_bleeding", "the bleeding will not stop"],
    ["heavy_bleeding", "deep cut on my hand, bleeding a lot"],
  ];
  for (const [flag, symptoms] of cases) {
    const res = await app.api.request<Triaged>("POST", "/v1/recommendations", {
      body: { symptoms },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.triage, "emergency", `${symptoms}: ${JSON.stringify(res.body)}`);
    assert.ok(res.body.flags.includes(flag), `${symptoms}: ${JSON.stringify(res.body.flags)}`);
    assert.deepEqual(res.body.items, [], `${symptoms}: an emergency must not invite a booking`);
    assert.match(res.body.advice!, /112/);
  }
});

Deno.test("POST /v1/recommendations triages severe chest pain and severe breathing difficulty as emergency, in English and Hindi", async () => {
  await using app = await startApp(FAST);
  const admin = await app.api.loginAdmin();
  await createDoctor(app.api, admin, { specializations: ["Kayachikitsa"] });
  const cases: [string, string][] = [
    ["chest_pain", "severe chest pain since twenty minutes"],
    ["chest_pain", "सीने में तेज दर्द हो रहा है"],
    ["chest_pain", "seene mein bahut tez dard"],
    ["breathing", "severe difficulty breathing"],
    ["breathing", "सांस लेने में बहुत तकलीफ हो रही है"],
    ["breathing", "saans lene mein bahut dikkat"],
  ];
  for (const [flag, symptoms] of cases) {
    const res = await app.api.request<Triaged>("POST", "/v1/recommendations", {
      body: { symptoms },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.triage, "emergency", `${symptoms}: ${JSON.stringify(res.body)}`);
    assert.ok(res.body.flags.includes(flag), `${symptoms}: ${JSON.stringify(res.body.flags)}`);
    assert.deepEqual(res.body.items, [], `${symptoms}: an emergency must not invite a booking`);
  }
  for (
    const symptoms of ["mild chest congestion with cough", "slight breathlessness climbing stairs"]
  ) {
    const res = await app.api.request<Triaged>("POST", "/v1/recommendations", {
      body: { symptoms },
    });
    assert.notEqual(res.body.triage, "emergency", `${symptoms}: ${JSON.stringify(res.body)}`);
  }
});

Deno.test("POST /v1/recommendations judges from/to the same whoever matches: `to` alone is looked up to, a too long range is 400", async () => {
  await using app = await startApp(FAST);
  const { api } = app;
  const admin = await api.loginAdmin();
  // Hours every day, bookable 60 days ahead (createDoctor's default schedule).
  const doctor = await createDoctor(api, admin, { specializations: ["Panchakarma"] });
  const ask = (body: Record<string, unknown>) =>
    api.request<Rec & { code?: string }>("POST", "/v1/recommendations", {
      body: { symptoms: "joint pain in both knees", ...body },
    });

  // `to` alone, two months on: the doctor's next slot (tomorrow at the latest), not a 400 about
  // a listing the client never asked for.
  const far = await ask({ to: dateInDays(60) });
  assert.equal(far.status, 200, JSON.stringify(far.body));
  assert.equal(far.body.items[0]?.doctor.id, doctor.id);
  // `to` alone, already past: no slot by then, not a 400 blaming a `from` that was not sent.
  const past = await ask({ to: dateInDays(-1) });
  assert.equal(past.status, 200, JSON.stringify(past.body));
  assert.deepEqual(past.body.items, []);
  // Both given and 40 days apart: 400 whether or not any doctor matches.
  for (const city of [undefined, "Nowhere"]) {
    const long = await ask({ from: dateInDays(1), to: dateInDays(41), city });
    assert.equal(long.status, 400, `${city}: ${JSON.stringify(long.body)}`);
    assert.equal(long.body.code, "validation_failed");
  }
});

Deno.test("POST /v1/recommendations skips a doctor deactivated between the search and their slot listing", async () => {
  await using app = await startApp(FAST);
  const { api } = app;
  const admin = await api.loginAdmin();
  const first = await createDoctor(api, admin);
  const second = await createDoctor(api, admin);
  const body = { symptoms: "joint pain and stiffness", city: "Pune" };
  const before = await api.request<Rec>("POST", "/v1/recommendations", { body });
  assert.equal(before.status, 200, JSON.stringify(before.body));
  assert.deepEqual(before.body.items.map((i) => i.doctor.id).sort(), [first.id, second.id].sort());

  // The seam: the recommendation service reads slots through the app's booking service after
  // the search; the first listing it asks for finds its doctor deactivated by then.
  const booking = app.runtime.deps.booking;
  const listSlots = booking.listSlots;
  let deactivated: string | undefined;
  booking.listSlots = async (doctorId, from, to) => {
    if (!deactivated) {
      deactivated = doctorId;
      const off = await api.request("POST", `/v1/admin/doctors/${doctorId}/deactivate`, {
        token: admin.accessToken,
      });
      assert.equal(off.status, 200, JSON.stringify(off.body));
    }
    return await listSlots.call(booking, doctorId, from, to);
  };
  try {
    const res = await api.request<Rec>("POST", "/v1/recommendations", { body });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(deactivated, "the recommendation listed slots");
    const remaining = deactivated === first.id ? second.id : first.id;
    assert.deepEqual(res.body.items.map((i) => i.doctor.id), [remaining]);
  } finally {
    booking.listSlots = listSlots;
  }
});
