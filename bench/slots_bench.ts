/**
 * Slot generation at the scale of the brief: 1,000 doctors' schedules over 30 days, each with a
 * few busy intervals, in their own time zones. Pure CPU; no store.
 */
import { generateSlots, type Interval, type Schedule } from "../src/domain/slots.ts";

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
const ZONES = ["Asia/Kolkata", "Asia/Dubai", "Europe/London", "America/New_York"];
const nowMs = Date.UTC(2026, 11, 1, 0, 0, 0);

function schedule(i: number): Schedule {
  return {
    weekly: DAYS.flatMap((day) => [
      { day, start: "09:00", end: "13:00" },
      { day, start: "15:00", end: i % 2 === 0 ? "19:00" : "18:00" },
    ]),
    overrides: [{ date: "2026-12-10", unavailable: true }],
    slotMinutes: i % 3 === 0 ? 20 : 30,
    bufferMinutes: i % 5 === 0 ? 5 : 0,
    minNoticeMinutes: 60,
    horizonDays: 60,
    maxPerDay: null,
  };
}

const doctors = Array.from({ length: 1000 }, (_, i) => {
  const busy: Interval[] = Array.from({ length: 20 }, (_, k) => {
    const startMs = nowMs + (k + 1) * 86_400_000 + 4 * 3_600_000;
    return { startMs, endMs: startMs + 30 * 60_000 };
  });
  return { schedule: schedule(i), timeZone: ZONES[i % ZONES.length], busy };
});

Deno.bench("generateSlots() for 1,000 doctors over 30 days", { group: "slots" }, () => {
  let total = 0;
  for (const d of doctors) {
    total += generateSlots({ ...d, fromDate: "2026-12-01", toDate: "2026-12-30", nowMs }).length;
  }
  if (total === 0) throw new Error("no slots generated");
});

Deno.bench("generateSlots() for 1 doctor, 1 day (one slot listing)", {
  group: "slots",
  baseline: true,
}, () => {
  const d = doctors[0];
  generateSlots({ ...d, fromDate: "2026-12-05", toDate: "2026-12-05", nowMs });
});
