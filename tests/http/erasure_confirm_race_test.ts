/**
 * Erasure racing a confirm of the patient's own open hold (a second device, or a booking page left
 * open): the erasure reads the patient's appointments, then a confirm books the hold before the
 * erasure reaches the holds. Whatever the order, once `DELETE /v1/me` answered no appointment of
 * the patient may stay confirmed in the future with its reason, blocking the doctor's time.
 */
import assert from "node:assert/strict";
import { randomPhone } from "../_harness/api.ts";
import { startAppWithDoctor } from "../_harness/app.ts";
import { holdSlot } from "../_harness/book.ts";
import { appointmentIdFor } from "../../src/domain/appointment_machine.ts";
import { appointmentKey, apptByPatientPrefix } from "../../src/stores/kv/keys.ts";
import type { AppointmentRecord } from "../../src/stores/records.ts";

type Body = Record<string, unknown>;

function startsWith(key: Deno.KvKey | undefined, prefix: Deno.KvKey) {
  return !!key && prefix.every((part, i) => key[i] === part);
}

Deno.test("a confirm that lands after DELETE /v1/me read the appointments leaves no confirmed appointment with a reason", async () => {
  await using app = await startAppWithDoctor();
  const { api, doctor, token, slots, patient, runtime } = app;
  const { holdId, code } = await holdSlot(api, patient, doctor.id, slots[0].start);

  // The erasure's read of the patient's appointments; the confirm books right after it.
  const kv = runtime.kv;
  const list = kv.list.bind(kv);
  const mine = apptByPatientPrefix(patient.user.id);
  let confirmed: Promise<{ status: number; body: Body }> | undefined;
  let erasing = false;
  kv.list = ((selector: Deno.KvListSelector, options?: Deno.KvListOptions) => {
    const start = "start" in selector ? selector.start : undefined;
    if (!erasing || confirmed || !startsWith(start, mine)) return list(selector, options);
    return (async function* () {
      const read = [];
      for await (const e of list(selector, options)) read.push(e);
      confirmed = api.request<Body>("POST", `/v1/holds/${holdId}/confirm`, {
        token,
        body: { code, reason: "chest pain at night" },
      });
      await confirmed;
      yield* read;
    })();
  }) as typeof kv.list;
  erasing = true;
  const erased = await api.request("DELETE", "/v1/me", { token });
  kv.list = list;
  assert.equal(erased.status, 204, JSON.stringify(erased.body));
  assert.ok(confirmed, "the erasure read the patient's appointments");
  await confirmed;

  const booked = await kv.get<AppointmentRecord>(appointmentKey(appointmentIdFor(holdId)));
  if (booked.value) {
    assert.notEqual(booked.value.status, "confirmed", "the erased patient's booking stands");
    assert.equal(booked.value.reasonSealed, null, "the erased patient's reason stays");
  }
  const other = await api.login(randomPhone());
  const again = await api.request<Body>("POST", "/v1/holds", {
    token: other.accessToken,
    body: { doctorId: doctor.id, start: slots[0].start },
  });
  assert.equal(again.status, 201, `the time is free again: ${JSON.stringify(again.body)}`);
});
