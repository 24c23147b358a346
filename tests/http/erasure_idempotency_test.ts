/**
 * Erasure and the stored answers of idempotent requests: a doctor's cancel of a patient's
 * appointment (with `Idempotency-Key`) stores an answer that carries the patient's reason and the
 * doctor's notes; once the patient is erased, a replay of it must not hand that text back, and
 * no sealed copy of it may stay at rest. In-process on the in-memory app.
 */
import assert from "node:assert/strict";
import { startAppWithDoctor } from "../_harness/app.ts";
import { book } from "../_harness/book.ts";

Deno.test("DELETE /v1/me also forgets the doctor's stored answers about the patient's appointments", async () => {
  await using app = await startAppWithDoctor({ RATE_LIMIT_DISABLED: "true" });
  const { api, patient, doctor, slots } = app;
  const reason = "recurring chest tightness at night";
  const notes = "suspect anxiety; ECG advised";
  const { appointment } = await book(api, patient, doctor.id, slots[0].start, { reason });
  const doc = await api.login(doctor.phone);
  const patched = await api.request("PATCH", `/v1/appointments/${appointment.id}`, {
    token: doc.accessToken,
    body: { notes },
  });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  const cancel = () =>
    api.request<Record<string, unknown>>("POST", `/v1/appointments/${appointment.id}/cancel`, {
      token: doc.accessToken,
      headers: { "idempotency-key": "doctor-cancel-1" },
      body: { reason: "doctor unavailable" },
    });
  const first = await cancel();
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.equal(first.body.reason, reason, "the doctor's answer carries the patient's reason");

  const erased = await api.request("DELETE", "/v1/me", { token: patient.accessToken });
  assert.equal(erased.status, 204, JSON.stringify(erased.body));
  const stored = [];
  for await (const e of app.runtime.kv.list({ prefix: ["idem"] })) {
    if (String(e.key[1]).includes(appointment.id)) stored.push(e.key);
  }
  assert.deepEqual(stored, [], "no stored answer about the erased patient's appointment");

  const again = await cancel();
  const text = JSON.stringify(again.body);
  assert.ok(!text.includes(reason), `the replay hands back the erased reason: ${text}`);
  assert.ok(!text.includes(notes), `the replay hands back the erased notes: ${text}`);
});

Deno.test("DELETE /v1/me also forgets the doctor's and admins' keyed PATCH answers about the patient's appointments", async () => {
  const clock = { now: Date.now() };
  await using app = await startAppWithDoctor({ RATE_LIMIT_DISABLED: "true" }, () => clock.now);
  const { api, patient, doctor, slots } = app;
  const reason = "burning pain after meals";
  const notes = "Pitta aggravation; avoid spicy food";
  const { appointment } = await book(api, patient, doctor.id, slots[0].start, { reason });
  clock.now = Date.parse(appointment.start) + 10 * 60_000;
  const doc = await api.login(doctor.phone, true);
  const mark = () =>
    api.request<Record<string, unknown>>("PATCH", `/v1/appointments/${appointment.id}`, {
      token: doc.accessToken,
      headers: { "idempotency-key": "doctor-mark-1" },
      body: { status: "completed", notes },
    });
  const first = await mark();
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.equal(first.body.notes, notes, "the doctor's answer carries the notes");
  // An admin's look at the outcome (the same status: no change) stores its answer too.
  const admin = await api.login(app.admin.phone, true);
  const adminMark = () =>
    api.request<Record<string, unknown>>("PATCH", `/v1/appointments/${appointment.id}`, {
      token: admin.accessToken,
      headers: { "idempotency-key": "admin-mark-1" },
      body: { status: "completed" },
    });
  const byAdmin = await adminMark();
  assert.equal(byAdmin.status, 200, JSON.stringify(byAdmin.body));
  assert.equal(byAdmin.body.notes, notes, "the admin's answer carries the notes");

  const me = await api.login(patient.phone, true);
  const erased = await api.request("DELETE", "/v1/me", { token: me.accessToken });
  assert.equal(erased.status, 204, JSON.stringify(erased.body));
  const stored = [];
  for await (const e of app.runtime.kv.list({ prefix: ["idem"] })) {
    if (String(e.key[1]).includes(appointment.id)) stored.push(e.key);
  }
  assert.deepEqual(stored, [], "no stored answer about the erased patient's appointment");

  for (const again of [await mark(), await adminMark()]) {
    const text = JSON.stringify(again.body);
    assert.ok(!text.includes(reason), `the replay hands back the erased reason: ${text}`);
    assert.ok(!text.includes(notes), `the replay hands back the erased notes: ${text}`);
  }
});
