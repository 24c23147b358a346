/**
 * A reschedule that loses a race for its appointment on MongoDB records (another reschedule or a
 * cancel changed it first, so it answers 409) must leave nothing busy behind it: once the patient
 * lets the hold go, the time it meant to move to is offered and can be held again at once, and so
 * is the appointment's old time when the winner moved it away. In-process, on FerretDB.
 */
import assert from "node:assert/strict";
import { createDoctor, dateInDays, firstSlots, randomPhone } from "../_harness/api.ts";
import { startApp } from "../_harness/app.ts";
import { book, holdSlot } from "../_harness/book.ts";
import { appEnv, startFerretDb } from "../_harness/ferretdb.ts";

type Body = Record<string, unknown>;

Deno.test("a reschedule that lost a race leaves no busy time behind once its hold is released (MongoDB records)", async () => {
  const mongo = await startFerretDb();
  try {
    await using app = await startApp({ RATE_LIMIT_DISABLED: "true", ...appEnv(mongo) });
    const { api } = app;
    const admin = await api.loginAdmin();
    const problems: string[] = [];
    for (let round = 0; round < 4; round++) {
      const doctor = await createDoctor(api, admin);
      const day = dateInDays(3);
      const [a, b, c] = (await firstSlots(api, doctor.id, day)).map((s) => s.start);
      const patient = await api.login(randomPhone());
      const { appointment } = await book(api, patient, doctor.id, a);
      const toB = await holdSlot(api, patient, doctor.id, b);
      const toC = await holdSlot(api, patient, doctor.id, c);
      // Round 0 and 1: two moves race; round 2 and 3: a move races a cancel.
      const racing = round < 2
        ? [toB.holdId, toC.holdId].map((holdId) =>
          api.request<Body>("POST", `/v1/appointments/${appointment.id}/reschedule`, {
            token: patient.accessToken,
            body: { holdId },
          })
        )
        : [
          api.request<Body>("POST", `/v1/appointments/${appointment.id}/reschedule`, {
            token: patient.accessToken,
            body: { holdId: toB.holdId },
          }),
          api.request<Body>("POST", `/v1/appointments/${appointment.id}/cancel`, {
            token: patient.accessToken,
            body: {},
          }),
        ];
      const answers = await Promise.all(racing);
      const what = answers.map((r) => `${r.status} ${r.body?.code ?? ""}`).join(", ");
      for (const { holdId } of [toB, toC]) {
        await api.request("DELETE", `/v1/holds/${holdId}`, { token: patient.accessToken });
      }
      const final = await api.request<Body>("GET", `/v1/appointments/${appointment.id}`, {
        token: patient.accessToken,
      });
      const taken = final.body.status === "confirmed" ? final.body.start : null;
      const offered = new Set((await firstSlots(api, doctor.id, day)).map((s) => s.start));
      for (const s of [a, b, c]) {
        if ((s === taken) === offered.has(s)) {
          problems.push(`round ${round} (${what}): ${s} offered=${offered.has(s)}, taken ${taken}`);
        }
      }
      const other = await api.login(randomPhone());
      for (const s of [a, b, c].filter((s) => s !== taken)) {
        const held = await api.request<Body>("POST", "/v1/holds", {
          token: other.accessToken,
          body: { doctorId: doctor.id, start: s },
        });
        if (held.status !== 201) {
          problems.push(`round ${round} (${what}): hold of free ${s}: ${held.status}`);
        }
      }
    }
    assert.deepEqual(problems, []);
  } finally {
    await mongo.stop();
  }
});
