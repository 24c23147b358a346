import assert from "node:assert/strict";
import {
  findBookableSlot,
  generateSlots,
  type Interval,
  type Schedule,
  scheduleProblems,
  type SlotQuery,
  slotStartingAt,
} from "../../src/domain/slots.ts";

const at = (iso: string) => Date.parse(iso);
const NOW = at("2026-11-30T00:00:00Z");
const TUE_9_TO_11 = { day: "tue", start: "09:00", end: "11:00" } as const;

function schedule(fields: Partial<Schedule> = {}): Schedule {
  return {
    weekly: [TUE_9_TO_11],
    overrides: [],
    slotMinutes: 30,
    bufferMinutes: 0,
    minNoticeMinutes: 0,
    horizonDays: 60,
    maxPerDay: null,
    ...fields,
  };
}

/** Starts (ISO UTC) of the slots for Tuesday 2026-12-01 in Asia/Kolkata unless told otherwise. */
function starts(q: Partial<SlotQuery> = {}): string[] {
  return generateSlots({
    schedule: schedule(),
    timeZone: "Asia/Kolkata",
    fromDate: "2026-12-01",
    toDate: "2026-12-01",
    nowMs: NOW,
    busy: [],
    ...q,
  }).map((slot) => slot.start);
}

const busy = (start: string, end: string): Interval => ({ startMs: at(start), endMs: at(end) });

Deno.test("generateSlots() turns a weekly range into exact UTC slots in +05:30", () => {
  const slots = generateSlots({
    schedule: schedule(),
    timeZone: "Asia/Kolkata",
    fromDate: "2026-11-30",
    toDate: "2026-12-07",
    nowMs: NOW,
    busy: [],
  });
  assert.deepEqual(slots[0], {
    start: "2026-12-01T03:30:00.000Z",
    end: "2026-12-01T04:00:00.000Z",
    startMs: at("2026-12-01T03:30:00Z"),
    endMs: at("2026-12-01T04:00:00Z"),
    date: "2026-12-01",
  });
  assert.deepEqual(slots.map((s) => s.start), [
    "2026-12-01T03:30:00.000Z",
    "2026-12-01T04:00:00.000Z",
    "2026-12-01T04:30:00.000Z",
    "2026-12-01T05:00:00.000Z",
  ]);
});

Deno.test("generateSlots() gives exact UTC instants in +05:45 (Asia/Kathmandu)", () => {
  const weekly = [{ day: "tue", start: "09:00", end: "10:00" } as const];
  assert.deepEqual(starts({ schedule: schedule({ weekly }), timeZone: "Asia/Kathmandu" }), [
    "2026-12-01T03:15:00.000Z",
    "2026-12-01T03:45:00.000Z",
  ]);
});

Deno.test("generateSlots() leaves breaks between several ranges a day, in time order", () => {
  const weekly = [
    { day: "tue", start: "14:00", end: "15:00" },
    { day: "tue", start: "09:00", end: "10:00" },
  ] as const;
  assert.deepEqual(starts({ schedule: schedule({ weekly: [...weekly] }) }), [
    "2026-12-01T03:30:00.000Z",
    "2026-12-01T04:00:00.000Z",
    "2026-12-01T08:30:00.000Z",
    "2026-12-01T09:00:00.000Z",
  ]);
});

Deno.test("generateSlots() fits slots up to a 24:00 end and none into a too-short range", () => {
  const late = schedule({ weekly: [{ day: "tue", start: "23:00", end: "24:00" }] });
  assert.deepEqual(starts({ schedule: late }), [
    "2026-12-01T17:30:00.000Z",
    "2026-12-01T18:00:00.000Z",
  ]);
  assert.deepEqual(starts({ schedule: schedule({ slotMinutes: 150 }) }), []);
});

Deno.test("generateSlots() spaces slots by the buffer", () => {
  assert.deepEqual(starts({ schedule: schedule({ bufferMinutes: 10 }) }), [
    "2026-12-01T03:30:00.000Z",
    "2026-12-01T04:10:00.000Z",
    "2026-12-01T04:50:00.000Z",
  ]);
});

Deno.test("generateSlots() skips a date overridden as unavailable, even with ranges", () => {
  const weekly = [TUE_9_TO_11, { ...TUE_9_TO_11, day: "wed" } as const];
  const overrides = [
    { date: "2026-12-01", start: "12:00", end: "13:00" },
    { date: "2026-12-01", unavailable: true as const },
  ];
  const result = starts({ schedule: schedule({ weekly, overrides }), toDate: "2026-12-02" });
  assert.deepEqual(result, [
    "2026-12-02T03:30:00.000Z",
    "2026-12-02T04:00:00.000Z",
    "2026-12-02T04:30:00.000Z",
    "2026-12-02T05:00:00.000Z",
  ]);
});

