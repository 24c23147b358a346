/**
 * A hold's expiry check (its outbox entry, due just after the hold lapses) leaves the outbox with
 * the hold whenever the hold goes before then: released by the patient, or dropped because its
 * code could not be sent (a 503 that leaves the slot free and nothing behind). Left there, each
 * cost the relay a lease, a read and a done mark five minutes later, for a hold already gone.
 * The in-process app on KV records and on MongoDB records (FerretDB), codes sent through the real
 * Twilio SDK to a local fake so one send can fail.
 */
import assert from "node:assert/strict";
import { Api, createDoctor, dateInDays, firstSlots, randomPhone } from "../_harness/api.ts";
import { startApp } from "../_harness/app.ts";
import { appEnv, startFerretDb, type TestMongo } from "../_harness/ferretdb.ts";
import { fakeTwilio } from "../_harness/twilio.ts";
import { keySpace } from "../../src/stores/kv/keys.ts";
import type { EventEnvelope } from "../../src/events/event_types.ts";

async function releasedAndUnsent(mongo?: TestMongo) {
  const twilio = fakeTwilio();
  try {
    await using app = await startApp({
      ...twilio.env,
      ...(mongo ? appEnv(mongo) : {}),
      RATE_LIMIT_DISABLED: "true",
    });
    const api = new Api("http://vaidya.test", app.fetch, twilio.latestCode);
    const admin = await api.loginAdmin();
    const doctor = await createDoctor(api, admin);
    const patient = await api.login(randomPhone());
    const day = dateInDays(2);
    const [first, second] = await firstSlots(api, doctor.id, day);
    /** The holds whose expiry check waits in the outbox. */
    const checked = async () => {
      const ids: unknown[] = [];
      for await (const e of app.runtime.kv.list<EventEnvelope>({ prefix: keySpace("event_due") })) {
        if (e.value.event.type === "hold.expiry_due") ids.push(e.value.event.data.holdId);
      }
      return ids;
    };
    const hold = (start: string) =>
      api.request<{ id: string; code?: string }>("POST", "/v1/holds", {
        token: patient.accessToken,
        body: { doctorId: doctor.id, start },
      });

    const held = await hold(first.start);
    assert.equal(held.status, 201, JSON.stringify(held.body));
    assert.deepEqual(await checked(), [held.body.id], "a hold is written with its expiry check");
    const released = await api.request("DELETE", `/v1/holds/${held.body.id}`, {
      token: patient.accessToken,
    });
    assert.equal(released.status, 204);
    assert.deepEqual(await checked(), [], "a released hold's check left with it");

    twilio.failOnce();
    const unsent = await hold(second.start);
    assert.equal(unsent.status, 503, JSON.stringify(unsent.body));
    assert.deepEqual(await checked(), [], "a hold whose code was not sent leaves no check behind");
    const offered = (await firstSlots(api, doctor.id, day)).map((s) => s.start);
    assert.ok(offered.includes(first.start) && offered.includes(second.start), "both free again");
    const again = await hold(second.start);
    assert.equal(again.status, 201, "the slot of the failed send can be held at once");
    assert.deepEqual(await checked(), [again.body.id]);
  } finally {
    await twilio.close();
  }
}

Deno.test("a released hold, and one whose code was not sent, leave no expiry check in the outbox (KV records)", () =>
  releasedAndUnsent());

Deno.test("a released hold, and one whose code was not sent, leave no expiry check in the outbox (MongoDB records)", async () => {
  const mongo = await startFerretDb();
  try {
    await releasedAndUnsent(mongo);
  } finally {
    await mongo.stop();
  }
});
