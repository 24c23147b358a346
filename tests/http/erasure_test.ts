/**
 * Right to erasure, checked against the raw store: a patient with a profile, an appointment, an open hold, a waitlist entry, a prakriti assessment, sessions, idempotency records
 * and dev-outbox messages erases themself; then every KV entry is read and anything still linked to
 * them (id, phone, or the phone's blind index) must be a record the erasure plan keeps on purpose
 * (src/patients/erasure_plan.ts), holding no sealed or plain personal data.
 */
import assert from "node:assert/strict";
import { book } from "../_harness/book.ts";
import { KEPT_AFTER_ERASURE } from "../../src/patients/erasure_plan.ts";
import { startApp } from "../_harness/app.ts";
import { createDoctor, dateInDays, firstSlots, randomPhone } from "../_harness/api.ts";
import { keySpace } from "../../src/stores/kv/keys.ts";
import type { EventEnvelope } from "../../src/events/event_types.ts";

type Body = Record<string, unknown>;

Deno.test("DELETE /v1/me leaves nothing linked to the patient but the anonymised records the plan keeps", async () => {
  await using app = await startApp({ OTP_RESEND_COOLDOWN_SECONDS: "0" });
  const { api, runtime } = app;
  const admin = await api.loginAdmin();
  const doctor = await createDoctor(api, admin);
  const phone = randomPhone();
  const patient = await api.login(phone);
  const id = patient.user.id;
  await api.login(phone, true); // a second session
  const me = await api.request("PUT", "/v1/me", {
    token: patient.accessToken,
    body: { name: "Meera Iyer", medicalHistory: "asthma since 2019" },
  });
  assert.equal(me.status, 200, JSON.stringify(me.body));

  const day = dateInDays(2);
  const slots = await firstSlots(api, doctor.id, day);
  await book(api, patient, doctor.id, slots[0].start, {
    reason: "knee pain after a fall",
    idempotencyKey: crypto.randomUUID(),
  });
  const open = await api.request<Body>("POST", "/v1/holds", {
    token: patient.accessToken,
    body: { doctorId: doctor.id, start: slots[1].start },
  });
  assert.equal(open.status, 201, JSON.stringify(open.body));
  const wait = await api.request("POST", `/v1/doctors/${doctor.id}/waitlist`, {
    token: patient.accessToken,
    body: { date: dateInDays(3) },
  });
  assert.equal(wait.status, 201, JSON.stringify(wait.body));
  const q = await api.request<{ questions: { id: string; options: { id: string }[] }[] }>(
    "GET",
    "/v1/prakriti/questionnaire",
  );
  const answers = Object.fromEntries(q.body.questions.map((x) => [x.id, x.options[0].id]));
  const prakriti = await api.request("POST", "/v1/prakriti/assessments", {
    token: patient.accessToken,
    body: { answers },
  });
  assert.equal(prakriti.status, 201, JSON.stringify(prakriti.body));

  const record = (await runtime.kv.get<{ phoneIndex: string }>(["patient", id])).value;
  assert.ok(record?.phoneIndex);
  const phoneIndex = record.phoneIndex;

  const erased = await api.request("DELETE", "/v1/me", { token: patient.accessToken });
  assert.equal(erased.status, 204, JSON.stringify(erased.body));

  const needles = [id, phone, phone.slice(1), phoneIndex];
  const unexpected: string[] = [];
  const leaks: string[] = [];
  for await (const e of runtime.kv.list({ prefix: [] })) {
    const text = JSON.stringify(e.key) + JSON.stringify(e.value);
    const found = needles.filter((n) => text.includes(n));
    if (found.length === 0) continue;
    const where = `${JSON.stringify(e.key)} (${found.map((n) => n.slice(0, 6)).join(", ")})`;
    if (!(String(e.key[0]) in KEPT_AFTER_ERASURE)) unexpected.push(where);
    if (text.includes(phone) || text.includes(phone.slice(1))) leaks.push(`phone in ${where}`);
    if (/"v1\.[\w-]+\.[\w-]+\.[\w-]+"/.test(JSON.stringify(e.value))) {
      leaks.push(`sealed value in ${where}`);
    }
    if (text.includes(phoneIndex) && !String(e.key[1] ?? "").startsWith("rl:")) {
      leaks.push(`blind index in ${where}`);
    }
  }
  assert.deepEqual(unexpected, [], "only the records the erasure plan keeps stay linked");
  const checks = [];
  for await (const e of runtime.kv.list<EventEnvelope>({ prefix: keySpace("event_due") })) {
    if (e.value.event.data.holdId === open.body.id) checks.push(e.value.event.type);
  }
  assert.deepEqual(checks, [], "the open hold's expiry check left with the hold");
  assert.deepEqual(leaks, [], "kept records hold no personal data");
});