Deno.test("generateSlots() uses an override date's ranges instead of the weekly ones", () => {
  const overrides = [
    { date: "2026-12-01", start: "16:00", end: "16:30" },
    { date: "2026-12-01", start: "12:00", end: "13:00" },
    { date: "2026-12-06", start: "09:00", end: "09:30" }, // a Sunday, no weekly hours
  ];
  const result = starts({ schedule: schedule({ overrides }), toDate: "2026-12-07" });
  assert.deepEqual(result, [
    "2026-12-01T06:30:00.000Z",
    "2026-12-01T07:00:00.000Z",
    "2026-12-01T10:30:00.000Z",
    "2026-12-06T03:30:00.000Z",
  ]);
});

Deno.test("generateSlots() keeps the minimum notice, inclusive at its edge", () => {
  const notice = schedule({ minNoticeMinutes: 60 });
  assert.deepEqual(starts({ schedule: notice, nowMs: at("2026-12-01T03:40:00Z") }), [
    "2026-12-01T05:00:00.000Z",
  ]);
  assert.deepEqual(starts({ schedule: notice, nowMs: at("2026-12-01T03:30:00Z") }), [
    "2026-12-01T04:30:00.000Z",
    "2026-12-01T05:00:00.000Z",
  ]);
});

Deno.test("generateSlots() never offers past slots, whatever the notice", () => {
  const nowMs = at("2026-12-01T04:00:00Z");
  const expected = [
    "2026-12-01T04:00:00.000Z",
    "2026-12-01T04:30:00.000Z",
    "2026-12-01T05:00:00.000Z",
  ];
  assert.deepEqual(starts({ nowMs }), expected);
  assert.deepEqual(starts({ nowMs, schedule: schedule({ minNoticeMinutes: -60 }) }), expected);
  assert.deepEqual(starts({ nowMs: at("2026-12-02T00:00:00Z") }), []);
});

Deno.test("generateSlots() stops before the horizon, exclusive at its edge", () => {
  const weekly = [TUE_9_TO_11, { ...TUE_9_TO_11, day: "wed" } as const];
  const nowMs = at("2026-12-01T05:00:00Z");
  const result = starts({
    schedule: schedule({ weekly, horizonDays: 1 }),
    nowMs,
    toDate: "2026-12-31",
  });
  assert.deepEqual(result, [
    "2026-12-01T05:00:00.000Z",
    "2026-12-02T03:30:00.000Z",
    "2026-12-02T04:00:00.000Z",
    "2026-12-02T04:30:00.000Z",
  ]);
});

Deno.test("generateSlots() only looks at days within the horizon of a huge date range", () => {
  const result = starts({
    schedule: schedule({ horizonDays: 7 }),
    fromDate: "1990-01-01",
    toDate: "2990-12-31",
  });
  assert.equal(result.length, 4);
});

Deno.test("generateSlots() removes slots a busy interval overlaps, half-open", () => {
  const fortyFiveMinutes = busy("2026-12-01T04:00:00Z", "2026-12-01T04:45:00Z");
  assert.deepEqual(starts({ busy: [fortyFiveMinutes] }), [
    "2026-12-01T03:30:00.000Z",
    "2026-12-01T05:00:00.000Z",
  ]);
  const exactlyOneSlot = busy("2026-12-01T04:00:00Z", "2026-12-01T04:30:00Z");
  assert.deepEqual(starts({ busy: [exactlyOneSlot] }), [
    "2026-12-01T03:30:00.000Z",
    "2026-12-01T04:30:00.000Z",
    "2026-12-01T05:00:00.000Z",
  ]);
  const longAndEarlier = busy("2026-11-30T00:00:00Z", "2026-12-01T03:35:00Z");
  assert.deepEqual(starts({ busy: [exactlyOneSlot, longAndEarlier] }), [
    "2026-12-01T04:30:00.000Z",
    "2026-12-01T05:00:00.000Z",
  ]);
});

