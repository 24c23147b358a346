/**
 * The doctor's outcome marks over HTTP (in-process, on a hand-moved clock): a no-show or a
 * completed visit is a fact about a visit's start, so either is refused before that start and the
 * appointment stays confirmed.
 */
import assert from "node:assert/strict";
import { startAppWithDoctor } from "../_harness/app.ts";
import { book } from "../_harness/book.ts";
import { appEnv, startFerretDb } from "../_harness/ferretdb.ts";

type Body = Record<string, unknown>;

Deno.test("PATCH /v1/appointments/:id refuses a no-show before the visit starts (409) and leaves it confirmed", async () => {
  const clock = { now: Date.now() };
  await using app = await startAppWithDoctor({}, () => clock.now);
  const { api, doctor, patient, slots } = app;
  const { appointment } = await book(api, patient, doctor.id, slots[0].start);
  const doc = await api.login(doctor.phone);

  const early = await api.request<Body>("PATCH", `/v1/appointments/${appointment.id}`, {
    token: doc.accessToken,
    body: { status: "no_show" },
  });
  assert.equal(early.status, 409, JSON.stringify(early.body));
  assert.equal(early.body.code, "invalid_state");
  const still = await api.request<Body>("GET", `/v1/appointments/${appointment.id}`, {
    token: doc.accessToken,
  });
  assert.equal(still.body.status, "confirmed");

  // Ten minutes after the start, the patient has not come.
  clock.now = Date.parse(appointment.start) + 10 * 60_000;
  const later = await api.login(doctor.phone, true);
  const marked = await api.request<Body>("PATCH", `/v1/appointments/${appointment.id}`, {
    token: later.accessToken,
    body: { status: "no_show" },
  });
  assert.equal(marked.status, 200, JSON.stringify(marked.body));
  assert.equal(marked.body.status, "no_show");
});

Deno.test("PATCH /v1/appointments/:id refuses to complete a visit before it starts (409) and leaves it confirmed", async () => {
  const clock = { now: Date.now() };
  await using app = await startAppWithDoctor({}, () => clock.now);
  const { api, doctor, patient, slots } = app;
  const { appointment } = await book(api, patient, doctor.id, slots[0].start);
  const doc = await api.login(doctor.phone);

  const early = await api.request<Body>("PATCH", `/v1/appointments/${appointment.id}`, {
    token: doc.accessToken,
    body: { status: "completed", notes: "Seen" },
  });
  assert.equal(early.status, 409, JSON.stringify(early.body));
  assert.equal(early.body.code, "invalid_state");
  const still = await api.request<Body>("GET", `/v1/appointments/${appointment.id}`, {
    token: doc.accessToken,
  });
  assert.equal(still.body.status, "confirmed");
  assert.equal(still.body.notes, undefined, "nothing of the refused change is kept");
  const moved = await api.request<Body>("POST", `/v1/appointments/${appointment.id}/cancel`, {
    token: patient.accessToken,
    body: {},
  });
  assert.equal(moved.status, 200, "the patient can still cancel their visit to come");

  // Once the next visit has started, the doctor completes it with notes.
  const next = await book(api, patient, doctor.id, slots[1].start);
  clock.now = Date.parse(next.appointment.start) + 20 * 60_000;
  const later = await api.login(doctor.phone, true);
  const done = await api.request<Body>("PATCH", `/v1/appointments/${next.appointment.id}`, {
    token: later.accessToken,
    body: { status: "completed", notes: "Advised Abhyanga and warm water" },
  });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  assert.equal(done.body.status, "completed");
  assert.equal(done.body.notes, "Advised Abhyanga and warm water");
});

