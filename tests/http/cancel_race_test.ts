/**
 * A patient and their doctor cancelling one appointment at once: both want it cancelled, so both
 * answer 200 with the cancelled appointment, as a cancel arriving after it was cancelled does,
 * and the patient is told once. On KV records and on MongoDB records, in-process.
 */
import assert from "node:assert/strict";
import { createDoctor, dateInDays, firstSlots, randomPhone } from "../_harness/api.ts";
import { startApp } from "../_harness/app.ts";
import { book } from "../_harness/book.ts";
import { eventually } from "../_harness/eventually.ts";
import { appEnv, startFerretDb } from "../_harness/ferretdb.ts";

type Body = Record<string, unknown>;

async function cancelRace(env: Record<string, string>) {
  await using app = await startApp({ RATE_LIMIT_DISABLED: "true", ...env });
  const { api } = app;
  const admin = await api.loginAdmin();
  const doctor = await createDoctor(api, admin);
  const doctorSession = await api.login(doctor.phone);
  const slots = await firstSlots(api, doctor.id, dateInDays(3));
  const problems: string[] = [];
  for (let round = 0; round < 4; round++) {
    const patient = await api.login(randomPhone());
    const { appointment } = await book(api, patient, doctor.id, slots[round].start);
    const cancel = (token: string) =>
      api.request<Body>("POST", `/v1/appointments/${appointment.id}/cancel`, { token, body: {} });
    const answers = await Promise.all([
      cancel(patient.accessToken),
      cancel(doctorSession.accessToken),
    ]);
    // And a cancel after it was cancelled answers as the race's loser does.
    answers.push(await cancel(patient.accessToken));
    for (const [i, res] of answers.entries()) {
      if (res.status !== 200 || res.body.status !== "cancelled") {
        problems.push(`round ${round}, cancel ${i}: ${res.status} ${JSON.stringify(res.body)}`);
      }
    }
    const messages = async () => {
      const res = await api.request<{ messages: { body: string }[] }>(
        "GET",
        `/v1/dev/outbox?to=${encodeURIComponent(patient.phone)}`,
      );
      return res.body.messages.filter((m) => /cancel/i.test(m.body));
    };
    await eventually("the cancellation notice", async () => (await messages()).length > 0);
    await new Promise((r) => setTimeout(r, 100));
    const told = (await messages()).length;
    if (told !== 1) problems.push(`round ${round}: ${told} cancellation messages`);
  }
  assert.deepEqual(problems, []);
}

Deno.test("POST /v1/appointments/:id/cancel by patient and doctor at once: both 200 cancelled, one notice (KV records)", async () => {
  await cancelRace({});
});

Deno.test("POST /v1/appointments/:id/cancel by patient and doctor at once: both 200 cancelled, one notice (MongoDB records)", async () => {
  const mongo = await startFerretDb();
  try {
    await cancelRace(appEnv(mongo));
  } finally {
    await mongo.stop();
  }
});