Deno.test("generateSlots() closes a local day once it has maxPerDay bookings", () => {
  const weekly = [TUE_9_TO_11, { ...TUE_9_TO_11, day: "wed" } as const];
  // 2026-12-01T18:30Z is 00:00 on 2 Dec in Kolkata: it counts for Wednesday, not Tuesday.
  const wednesdayBooking = busy("2026-12-01T18:30:00Z", "2026-12-01T19:00:00Z");
  const result = starts({
    schedule: schedule({ weekly, maxPerDay: 1 }),
    toDate: "2026-12-02",
    busy: [wednesdayBooking],
  });
  assert.equal(result.length, 4);
  assert.ok(result.every((start) => start.startsWith("2026-12-01")));
  const tuesdayBooking = busy("2026-12-01T03:30:00Z", "2026-12-01T04:00:00Z");
  const twoAllowed = schedule({ maxPerDay: 2 });
  assert.equal(starts({ schedule: twoAllowed, busy: [tuesdayBooking] }).length, 3);
  assert.deepEqual(starts({ schedule: twoAllowed, busy: [tuesdayBooking, wednesdayBooking] }), [
    "2026-12-01T04:00:00.000Z",
    "2026-12-01T04:30:00.000Z",
    "2026-12-01T05:00:00.000Z",
  ]);
});

const nyEarlyHours = schedule({
  weekly: [{ day: "sun", start: "01:00", end: "04:00" }],
  slotMinutes: 60,
  horizonDays: 365,
});
const newYorkOn = (date: string, s = nyEarlyHours) =>
  generateSlots({
    schedule: s,
    timeZone: "America/New_York",
    fromDate: date,
    toDate: date,
    nowMs: at("2026-01-01T00:00:00Z"),
    busy: [],
  }).map((slot) => `${slot.date} ${slot.start}`);

Deno.test("generateSlots() skips the hour lost to a DST change (America/New_York)", () => {
  assert.deepEqual(newYorkOn("2026-03-08"), [
    "2026-03-08 2026-03-08T06:00:00.000Z",
    "2026-03-08 2026-03-08T07:00:00.000Z",
  ]);
  const fromTheGap: Schedule = {
    ...nyEarlyHours,
    slotMinutes: 30,
    weekly: [{ day: "sun", start: "02:30", end: "04:00" }],
  };
  assert.deepEqual(newYorkOn("2026-03-08", fromTheGap), ["2026-03-08 2026-03-08T07:30:00.000Z"]);
});

Deno.test("generateSlots() adds the hour repeated by a DST change (America/New_York)", () => {
  // 01:00 is ambiguous and resolves to its earlier instant (EDT), 04:00 is EST: 4 real hours.
  assert.deepEqual(newYorkOn("2026-11-01"), [
    "2026-11-01 2026-11-01T05:00:00.000Z",
    "2026-11-01 2026-11-01T06:00:00.000Z",
    "2026-11-01 2026-11-01T07:00:00.000Z",
    "2026-11-01 2026-11-01T08:00:00.000Z",
  ]);
});

Deno.test("generateSlots() follows Europe/London across both DST changes", () => {
  const weekly = [{ day: "sun", start: "00:30", end: "03:00" } as const];
  const london = (date: string) =>
    starts({
      schedule: schedule({ weekly, horizonDays: 365 }),
      timeZone: "Europe/London",
      fromDate: date,
      toDate: date,
      nowMs: at("2026-01-01T00:00:00Z"),
    });
  assert.deepEqual(london("2026-03-29"), [
    "2026-03-29T00:30:00.000Z",
    "2026-03-29T01:00:00.000Z",
    "2026-03-29T01:30:00.000Z",
  ]);
  assert.deepEqual(london("2026-10-25"), [
    "2026-10-24T23:30:00.000Z",
    "2026-10-25T00:00:00.000Z",
    "2026-10-25T00:30:00.000Z",
    "2026-10-25T01:00:00.000Z",
    "2026-10-25T01:30:00.000Z",
    "2026-10-25T02:00:00.000Z",
    "2026-10-25T02:30:00.000Z",
  ]);
});

Deno.test("generateSlots() keeps local wall times over a date range crossing a DST change", () => {
  const weekly = (["sat", "sun", "mon"] as const).map((day) => ({
    day,
    start: "09:00",
    end: "10:00",
  }));
  const result = generateSlots({
    schedule: schedule({ weekly, slotMinutes: 60 }),
    timeZone: "America/New_York",
    fromDate: "2026-03-07",
    toDate: "2026-03-09",
    nowMs: at("2026-03-01T00:00:00Z"),
    busy: [],
  }).map((slot) => `${slot.date} ${slot.start}`);
  assert.deepEqual(result, [
    "2026-03-07 2026-03-07T14:00:00.000Z",
    "2026-03-08 2026-03-08T13:00:00.000Z",
    "2026-03-09 2026-03-09T13:00:00.000Z",
  ]);
});

