/**
 * Invariant 3 in-process on a hand-moved clock: an expired hold frees its slot, a late confirm is
 * 410, and the hold's due-time expiry check announces it once — with no sleeping, because the
 * composition root takes the clock as a dependency (bootstrap's `injected.now`).
 */
import assert from "node:assert/strict";
import { startAppWithDoctor } from "../_harness/app.ts";

type Body = Record<string, unknown>;

Deno.test("an expired hold frees its slot and a late confirm is 410, on a fake clock", async () => {
  const clock = { now: Date.now() };
  await using app = await startAppWithDoctor({ HOLD_TTL_SECONDS: "300" }, () => clock.now);
  const { api, doctor, token, slots, day, patient } = app;
  const hold = await api.request<Body>("POST", "/v1/holds", {
    token,
    body: { doctorId: doctor.id, start: slots[0].start },
  });
  assert.equal(hold.status, 201, JSON.stringify(hold.body));
  const code = await api.latestCode(patient.phone);
  const listed = async () =>
    (await api.request<{ slots: { start: string }[] }>(
      "GET",
      `/v1/doctors/${doctor.id}/slots?from=${day}&to=${day}`,
    )).body.slots.some((s) => s.start === slots[0].start);
  assert.equal(await listed(), false, "held: not offered");

  clock.now += 299_000;
  assert.equal(await listed(), false, "still held a second before expiry");
  clock.now += 2_000;
  assert.equal(await listed(), true, "expired by its own expiresAt: offered again");
  const late = await api.request<Body>("POST", `/v1/holds/${hold.body.id}/confirm`, {
    token,
    body: { code },
  });
  assert.equal(late.status, 410, JSON.stringify(late.body));
  assert.equal(late.body.code, "hold_expired");

  // The expiry check written with the hold is due now: the relay announces the expiry once.
  await app.runtime.deps.events!.relay.drainAll();
  const metrics = await api.request<string>("GET", "/metrics");
  assert.match(String(metrics.body), /vaidya_holds_expired_total 1\b/);
});
