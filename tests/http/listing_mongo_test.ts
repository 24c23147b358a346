/**
 * Slot listings on MongoDB records (FerretDB) stay exact on every instance: two server processes
 * share the records and one KV file, both have listed the day (so each serves it from its
 * calendar view), and right after each write answers — a hold, its confirmation, the cancel, an
 * hours change — both list what the write left. The cancel and the hours change touch only
 * MongoDB, so only the calendar bump after them (appointment writer, announceDoctorUpdates) makes
 * the other process see them.
 */
import assert from "node:assert/strict";
import { Api, createDoctor, dateInDays, firstSlots, randomPhone } from "../_harness/api.ts";
import { appEnv, startFerretDb } from "../_harness/ferretdb.ts";
import { startServer } from "../_harness/server.ts";

Deno.test("listings on MongoDB records: both processes see a hold, its booking, the cancel and new hours once each answered", async () => {
  const mongo = await startFerretDb();
  try {
    const env = { RATE_LIMIT_DISABLED: "true", ...appEnv(mongo) };
    await using a = await startServer({ env });
    await using b = await startServer({ env, kvPath: a.kvPath });
    const apis = [new Api(a.url), new Api(b.url)];
    const [apiA, apiB] = apis;
    const admin = await apiA.loginAdmin();
    const doctor = await createDoctor(apiA, admin);
    const day = dateInDays(3);
    const listBoth = async () => {
      const [onA, onB] = await Promise.all(apis.map((api) => firstSlots(api, doctor.id, day)));
      assert.deepEqual(onA, onB, "the two processes list different slots");
      return new Set(onA.map((s) => s.start));
    };
    const offered = [...await listBoth()];
    assert.ok(offered.length > 2);
    const slot = offered[1];

    const patient = await apiA.login(randomPhone());
    const hold = await apiA.request<{ id: string }>("POST", "/v1/holds", {
      token: patient.accessToken,
      body: { doctorId: doctor.id, start: slot },
    });
    assert.equal(hold.status, 201, JSON.stringify(hold.body));
    assert.ok(!(await listBoth()).has(slot), "a held slot is offered");

    const confirmed = await apiB.request<{ appointment: { id: string } }>(
      "POST",
      `/v1/holds/${hold.body.id}/confirm`,
      { token: patient.accessToken, body: { code: await apiA.latestCode(patient.phone) } },
    );
    assert.equal(confirmed.status, 201, JSON.stringify(confirmed.body));
    assert.ok(!(await listBoth()).has(slot), "a booked slot is offered");

    const cancelled = await apiA.request(
      "POST",
      `/v1/appointments/${confirmed.body.appointment.id}/cancel`,
      { token: patient.accessToken, body: {} },
    );
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.ok((await listBoth()).has(slot), "a cancelled slot is not offered again");

    const closed = await apiB.request("PUT", `/v1/doctors/${doctor.id}/availability`, {
      token: admin.accessToken,
      body: {
        weekly: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => ({
          day: d,
          start: "09:00",
          end: "17:00",
        })),
        overrides: [{ date: day, unavailable: true }],
      },
    });
    assert.equal(closed.status, 200, JSON.stringify(closed.body));
    assert.equal((await listBoth()).size, 0, "a day off still lists slots");
  } finally {
    await mongo.stop();
  }
});