Deno.test("generateSlots() returns each slot once when ranges repeat", () => {
  const twice = schedule({ weekly: [TUE_9_TO_11, TUE_9_TO_11] });
  assert.equal(starts({ schedule: twice }).length, 4);
});

Deno.test("generateSlots() returns nothing for a reversed date range", () => {
  assert.deepEqual(starts({ fromDate: "2026-12-02", toDate: "2026-12-01" }), []);
});

Deno.test("generateSlots() throws RangeError for a slot length that never advances", () => {
  assert.throws(() => starts({ schedule: schedule({ slotMinutes: 0 }) }), RangeError);
});

const bookable = { schedule: schedule(), timeZone: "Asia/Kolkata", nowMs: NOW, busy: [] };

Deno.test("findBookableSlot() returns the slot starting exactly on the grid", () => {
  assert.deepEqual(findBookableSlot(bookable, at("2026-12-01T04:30:00Z")), {
    start: "2026-12-01T04:30:00.000Z",
    end: "2026-12-01T05:00:00.000Z",
    startMs: at("2026-12-01T04:30:00Z"),
    endMs: at("2026-12-01T05:00:00Z"),
    date: "2026-12-01",
  });
});

Deno.test("findBookableSlot() returns null off the grid or outside availability", () => {
  assert.equal(findBookableSlot(bookable, at("2026-12-01T03:45:00Z")), null);
  assert.equal(findBookableSlot(bookable, at("2026-12-01T05:30:00Z")), null);
  assert.equal(findBookableSlot(bookable, at("2026-12-02T03:30:00Z")), null);
  assert.equal(findBookableSlot(bookable, NaN), null);
});

Deno.test("findBookableSlot() returns null when busy, too soon, past, too far or full", () => {
  const start = at("2026-12-01T04:30:00Z");
  const booked = busy("2026-12-01T04:15:00Z", "2026-12-01T04:45:00Z");
  assert.equal(findBookableSlot({ ...bookable, busy: [booked] }, start), null);
  assert.equal(findBookableSlot({ ...bookable, nowMs: start - 60_000 }, start) !== null, true);
  const notice = schedule({ minNoticeMinutes: 5 });
  assert.equal(
    findBookableSlot({ ...bookable, schedule: notice, nowMs: start - 60_000 }, start),
    null,
  );
  assert.equal(findBookableSlot({ ...bookable, nowMs: start + 1 }, start), null);
  const oneDay = schedule({ horizonDays: 1 });
  assert.equal(findBookableSlot({ ...bookable, schedule: oneDay }, start), null);
  const other = busy("2026-12-01T10:00:00Z", "2026-12-01T10:30:00Z");
  const full = schedule({ maxPerDay: 1 });
  assert.equal(findBookableSlot({ ...bookable, schedule: full, busy: [other] }, start), null);
});

Deno.test("slotStartingAt() tells a slot not offered from one taken or on a full day", () => {
  const start = at("2026-12-01T04:30:00Z");
  assert.equal(slotStartingAt(bookable, at("2026-12-01T03:45:00Z")), null);
  assert.equal(slotStartingAt({ ...bookable, nowMs: start + 1 }, start), null);
  assert.deepEqual(slotStartingAt(bookable, start), {
    slot: findBookableSlot(bookable, start),
    bookable: true,
  });
  const booked = busy("2026-12-01T04:15:00Z", "2026-12-01T04:45:00Z");
  assert.equal(slotStartingAt({ ...bookable, busy: [booked] }, start)?.bookable, false);
  const other = busy("2026-12-01T10:00:00Z", "2026-12-01T10:30:00Z");
  const full = { ...bookable, schedule: schedule({ maxPerDay: 1 }), busy: [other] };
  assert.equal(slotStartingAt(full, start)?.bookable, false);
  assert.equal(slotStartingAt(full, start)?.slot.startMs, start);
  const nextDay = at("2026-12-08T04:30:00Z");
  assert.equal(slotStartingAt(full, nextDay)?.bookable, true);
});

Deno.test("scheduleProblems() finds nothing wrong with a usable schedule", () => {
  const overrides = [
    { date: "2026-12-01", unavailable: true as const },
    { date: "2026-12-01", start: "09:00", end: "10:00" },
    { date: "2026-12-02", start: "09:00", end: "10:00" },
    { date: "2026-12-02", start: "10:00", end: "24:00" },
  ];
  const weekly = [TUE_9_TO_11, { ...TUE_9_TO_11, start: "11:00", end: "12:00" }];
  assert.deepEqual(scheduleProblems(schedule({ weekly, overrides })), []);
  assert.deepEqual(scheduleProblems(schedule({ slotMinutes: 180, maxPerDay: 3 })), []);
});

