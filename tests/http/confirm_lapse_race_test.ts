/**
 * Invariant 1 and 3 at a hold's lapse, in-process on a hand-moved clock: a confirm that began
 * just before its hold lapsed, and whose booking commit lost its calendar check to another
 * patient's hold placed on the freed slot just after (through another instance: one instance's
 * own writes on a calendar take turns), must not book over that live hold when its step runs
 * again. Each step judges the hold's lapse at its own time, as its reads are its own.
 */
import assert from "node:assert/strict";
import { createDoctor, dateInDays, firstSlots, randomPhone } from "../_harness/api.ts";
import { aroundGetMany, startTwinApps } from "../_harness/app.ts";
import { holdKey } from "../../src/stores/kv/keys.ts";

type Body = Record<string, unknown>;

Deno.test("a confirm retried past its hold's lapse answers 410 and leaves the slot to the new holder", async () => {
  const clock = { now: Date.now() };
  await using twins = await startTwinApps({ HOLD_TTL_SECONDS: "300" }, () => clock.now);
  const { api } = twins.first;
  const beside = twins.second.api;
  const doctor = await createDoctor(api, await api.loginAdmin());
  const patient = await api.login(randomPhone());
  const token = patient.accessToken;
  const slot = (await firstSlots(api, doctor.id, dateInDays(2)))[0].start;
  const held = await api.request<Body>("POST", "/v1/holds", {
    token,
    body: { doctorId: doctor.id, start: slot },
  });
  assert.equal(held.status, 201, JSON.stringify(held.body));
  const holdId = String(held.body.id);
  const expiresAtMs = Date.parse(String(held.body.expiresAt));
  const code = await api.latestCode(patient.phone);
  const other = await beside.login(randomPhone());

  // The confirm starts a second before the hold lapses. Right after its booking step has read
  // the calendar (with the hold), the hold lapses and the other patient holds the freed slot.
  clock.now = expiresAtMs - 1_000;
  let raced: Promise<{ status: number; body: Body }> | undefined;
  const unhook = aroundGetMany(async (keys, read) => {
    const entries = await read();
    const ofTheConfirm = keys.some((k) =>
      k.length === holdKey(holdId).length &&
      k.every((part, i) => part === holdKey(holdId)[i])
    );
    if (!raced && ofTheConfirm && keys.length > 1) {
      clock.now = expiresAtMs + 1_000;
      raced = beside.request<Body>("POST", "/v1/holds", {
        token: other.accessToken,
        body: { doctorId: doctor.id, start: slot },
      });
      await raced;
    }
    return entries;
  });
  const confirm = await api.request<Body>("POST", `/v1/holds/${holdId}/confirm`, {
    token,
    body: { code },
  }).finally(unhook);
  assert.ok(raced, "the booking step read the hold with the calendar");
  const second = await raced;
  assert.equal(
    second.status,
    201,
    `the lapsed hold's slot is free: ${JSON.stringify(second.body)}`,
  );
  assert.equal(
    confirm.status,
    410,
    `a confirm whose step ran after the lapse books over a live hold: ${
      JSON.stringify(confirm.body)
    }`,
  );

  // The new holder can book the slot they hold.
  const otherCode = await beside.latestCode(other.phone);
  const booked = await beside.request<Body>("POST", `/v1/holds/${second.body.id}/confirm`, {
    token: other.accessToken,
    body: { code: otherCode },
  });
  assert.equal(booked.status, 201, JSON.stringify(booked.body));
});