/** A doctor's notes about an erased patient, on the records `env` selects. */
async function notesAfterErasure(env: Record<string, string>) {
  const clock = { now: Date.now() };
  await using app = await startAppWithDoctor(env, () => clock.now);
  const { api, doctor, patient, slots } = app;
  const { appointment } = await book(api, patient, doctor.id, slots[0].start);
  clock.now = Date.parse(appointment.start) + 40 * 60_000; // the visit took place
  const erased = await api.request("DELETE", "/v1/me", {
    token: (await api.login(patient.phone, true)).accessToken,
  });
  assert.equal(erased.status, 204, JSON.stringify(erased.body));
  const doc = await api.login(doctor.phone, true);

  const notes = await api.request<Body>("PATCH", `/v1/appointments/${appointment.id}`, {
    token: doc.accessToken,
    body: { status: "completed", notes: "Vata imbalance; advised abhyanga" },
  });
  assert.equal(notes.status, 409, JSON.stringify(notes.body));
  assert.equal(notes.body.code, "invalid_state");
  const kept = await api.request<Body>("GET", `/v1/appointments/${appointment.id}`, {
    token: doc.accessToken,
  });
  assert.equal(kept.body.notes, undefined, "no medical text after the erasure");
  assert.equal(kept.body.status, "confirmed");

  const outcome = await api.request<Body>("PATCH", `/v1/appointments/${appointment.id}`, {
    token: doc.accessToken,
    body: { status: "completed" },
  });
  assert.equal(outcome.status, 200, JSON.stringify(outcome.body));
  assert.equal(outcome.body.status, "completed");
}

Deno.test("PATCH /v1/appointments/:id writes no notes about a patient who erased their data (409); the outcome can still be marked", async () => {
  await notesAfterErasure({});
});

Deno.test("PATCH /v1/appointments/:id writes no notes about an erased patient on MongoDB records either", async () => {
  const mongo = await startFerretDb();
  try {
    await notesAfterErasure(appEnv(mongo));
  } finally {
    await mongo.stop();
  }
});

Deno.test("POST /v1/appointments/:id/cancel by the doctor keeps no reason about a patient who erased their data (409)", async () => {
  const clock = { now: Date.now() };
  await using app = await startAppWithDoctor({}, () => clock.now);
  const { api, doctor, patient, slots } = app;
  const { appointment } = await book(api, patient, doctor.id, slots[0].start);
  clock.now = Date.parse(appointment.start) + 40 * 60_000;
  const erased = await api.request("DELETE", "/v1/me", {
    token: (await api.login(patient.phone, true)).accessToken,
  });
  assert.equal(erased.status, 204, JSON.stringify(erased.body));
  const doc = await api.login(doctor.phone, true);
  const cancelled = await api.request<Body>("POST", `/v1/appointments/${appointment.id}/cancel`, {
    token: doc.accessToken,
    body: { reason: "Patient reported chest pain; referred to cardiology" },
  });
  assert.equal(cancelled.status, 409, JSON.stringify(cancelled.body));
  assert.equal(cancelled.body.code, "invalid_state");
});

Deno.test("POST /v1/appointments/:id/cancel by the doctor once the visit has ended is 409 invalid_state: no cancellation notice about a past visit", async () => {
  const clock = { now: Date.now() };
  await using app = await startAppWithDoctor({}, () => clock.now);
  const { api, doctor, patient, slots } = app;
  const { appointment } = await book(api, patient, doctor.id, slots[0].start);
  const cancelNotices = async () => {
    const res = await api.request<{ messages: { body: string }[] }>(
      "GET",
      `/v1/dev/outbox?to=${encodeURIComponent(patient.phone)}`,
    );
    return res.body.messages.filter((m) => /cancelled/.test(m.body)).length;
  };

  clock.now = Date.parse(appointment.end) + 60_000;
  const doc = await api.login(doctor.phone, true);
  const late = await api.request<Body>("POST", `/v1/appointments/${appointment.id}/cancel`, {
    token: doc.accessToken,
    body: {},
  });
  assert.equal(late.status, 409, JSON.stringify(late.body));
  assert.equal(late.body.code, "invalid_state");
  assert.match(String(late.body.detail), /completed|no_show/);
  const still = await api.request<Body>("GET", `/v1/appointments/${appointment.id}`, {
    token: doc.accessToken,
  });
  assert.equal(still.body.status, "confirmed");
  assert.equal(await cancelNotices(), 0);

  // While the visit runs (the doctor fell ill during it), a cancel still goes through.
  const { appointment: running } = await book(
    api,
    await api.login(patient.phone, true),
    doctor.id,
    slots[2].start,
  );
  clock.now = Date.parse(running.start) + 5 * 60_000;
  const during = await api.request<Body>("POST", `/v1/appointments/${running.id}/cancel`, {
    token: (await api.login(doctor.phone, true)).accessToken,
    body: {},
  });
  assert.equal(during.status, 200, JSON.stringify(during.body));
  assert.equal(during.body.status, "cancelled");
});
