/**
 * Slot listings on MongoDB records after a crash between a change's write and its calendar bump:
 * the cancel is stored in MongoDB, and the process dies before it bumps the doctor's calendar
 * version in KV (appointment_writer.ts), which is what makes every other process's calendar view
 * reload. The change's events stay in its document and another process's relay moves them: from
 * then on the other process lists the freed slot, and a patient can hold it.
 */
import assert from "node:assert/strict";
import { Api, createDoctor, dateInDays, firstSlots, randomPhone } from "../_harness/api.ts";
import { appEnv, startFerretDb } from "../_harness/ferretdb.ts";
import { startServer } from "../_harness/server.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("listings on MongoDB records: a cancel whose process died before its calendar bump frees the slot on the other processes once its events are moved", async () => {
  const mongo = await startFerretDb();
  try {
    const env = { RATE_LIMIT_DISABLED: "true", ...appEnv(mongo) };
    await using b = await startServer({ env });
    await using a = await startServer({
      env: { ...env, FAULT_INJECTION: "cancel.after_commit" },
      kvPath: b.kvPath,
    });
    const [apiA, apiB] = [new Api(a.url), new Api(b.url)];
    const doctor = await createDoctor(apiB, await apiB.loginAdmin());
    const day = dateInDays(3);
    const offered = (await firstSlots(apiB, doctor.id, day)).map((s) => s.start);
    assert.ok(offered.length > 2);
    const slot = offered[1];

    const patient = await apiB.login(randomPhone());
    const hold = await apiB.request<{ id: string }>("POST", "/v1/holds", {
      token: patient.accessToken,
      body: { doctorId: doctor.id, start: slot },
    });
    assert.equal(hold.status, 201, JSON.stringify(hold.body));
    const confirmed = await apiB.request<{ appointment: { id: string } }>(
      "POST",
      `/v1/holds/${hold.body.id}/confirm`,
      { token: patient.accessToken, body: { code: await apiB.latestCode(patient.phone) } },
    );
    assert.equal(confirmed.status, 201, JSON.stringify(confirmed.body));
    const listedOnB = async () =>
      new Set((await firstSlots(apiB, doctor.id, day)).map((s) => s.start));
    assert.ok(!(await listedOnB()).has(slot), "a booked slot is offered");

    // A stores the cancel in MongoDB and dies before bumping the calendar.
    const id = confirmed.body.appointment.id;
    await apiA.request("POST", `/v1/appointments/${id}/cancel`, {
      token: patient.accessToken,
      body: {},
    }).catch(() => {});
    await a.stop(); // gone already: waits for its exit
    assert.equal(a.exitStatus()?.code, 86, "the fault injection ended A");
    const stored = await apiB.request<{ status: string }>("GET", `/v1/appointments/${id}`, {
      token: patient.accessToken,
    });
    assert.equal(stored.body.status, "cancelled", "the cancel was stored");

    // B's relay moves the cancel's events (the writer window is 2 s).
    await sleep(4_000);
    // A started again reads the stores afresh: the slot is free there.
    await a.restart();
    const onA = (await firstSlots(apiA, doctor.id, day)).map((s) => s.start);
    assert.ok(onA.includes(slot), "the stores hold the slot as free");
    assert.ok((await listedOnB()).has(slot), "the cancelled slot is not offered on B");
    const other = await apiB.login(randomPhone());
    const again = await apiB.request("POST", "/v1/holds", {
      token: other.accessToken,
      body: { doctorId: doctor.id, start: slot },
    });
    assert.equal(again.status, 201, JSON.stringify(again.body));
  } finally {
    await mongo.stop();
  }
});
