/**
 * Issue 17 item 6: an `Idempotency-Key` replay record keeps the first answer for a day; answers
 * of confirm and cancel carry the patient's reason, so the record is sealed with the data cipher
 * like every other medical text, and still replays the same answer.
 */
import assert from "node:assert/strict";
import { holdFirstSlot } from "../_harness/book.ts";
import { startApp } from "../_harness/app.ts";

Deno.test("idempotency records hold no reason in the clear, and still replay", async () => {
  await using app = await startApp({ CANCEL_CUTOFF_MINUTES: "0" });
  const { api } = app;
  const { patient, holdId, code } = await holdFirstSlot(api);
  const reason = `Vataja shoola ${crypto.randomUUID()}`;
  const cancelReason = `Feeling better ${crypto.randomUUID()}`;
  const confirm = () =>
    api.request<{ appointment: { id: string } }>("POST", `/v1/holds/${holdId}/confirm`, {
      token: patient.accessToken,
      body: { code, reason },
      headers: { "idempotency-key": "confirm-1" },
    });
  const first = await confirm();
  assert.equal(first.status, 201, JSON.stringify(first.body));
  const cancel = () =>
    api.request("POST", `/v1/appointments/${first.body.appointment.id}/cancel`, {
      token: patient.accessToken,
      body: { reason: cancelReason },
      headers: { "idempotency-key": "cancel-1" },
    });
  assert.equal((await cancel()).status, 200);

  const leaks: string[] = [];
  for await (const e of app.runtime.kv.list({ prefix: [] })) {
    const text = JSON.stringify(e.value);
    if (text.includes(reason) || text.includes(cancelReason)) leaks.push(String(e.key[0]));
  }
  assert.deepEqual(leaks, [], "no reason stored in the clear");

  const replay = await confirm();
  assert.equal(replay.status, 201);
  assert.equal(replay.headers.get("idempotent-replayed"), "true");
  assert.deepEqual(replay.body, first.body);
  const replayCancel = await cancel();
  assert.equal(replayCancel.headers.get("idempotent-replayed"), "true");
});
