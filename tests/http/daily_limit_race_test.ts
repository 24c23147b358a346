/**
 * A doctor's `maxPerDay` under concurrency: holds of different slots on one local day, placed at
 * the same time, must not together pass the limit (each checks the day's count before its
 * commit; the commit itself checked only overlap). In-process, on KV records and on MongoDB
 * records (FerretDB).
 */
import assert from "node:assert/strict";
import { createDoctor, dateInDays, firstSlots, randomPhone } from "../_harness/api.ts";
import { startApp } from "../_harness/app.ts";
import { appEnv, startFerretDb, type TestMongo } from "../_harness/ferretdb.ts";

async function concurrentHoldsOnOneDay(mongo?: TestMongo) {
  await using app = await startApp({
    RATE_LIMIT_DISABLED: "true",
    ...(mongo ? appEnv(mongo) : {}),
  });
  const { api } = app;
  const admin = await api.loginAdmin();
  const doctor = await createDoctor(api, admin, {}, undefined, { maxPerDay: 1 });
  // Several days, six holds at once on each: any day with more than one hold breaks the limit.
  const overbooked: string[] = [];
  for (const day of [2, 3, 4, 5, 6].map((n) => dateInDays(n))) {
    const slots = (await firstSlots(api, doctor.id, day)).slice(0, 6);
    assert.equal(slots.length, 6);
    const patients = await Promise.all(slots.map(() => api.login(randomPhone())));
    const answers = await Promise.all(patients.map((p, i) =>
      api.request("POST", "/v1/holds", {
        token: p.accessToken,
        body: { doctorId: doctor.id, start: slots[i].start },
      })
    ));
    const held = answers.filter((a) => a.status === 201).length;
    assert.equal(answers.filter((a) => a.status === 409).length, 6 - held);
    if (held !== 1) overbooked.push(`${day}: ${held} holds`);
  }
  assert.deepEqual(overbooked, [], "days limited to 1 booking");
}

Deno.test("concurrent holds on one day never pass the doctor's maxPerDay (KV records)", () =>
  concurrentHoldsOnOneDay());

Deno.test("concurrent holds on one day never pass the doctor's maxPerDay (MongoDB records)", async () => {
  const mongo = await startFerretDb();
  try {
    await concurrentHoldsOnOneDay(mongo);
  } finally {
    await mongo.stop();
  }
});
