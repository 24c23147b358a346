/**
 * On MongoDB records a reschedule that loses the race for its appointment marks the times it
 * touches pending (busy) before its write fails, then settles them. A listing loaded in between
 * hides those times; once the loser has answered, the listing must offer the time the winner
 * freed again at once, not after the pending grace (30 s). The interleaving is forced in-process
 * by running the winner (a cancel by the doctor) just before the loser takes its busy-entry
 * lock, and loading the listing just before the loser's appointment write.
 */
import assert from "node:assert/strict";
import { Collection, type Document } from "mongodb";
import { createDoctor, dateInDays, firstSlots, randomPhone } from "../_harness/api.ts";
import { startApp } from "../_harness/app.ts";
import { book, holdSlot } from "../_harness/book.ts";
import { appEnv, startFerretDb } from "../_harness/ferretdb.ts";

type Body = Record<string, unknown>;

Deno.test("a reschedule that lost its race to a cancel leaves the freed time listed at once (MongoDB records)", async () => {
  const mongo = await startFerretDb();
  const { insertOne, replaceOne } = Collection.prototype;
  try {
    await using app = await startApp({ RATE_LIMIT_DISABLED: "true", ...appEnv(mongo) });
    const { api } = app;
    const doctor = await createDoctor(api, await api.loginAdmin());
    const doctorSession = await api.login(doctor.phone);
    const day = dateInDays(3);
    const [a, b] = (await firstSlots(api, doctor.id, day)).map((s) => s.start);
    const patient = await api.login(randomPhone());
    const { appointment } = await book(api, patient, doctor.id, a);
    const toB = await holdSlot(api, patient, doctor.id, b);
    const listed = async () => new Set((await firstSlots(api, doctor.id, day)).map((s) => s.start));

    let winner: { status: number; body: Body } | undefined;
    let midway: Set<string> | undefined;
    // The loser's begin takes the appointment's busy-entry lock: the cancel wins just before.
    Collection.prototype.insertOne = async function (this: Collection, doc: Document, ...rest) {
      if (!winner && this.collectionName === "locks" && doc._id === `busy:${appointment.id}`) {
        winner = { status: 0, body: {} };
        winner = await api.request<Body>("POST", `/v1/appointments/${appointment.id}/cancel`, {
          token: doctorSession.accessToken,
          body: {},
        });
      }
      return await insertOne.call(this, doc, ...rest);
    } as typeof insertOne;
    // Its times marked pending, the loser writes the appointment (and fails): listed just before.
    Collection.prototype.replaceOne = async function (
      this: Collection,
      filter: Document,
      ...rest
    ) {
      if (
        winner?.status && !midway && this.collectionName === "appointments" &&
        filter._id === appointment.id
      ) {
        midway = await listed();
      }
      return await replaceOne.call(this, filter, ...rest);
    } as typeof replaceOne;

    const loser = await api.request<Body>(
      "POST",
      `/v1/appointments/${appointment.id}/reschedule`,
      { token: patient.accessToken, body: { holdId: toB.holdId } },
    );
    Collection.prototype.insertOne = insertOne;
    Collection.prototype.replaceOne = replaceOne;
    assert.equal(winner?.status, 200, JSON.stringify(winner?.body));
    assert.equal(loser.status, 409, JSON.stringify(loser.body));
    assert.ok(midway, "the listing between the loser's begin and its write was not taken");
    assert.ok(!midway.has(a), "the forced interleaving did not show the loser's pending time");
    assert.ok((await listed()).has(a), "the time the cancel freed is not offered again");
  } finally {
    Collection.prototype.insertOne = insertOne;
    Collection.prototype.replaceOne = replaceOne;
    await mongo.stop();
  }
});
