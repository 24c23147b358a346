/**
 * Issue 17, items 3, 4 and 8 (contention): code checks are counted before they are made, so a
 * burst of simultaneous guesses checks at most OTP_MAX_ATTEMPTS of them and the right code cannot
 * win after the limit; wrong codes for a phone with no code outstanding lock nobody out; the
 * doctor web login shares the per-IP check limit; and bursts of simultaneous requests never
 * answer 500. All against the real app, in-process on an in-memory KV (the bursts are as
 * concurrent through `app.fetch` as over a socket).
 */
import assert from "node:assert/strict";
import { randomPhone } from "../_harness/api.ts";
import { holdFirstSlot } from "../_harness/book.ts";
import { startApp } from "../_harness/app.ts";

const MAX_ATTEMPTS = 5;
/** Answers given without comparing a code: the limit was reached, or the code is gone. */
const EXHAUSTED = /too many wrong codes|no code is waiting/i;

type Problem = { code?: string; detail?: string };

/** A wrong code that is surely not `right`. */
const wrong = (right: string, i: number) =>
  String((Number(right) + 1 + i) % 1_000_000).padStart(6, "0");

function tally(statuses: { status: number; body: Problem }[]) {
  const serverErrors = statuses.filter((r) => r.status >= 500);
  // Answers that come from comparing the code: a success or a plain "wrong code".
  const checked = statuses.filter((r) =>
    r.status === 200 || r.status === 201 ||
    (r.status === 422 && r.body.code === "invalid_code" && !EXHAUSTED.test(r.body.detail ?? ""))
  );
  return { serverErrors, checked };
}

Deno.test("login codes: 80 simultaneous guesses check at most OTP_MAX_ATTEMPTS, never 500", async () => {
  await using app = await startApp({
    OTP_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
    OTP_VERIFIES_PER_IP_PER_HOUR: "1000",
  });
  const { api } = app;
  const phone = randomPhone();
  assert.equal((await api.request("POST", "/v1/auth/otp", { body: { phone } })).status, 202);
  const right = await api.latestCode(phone);
  const guesses = Array.from({ length: 80 }, (_, i) => (i === 79 ? right : wrong(right, i)));
  const answers = await Promise.all(
    guesses.map((code) =>
      api.request<Problem>("POST", "/v1/auth/verify", { body: { phone, code } })
    ),
  );
  const { serverErrors, checked } = tally(answers);
  assert.deepEqual(serverErrors.map((r) => r.body), []);
  assert.ok(
    checked.length <= MAX_ATTEMPTS,
    `${checked.length} guesses were checked against one code (limit ${MAX_ATTEMPTS})`,
  );
  const won = answers.filter((r) => r.status === 200).length;
  if (won === 0) {
    const late = await api.request("POST", "/v1/auth/verify", { body: { phone, code: right } });
    assert.equal(late.status, 422, "the right code after the limit must not log in");
  }
});

/** A held slot on an app with MAX_ATTEMPTS, and a way to send many codes for it at once. */
async function heldSlot() {
  const app = await startApp({
    OTP_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
    API_REQUESTS_PER_MINUTE_PER_USER: "10000",
    API_REQUESTS_PER_MINUTE_PER_IP: "10000",
  });
  const { patient, holdId, code: right } = await holdFirstSlot(app.api);
  const confirm = (code: string) =>
    app.api.request<Problem>("POST", `/v1/holds/${holdId}/confirm`, {
      token: patient.accessToken,
      body: { code },
    });
  return { app, right, confirm, burst: (codes: string[]) => Promise.all(codes.map(confirm)) };
}

Deno.test("hold codes: 60 simultaneous wrong codes burn the hold's code, never 500", async () => {
  const { app, right, confirm, burst } = await heldSlot();
  await using _app = app;
  const answers = await burst(Array.from({ length: 60 }, (_, i) => wrong(right, i)));
  const { serverErrors, checked } = tally(answers);
  assert.deepEqual(serverErrors.map((r) => r.body), []);
  assert.ok(checked.length <= MAX_ATTEMPTS, `${checked.length} codes checked`);
  const late = await confirm(right);
  assert.equal(late.status, 422, JSON.stringify(late.body));
});

Deno.test("hold codes: the right code racing 60 wrong ones books only if counted within the limit", async () => {
  const { app, right, confirm, burst } = await heldSlot();
  await using _app = app;
  const answers = await burst(
    Array.from({ length: 60 }, (_, i) => i === 30 ? right : wrong(right, i)),
  );
  assert.deepEqual(answers.filter((r) => r.status >= 500).map((r) => r.body), []);
  // Plain "wrong code" answers: each was counted before it was given.
  const wrongAnswers = answers.filter((r, i) =>
    i !== 30 && r.status === 422 &&
    r.body.code === "invalid_code" && !EXHAUSTED.test(r.body.detail ?? "")
  ).length;
  const booked = answers[30].status === 201;
  assert.ok(
    wrongAnswers + (booked ? 1 : 0) <= MAX_ATTEMPTS,
    `${wrongAnswers} wrong answers and booked=${booked} with a limit of ${MAX_ATTEMPTS}`,
  );
  if (!booked) {
    assert.equal(answers[30].status, 422, JSON.stringify(answers[30].body));
    assert.equal(
      (await confirm(right)).status,
      422,
      "the right code after the limit must not book",
    );
  }
});

Deno.test("wrong codes for a phone with no code outstanding lock nobody out", async () => {
  await using app = await startApp({
    OTP_LOCKOUT_FAILURES: "3",
    OTP_VERIFIES_PER_IP_PER_HOUR: "1000",
  });
  const { api } = app;
  const victim = randomPhone();
  for (let i = 0; i < 10; i++) {
    const res = await api.request("POST", "/v1/auth/verify", {
      body: { phone: victim, code: "000000" },
    });
    assert.equal(res.status, 422);
  }
  const session = await api.login(victim);
  assert.equal(session.user.role, "patient", "the victim still logs in");
});

Deno.test("the doctor web login shares the per-IP limit on code checks", async () => {
  await using app = await startApp({ OTP_VERIFIES_PER_IP_PER_HOUR: "5" });
  const csrf = "c".repeat(32);
  const statuses: number[] = [];
  for (let i = 0; i < 8; i++) {
    const res = await app.fetch(
      new Request("http://vaidya.test/doctor/login/verify", {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          cookie: `vaidya_ui_login=${csrf}`,
        },
        body: new URLSearchParams({ _csrf: csrf, phone: randomPhone(), code: "123456" }),
      }),
    );
    await res.body?.cancel();
    statuses.push(res.status);
  }
  assert.deepEqual(statuses.slice(0, 5), [422, 422, 422, 422, 422]);
  assert.deepEqual(statuses.slice(5), [429, 429, 429]);
});

Deno.test("40 simultaneous code requests from one address answer 202 or 429, never 500", async () => {
  await using app = await startApp({ OTP_SENDS_PER_IP_PER_HOUR: "30" });
  const { api } = app;
  const answers = await Promise.all(
    Array.from(
      { length: 40 },
      () => api.request("POST", "/v1/auth/otp", { body: { phone: randomPhone() } }),
    ),
  );
  const statuses = answers.map((r) => r.status);
  assert.ok(statuses.every((s) => s === 202 || s === 429), statuses.join(","));
  assert.equal(statuses.filter((s) => s === 202).length, 30, "exactly the limit got through");
});
