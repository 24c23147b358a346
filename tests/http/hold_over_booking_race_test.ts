/**
 * Invariant 1 for a hold against a booking made while the hold was under way: the listing the
 * hold request checked showed the slot free, and then another instance sharing the KV held that
 * slot and booked it (its hold used up in its booking) before this hold's step read the calendar.
 * The hold's commit is what decides, so it must refuse booked time as it refuses held time.
 */
import assert from "node:assert/strict";
import { createDoctor, dateInDays, firstSlots, randomPhone } from "../_harness/api.ts";
import { aroundGetMany, startTwinApps } from "../_harness/app.ts";
import { appointment } from "../contract/_fixtures.ts";
import { createKvAppointmentStore } from "../../src/stores/kv/appointment_store.ts";
import { createKvHoldStore } from "../../src/stores/kv/hold_store.ts";
import { patientHoldsKey } from "../../src/stores/kv/keys.ts";
import type { HoldRecord } from "../../src/stores/ports.ts";

type Body = Record<string, unknown>;

Deno.test("a hold whose step runs after another instance held and booked the slot answers 409", async () => {
  await using twins = await startTwinApps();
  const { api } = twins.first;
  const doctor = await createDoctor(api, await api.loginAdmin());
  const patient = await api.login(randomPhone());
  const token = patient.accessToken;
  const day = dateInDays(2);
  const slot = (await firstSlots(api, doctor.id, day))[0];
  const startMs = Date.parse(slot.start);
  const endMs = Date.parse(slot.end);
  const other = await api.login(randomPhone());

  // Another instance on the same KV: its own handle and stores, as it would commit.
  const kv = twins.second.runtime.kv;
  const theirHolds = createKvHoldStore(kv);
  const theirAppointments = createKvAppointmentStore(kv);
  const nowMs = Date.now();
  const theirHold: HoldRecord = {
    id: "hld_theirs",
    doctorId: doctor.id,
    patientId: other.user.id,
    start: slot.start,
    end: slot.end,
    startMs,
    endMs,
    expiresAtMs: nowMs + 300_000,
    codeHash: "x",
    attempts: 0,
    createdAt: new Date(nowMs).toISOString(),
  };
  let booked = false;
  const unhook = aroundGetMany(async (keys, read) => {
    const mine = patientHoldsKey(patient.user.id);
    if (!booked && keys.some((k) => k[0] === mine[0] && k[1] === mine[1])) {
      booked = true;
      // Between the listing this hold checked and its step: held there, then confirmed.
      await theirHolds.create(theirHold, 3, nowMs);
      await theirAppointments.book({
        ...appointment(doctor.id, other.user.id, 0),
        id: "apt_theirs",
        holdId: theirHold.id,
        start: slot.start,
        end: slot.end,
        startMs,
        endMs,
      }, []);
      await theirHolds.remove(theirHold);
    }
    return await read();
  });
  const held = await api.request<Body>("POST", "/v1/holds", {
    token,
    body: { doctorId: doctor.id, start: slot.start },
  }).finally(unhook);
  assert.ok(booked, "the other instance booked while the hold was under way");
  assert.equal(held.status, 409, `a hold placed over a booked slot: ${JSON.stringify(held.body)}`);
  assert.equal(held.body.code, "slot_unavailable");

  const listing = await api.request<{ slots: { start: string }[] }>(
    "GET",
    `/v1/doctors/${doctor.id}/slots?from=${day}&to=${day}`,
  );
  assert.equal(listing.body.slots.some((s) => s.start === slot.start), false, "booked");
});
