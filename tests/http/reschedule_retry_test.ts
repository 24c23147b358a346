/**
 * A reschedule retried after its answer was lost (a timeout, a dropped connection, a crash after
 * the commit, all without a stored Idempotency-Key answer) must answer the moved appointment, as a
 * retried confirm answers the booked one: the move happened once, and the hold it used is gone.
 * In-process, on KV records and on MongoDB records (FerretDB).
 */
import assert from "node:assert/strict";
import { firstSlots } from "../_harness/api.ts";
import { startAppWithDoctor } from "../_harness/app.ts";
import { book, holdSlot } from "../_harness/book.ts";
import { appEnv, startFerretDb, type TestMongo } from "../_harness/ferretdb.ts";
import { createKvHoldStore } from "../../src/stores/kv/hold_store.ts";

type Body = Record<string, unknown>;

async function retriedReschedule(mongo?: TestMongo) {
  await using app = await startAppWithDoctor(mongo ? appEnv(mongo) : {});
  const { api, doctor, patient, token, slots } = app;
  const { appointment } = await book(api, patient, doctor.id, slots[0].start);
  const { holdId } = await holdSlot(api, patient, doctor.id, slots[2].start);
  const move = () =>
    api.request<Body>("POST", `/v1/appointments/${appointment.id}/reschedule`, {
      token,
      body: { holdId },
    });
  const first = await move();
  assert.equal(first.status, 200, JSON.stringify(first.body));
  const retry = await move();
  assert.equal(retry.status, 200, `the retry of a done move: ${JSON.stringify(retry.body)}`);
  assert.equal(retry.body.id, appointment.id);
  assert.equal(retry.body.start, slots[2].start);
  const mine = await api.request<{ items: Body[] }>("GET", "/v1/appointments", { token });
  assert.deepEqual(mine.body.items.map((a) => [a.start, a.status]), [
    [slots[2].start, "confirmed"],
  ]);
}

Deno.test("POST /v1/appointments/:id/reschedule retried after it moved answers the moved appointment (KV records)", () =>
  retriedReschedule());

Deno.test("POST /v1/appointments/:id/reschedule retried after it moved answers the moved appointment (MongoDB records)", async () => {
  const mongo = await startFerretDb();
  try {
    await retriedReschedule(mongo);
  } finally {
    await mongo.stop();
  }
});

Deno.test("a reschedule retried after its process died before dropping the hold drops it (MongoDB records)", async () => {
  const mongo = await startFerretDb();
  try {
    await using app = await startAppWithDoctor(appEnv(mongo));
    const { api, doctor, patient, token, slots, runtime, day } = app;
    const { appointment } = await book(api, patient, doctor.id, slots[0].start);
    const { holdId } = await holdSlot(api, patient, doctor.id, slots[2].start);
    const holds = createKvHoldStore(runtime.kv);
    const hold = (await holds.get(holdId))!;
    const moved = await api.request<Body>(
      "POST",
      `/v1/appointments/${appointment.id}/reschedule`,
      { token, body: { holdId } },
    );
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    // On MongoDB records the hold is dropped after the move is stored: put it back, as a process
    // that died in between left it.
    await holds.create(hold, 10, Date.now());
    const retry = await api.request<Body>(
      "POST",
      `/v1/appointments/${appointment.id}/reschedule`,
      { token, body: { holdId } },
    );
    assert.equal(retry.status, 200, JSON.stringify(retry.body));
    assert.equal(retry.body.start, slots[2].start);
    assert.equal(await holds.get(holdId), null, "the used hold is gone");
    const free = await firstSlots(api, doctor.id, day);
    assert.ok(free.some((s) => s.start === slots[0].start), "the old time is offered again");
    assert.ok(!free.some((s) => s.start === slots[2].start), "the new time is not");
  } finally {
    await mongo.stop();
  }
});
