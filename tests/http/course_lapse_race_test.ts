/**
 * Invariant 1 at a course hold's lapse, in-process on a hand-moved clock: a course confirm that
 * passed its lapse check a second before the course's holds lapsed must not book a session over
 * a live hold another patient placed on that freed time meanwhile (through another instance: one
 * instance's own writes on a calendar take turns). The booking commit is what
 * decides, so it must see the course's holds as the single confirm's commit sees its own.
 */
import assert from "node:assert/strict";
import { createDoctor, firstSlots, randomPhone } from "../_harness/api.ts";
import { aroundGetMany, startTwinApps } from "../_harness/app.ts";

type Body = Record<string, unknown>;
interface Course {
  id: string;
  status: string;
  expiresAt?: string;
  sessions: { start: string; end: string; appointmentId: string }[];
}

Deno.test("a course confirm whose booking runs after its holds lapsed does not book over another patient's new hold", async () => {
  const clock = { now: Date.now() };
  await using twins = await startTwinApps(
    { RATE_LIMIT_DISABLED: "true", HOLD_TTL_SECONDS: "300" },
    () => clock.now,
  );
  const { api } = twins.first;
  const beside = twins.second.api;
  const doctor = await createDoctor(api, await api.loginAdmin());
  const [, , slot] = await firstSlots(api, doctor.id);
  const patient = await api.login(randomPhone());
  const startedMs = clock.now;
  const held = await api.request<Course>("POST", "/v1/courses", {
    token: patient.accessToken,
    body: { doctorId: doctor.id, start: slot.start, count: 2, everyDays: 1 },
  });
  assert.equal(held.status, 201, JSON.stringify(held.body));
  const code = await api.latestCode(patient.phone);
  const second = held.body.sessions[1];
  const other = await beside.login(randomPhone());

  // The confirm passes its lapse check a second before the lapse; just before its booking step
  // reads the calendar, the holds lapse and another patient holds the second session's time.
  const lapseMs = startedMs + 300_000;
  clock.now = lapseMs - 1_000;
  let raced: Promise<{ status: number; body: Body }> | undefined;
  const unhook = aroundGetMany(async (keys, read) => {
    if (!raced && keys.some((k) => k[0] === "appointment" && k[1] === second.appointmentId)) {
      clock.now = lapseMs + 1_000;
      raced = beside.request<Body>("POST", "/v1/holds", {
        token: other.accessToken,
        body: { doctorId: doctor.id, start: second.start },
      });
      await raced;
    }
    return await read();
  });
  const confirmed = await api.request<Body>("POST", `/v1/courses/${held.body.id}/confirm`, {
    token: patient.accessToken,
    body: { code },
  }).finally(unhook);
  assert.ok(raced, "the booking step read the course's appointments");
  const hold = await raced;
  assert.equal(hold.status, 201, `the lapsed course's time is free: ${JSON.stringify(hold.body)}`);
  assert.notEqual(
    confirmed.status,
    201,
    `the course booked a session over a live hold: ${JSON.stringify(confirmed.body)}`,
  );

  const otherCode = await beside.latestCode(other.phone);
  const booked = await beside.request<Body>("POST", `/v1/holds/${hold.body.id}/confirm`, {
    token: other.accessToken,
    body: { code: otherCode },
  });
  assert.equal(booked.status, 201, JSON.stringify(booked.body));
});