Deno.test("scheduleProblems() reports a range that ends at or before its start", () => {
  const weekly = [
    { day: "mon", start: "10:00", end: "09:00" },
    { day: "tue", start: "10:00", end: "10:00" },
  ] as const;
  assert.deepEqual(scheduleProblems(schedule({ weekly: [...weekly] })), [
    { path: "weekly.0.end", message: "must be after start 10:00, found 09:00" },
    { path: "weekly.1.end", message: "must be after start 10:00, found 10:00" },
  ]);
});

Deno.test("scheduleProblems() reports malformed times and minutes off the 5-minute grid", () => {
  const weekly = [
    { day: "mon", start: "9:00", end: "24:30" },
    { day: "tue", start: "09:07", end: "10:00" },
  ] as const;
  const overrides = [{ date: "2026-12-01", start: "09:00", end: "09:58" }];
  assert.deepEqual(scheduleProblems(schedule({ weekly: [...weekly], overrides })), [
    { path: "weekly.0.start", message: 'must be "HH:MM" (00:00–24:00), found "9:00"' },
    { path: "weekly.0.end", message: 'must be "HH:MM" (00:00–24:00), found "24:30"' },
    { path: "weekly.1.start", message: 'must be a multiple of 5 minutes, found "09:07"' },
    { path: "overrides.0.end", message: 'must be a multiple of 5 minutes, found "09:58"' },
  ]);
});

Deno.test("scheduleProblems() reports overlapping ranges on one weekday, not touching ones", () => {
  const weekly = [
    { day: "mon", start: "09:00", end: "17:00" },
    { day: "tue", start: "10:00", end: "11:00" },
    { day: "mon", start: "10:00", end: "11:00" },
    { day: "mon", start: "16:30", end: "18:00" },
    { day: "mon", start: "18:00", end: "19:00" },
  ] as const;
  assert.deepEqual(scheduleProblems(schedule({ weekly: [...weekly] })), [
    { path: "weekly.2", message: "overlaps weekly.0 (09:00–17:00) on the same day" },
    { path: "weekly.3", message: "overlaps weekly.0 (09:00–17:00) on the same day" },
  ]);
});

Deno.test("scheduleProblems() reports overlapping ranges on one override date", () => {
  const overrides = [
    { date: "2026-12-01", start: "09:00", end: "12:00" },
    { date: "2026-12-02", start: "10:00", end: "11:00" },
    { date: "2026-12-01", start: "11:55", end: "13:00" },
  ];
  assert.deepEqual(scheduleProblems(schedule({ overrides })), [
    { path: "overrides.2", message: "overlaps overrides.0 (09:00–12:00) on the same day" },
  ]);
});

Deno.test("scheduleProblems() reports an unknown weekday and an impossible date", () => {
  const weekly = [{ day: "monday", start: "09:00", end: "10:00" }] as unknown as Schedule["weekly"];
  const overrides = [{ date: "2026-02-30", unavailable: true as const }];
  assert.deepEqual(scheduleProblems(schedule({ weekly, overrides })), [
    { path: "weekly.0.day", message: 'must be mon..sun, found "monday"' },
    { path: "overrides.0.date", message: 'must be "YYYY-MM-DD", found "2026-02-30"' },
  ]);
});

Deno.test("scheduleProblems() reports slot, buffer, notice, horizon and daily maximum", () => {
  const bad = schedule({
    slotMinutes: 32,
    bufferMinutes: -5,
    minNoticeMinutes: 1.5,
    horizonDays: 0,
    maxPerDay: 0,
  });
  assert.deepEqual(scheduleProblems(bad), [
    { path: "slotMinutes", message: "must be a multiple of 5, at least 5, found 32" },
    { path: "bufferMinutes", message: "must be a multiple of 5, at least 0, found -5" },
    { path: "minNoticeMinutes", message: "must be a whole number, at least 0, found 1.5" },
    { path: "horizonDays", message: "must be a whole number, at least 1, found 0" },
    { path: "maxPerDay", message: "must be a whole number, at least 1, found 0" },
  ]);
  assert.deepEqual(scheduleProblems(schedule({ slotMinutes: 0, bufferMinutes: 7 })), [
    { path: "slotMinutes", message: "must be a multiple of 5, at least 5, found 0" },
    { path: "bufferMinutes", message: "must be a multiple of 5, at least 0, found 7" },
  ]);
});
