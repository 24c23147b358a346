/**
 * What time alone changes in a slot listing, on a hand-moved clock: a listing is reused from
 * memory while the doctor's calendar is unchanged (src/booking/booking_service.ts), so each
 * change that needs no write must still show at once — a slot entering the booking horizon, and
 * a slot falling inside the minimum notice. (A lapsing hold: hold_expiry_clock_test.ts.)
 */
import assert from "node:assert/strict";
import { createDoctor } from "../_harness/api.ts";
import { startApp } from "../_harness/app.ts";

const DAY_MS = 86_400_000;
const HALF_HOUR_MS = 1_800_000;
const ZONE = "Asia/Kolkata";
const localDate = (ms: number) => new Intl.DateTimeFormat("en-CA", { timeZone: ZONE }).format(ms);

/** An app on a fake clock with one doctor open all day (30-minute slots, Asia/Kolkata). */
async function openAllDay(clock: { now: number }, policy: Record<string, number>) {
  const app = await startApp({ RATE_LIMIT_DISABLED: "true" }, () => clock.now);
  const admin = await app.api.loginAdmin();
  const doctor = await createDoctor(app.api, admin, {}, { start: "00:00", end: "24:00" });
  const days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
  const saved = await app.api.request("PUT", `/v1/doctors/${doctor.id}/availability`, {
    token: admin.accessToken,
    body: {
      weekly: days.map((day) => ({ day, start: "00:00", end: "24:00" })),
      overrides: [],
      ...policy,
    },
  });
  assert.equal(saved.status, 200, JSON.stringify(saved.body));
  const offered = async (from: string, to: string, startMs: number) => {
    const res = await app.api.request<{ slots: { start: string }[] }>(
      "GET",
      `/v1/doctors/${doctor.id}/slots?from=${from}&to=${to}`,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.slots.some((s) => s.start === new Date(startMs).toISOString());
  };
  return { app, offered };
}

Deno.test("a slot entering the booking horizon is offered at once, with no write", async () => {
  // Asia/Kolkata is UTC+5:30, so its half-hour slots start on UTC half hours.
  const slotMs = Math.ceil((Date.now() + DAY_MS + 3_600_000) / HALF_HOUR_MS) * HALF_HOUR_MS;
  const clock = { now: slotMs - DAY_MS - 10_000 };
  // A notice of 2 h 15 min keeps the first slot's own deadline (start minus notice) 15 min off.
  const { app, offered } = await openAllDay(clock, { minNoticeMinutes: 135, horizonDays: 1 });
  await using _ = app;
  const [from, to] = [localDate(slotMs - DAY_MS), localDate(slotMs)];
  assert.equal(await offered(from, to, slotMs), false, "10 s beyond the horizon: not offered");
  clock.now += 20_000;
  assert.equal(await offered(from, to, slotMs), true, "inside the horizon 10 s later: offered");
});

Deno.test("a slot falling inside the minimum notice is no longer offered, with no write", async () => {
  const slotMs = Math.ceil((Date.now() + 3 * 3_600_000) / HALF_HOUR_MS) * HALF_HOUR_MS;
  const clock = { now: slotMs - 3_600_000 - 5_000 };
  const { app, offered } = await openAllDay(clock, { minNoticeMinutes: 60, horizonDays: 30 });
  await using _ = app;
  const [from, to] = [localDate(clock.now), localDate(clock.now + 2 * DAY_MS)];
  assert.equal(await offered(from, to, slotMs), true, "5 s before the notice: offered");
  clock.now += 10_000;
  assert.equal(await offered(from, to, slotMs), false, "inside the notice: not offered");
});
