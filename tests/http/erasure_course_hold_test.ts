/**
 * Erasure and a therapy course still held (its code not yet entered): a course's session holds
 * are not in the patient's hold list, so they need their own step. After `DELETE /v1/me` no hold
 * of the patient may stay in the store and every session's time must be free again at once, not
 * when the hold lapses.
 */
import assert from "node:assert/strict";
import { createDoctor, firstSlots, randomPhone } from "../_harness/api.ts";
import { startApp } from "../_harness/app.ts";
import { keySpace } from "../../src/stores/kv/keys.ts";

type Body = Record<string, unknown>;
const DAY_MS = 86_400_000;

Deno.test("DELETE /v1/me releases a held therapy course: no hold of the patient stays, its sessions are free", async () => {
  await using app = await startApp({ RATE_LIMIT_DISABLED: "true" });
  const { api, runtime } = app;
  const doctor = await createDoctor(api, await api.loginAdmin());
  const [, , slot] = await firstSlots(api, doctor.id);
  const patient = await api.login(randomPhone());
  const held = await api.request<{ id: string; sessions: { start: string }[] }>(
    "POST",
    "/v1/courses",
    {
      token: patient.accessToken,
      body: { doctorId: doctor.id, start: slot.start, count: 3, everyDays: 1 },
    },
  );
  assert.equal(held.status, 201, JSON.stringify(held.body));

  const erased = await api.request("DELETE", "/v1/me", { token: patient.accessToken });
  assert.equal(erased.status, 204, JSON.stringify(erased.body));

  const left: string[] = [];
  for await (const e of runtime.kv.list<{ patientId?: string }>({ prefix: keySpace("hold") })) {
    if (e.value.patientId === patient.user.id) left.push(JSON.stringify(e.key));
  }
  assert.deepEqual(left, [], "the course's session holds left with the patient");

  const other = await api.login(randomPhone());
  const second = new Date(Date.parse(slot.start) + DAY_MS).toISOString();
  const again = await api.request<Body>("POST", "/v1/holds", {
    token: other.accessToken,
    body: { doctorId: doctor.id, start: second },
  });
  assert.equal(again.status, 201, `a session's time is free again: ${JSON.stringify(again.body)}`);
});
