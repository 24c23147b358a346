/**
 * A course's code gets the same guard as a hold's: at most OTP_MAX_ATTEMPTS guesses are compared,
 * however many arrive at once, and the right code after the limit books nothing. In-process on
 * the in-memory app (a burst through `app.fetch` is as concurrent as over a socket).
 */
import assert from "node:assert/strict";
import { createDoctor, firstSlots, randomPhone } from "../_harness/api.ts";
import { startApp } from "../_harness/app.ts";

const MAX_ATTEMPTS = 5;
/** Answers given without comparing a code: the limit was reached. */
const EXHAUSTED = /too many wrong codes/i;

type Problem = { code?: string; detail?: string; status?: string };

const wrong = (right: string, i: number) =>
  String((Number(right) + 1 + i) % 1_000_000).padStart(6, "0");

Deno.test("course codes: 60 simultaneous wrong codes compare at most OTP_MAX_ATTEMPTS, then the right one books nothing", async () => {
  await using app = await startApp({
    OTP_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
    API_REQUESTS_PER_MINUTE_PER_USER: "10000",
    API_REQUESTS_PER_MINUTE_PER_IP: "10000",
  });
  const { api } = app;
  const doctor = await createDoctor(api, await api.loginAdmin());
  const [slot] = await firstSlots(api, doctor.id);
  const patient = await api.login(randomPhone());
  const held = await api.request<{ id: string }>("POST", "/v1/courses", {
    token: patient.accessToken,
    body: { doctorId: doctor.id, start: slot.start, count: 2, everyDays: 1 },
  });
  assert.equal(held.status, 201, JSON.stringify(held.body));
  const right = await api.latestCode(patient.phone);
  const confirm = (code: string) =>
    api.request<Problem>("POST", `/v1/courses/${held.body.id}/confirm`, {
      token: patient.accessToken,
      body: { code },
    });

  const answers = await Promise.all(
    Array.from({ length: 60 }, (_, i) => confirm(wrong(right, i))),
  );
  assert.deepEqual(answers.filter((r) => r.status >= 500).map((r) => r.body), []);
  const compared =
    answers.filter((r) =>
      r.status === 422 && r.body.code === "invalid_code" && !EXHAUSTED.test(r.body.detail ?? "")
    ).length;
  assert.ok(
    compared <= MAX_ATTEMPTS,
    `${compared} wrong codes were compared against one course code (limit ${MAX_ATTEMPTS})`,
  );
  const late = await confirm(right);
  assert.equal(
    late.status,
    422,
    `the right code after the limit booked: ${JSON.stringify(late.body)}`,
  );
});

Deno.test("course codes: two simultaneous right codes leave the course confirmed, never failed", async () => {
  await using app = await startApp({ OTP_MAX_ATTEMPTS: String(MAX_ATTEMPTS) });
  const { api } = app;
  const doctor = await createDoctor(api, await api.loginAdmin());
  const [slot] = await firstSlots(api, doctor.id);
  const patient = await api.login(randomPhone());
  const held = await api.request<{ id: string }>("POST", "/v1/courses", {
    token: patient.accessToken,
    body: { doctorId: doctor.id, start: slot.start, count: 2, everyDays: 1 },
  });
  assert.equal(held.status, 201, JSON.stringify(held.body));
  const code = await api.latestCode(patient.phone);
  const answers = await Promise.all(
    [0, 1].map(() =>
      api.request<Problem>("POST", `/v1/courses/${held.body.id}/confirm`, {
        token: patient.accessToken,
        body: { code },
      })
    ),
  );
  assert.deepEqual(answers.filter((r) => r.status >= 500).map((r) => r.body), []);
  assert.ok(answers.some((r) => r.status === 201), JSON.stringify(answers.map((r) => r.body)));
  const course = await api.request<Problem>("GET", `/v1/courses/${held.body.id}`, {
    token: patient.accessToken,
  });
  assert.equal(course.body.status, "confirmed", JSON.stringify(course.body));
});
