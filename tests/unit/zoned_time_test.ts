import assert from "node:assert/strict";
import {
  addDays,
  daysBetween,
  isValidTimeZone,
  localDateOf,
  offsetMinutesAt,
  utcIsoFormatter,
  wallTimeResolver,
  weekdayOf,
  zoneCacheSizes,
  zonedWallTimeToEpochMs,
} from "../../src/domain/zoned_time.ts";

const at = (iso: string) => Date.parse(iso);
const isoOf = (ms: number) => new Date(ms).toISOString();

Deno.test("isValidTimeZone() accepts IANA names and rejects unknown ones", () => {
  assert.equal(isValidTimeZone("Asia/Kolkata"), true);
  assert.equal(isValidTimeZone("UTC"), true);
  assert.equal(isValidTimeZone("Mars/Olympus_Mons"), false);
  assert.equal(isValidTimeZone(""), false);
});

Deno.test("offsetMinutesAt() reads whole, half-hour and 45-minute offsets", () => {
  assert.equal(offsetMinutesAt(at("2026-12-01T00:00:00Z"), "Asia/Kolkata"), 330);
  assert.equal(offsetMinutesAt(at("2026-12-01T00:00:00Z"), "Asia/Kathmandu"), 345);
  assert.equal(offsetMinutesAt(at("2026-12-01T00:00:00Z"), "America/New_York"), -300);
  assert.equal(offsetMinutesAt(at("2026-07-01T00:00:00Z"), "America/New_York"), -240);
  assert.equal(offsetMinutesAt(at("2026-07-01T00:00:00Z"), "Europe/London"), 60);
  assert.equal(offsetMinutesAt(at("2026-12-01T00:00:00Z"), "UTC"), 0);
});

Deno.test("offsetMinutesAt() changes at the exact instant of a DST transition", () => {
  const springForward = at("2026-03-08T07:00:00Z");
  assert.equal(offsetMinutesAt(springForward - 1, "America/New_York"), -300);
  assert.equal(offsetMinutesAt(springForward, "America/New_York"), -240);
  const fallBack = at("2026-10-25T01:00:00Z");
  assert.equal(offsetMinutesAt(fallBack - 1, "Europe/London"), 60);
  assert.equal(offsetMinutesAt(fallBack, "Europe/London"), 0);
});

Deno.test("localDateOf() rolls over at local midnight in +05:30, not at UTC midnight", () => {
  assert.equal(localDateOf(at("2026-11-30T18:29:59.999Z"), "Asia/Kolkata"), "2026-11-30");
  assert.equal(localDateOf(at("2026-11-30T18:30:00.000Z"), "Asia/Kolkata"), "2026-12-01");
  assert.equal(localDateOf(at("2026-12-01T23:59:00.000Z"), "Asia/Kolkata"), "2026-12-02");
  assert.equal(localDateOf(at("2026-12-01T03:00:00.000Z"), "America/New_York"), "2026-11-30");
});

Deno.test("weekdayOf() names the weekday of a date", () => {
  assert.equal(weekdayOf("2026-12-01"), "tue");
  assert.equal(weekdayOf("2026-03-08"), "sun");
  assert.equal(weekdayOf("2028-02-29"), "tue");
  assert.throws(() => weekdayOf("2026-02-30"), RangeError);
  assert.throws(() => weekdayOf("2026-12-1"), RangeError);
});

Deno.test("addDays() crosses month, year and leap-day boundaries", () => {
  assert.equal(addDays("2026-12-31", 1), "2027-01-01");
  assert.equal(addDays("2028-02-28", 1), "2028-02-29");
  assert.equal(addDays("2026-03-01", -1), "2026-02-28");
  assert.equal(addDays("2026-03-07", 2), "2026-03-09");
  assert.equal(addDays("2026-03-07", 0), "2026-03-07");
});

Deno.test("daysBetween() counts calendar days, ignoring DST", () => {
  assert.equal(daysBetween("2026-03-01", "2026-03-31"), 30);
  assert.equal(daysBetween("2026-12-31", "2026-12-01"), -30);
  assert.equal(daysBetween("2026-10-24", "2026-10-26"), 2);
});

Deno.test("zonedWallTimeToEpochMs() converts in +05:30 and +05:45", () => {
  const kolkata = zonedWallTimeToEpochMs("2026-12-01", "10:00", "Asia/Kolkata");
  assert.equal(isoOf(kolkata), "2026-12-01T04:30:00.000Z");
  const kathmandu = zonedWallTimeToEpochMs("2026-12-01", "00:00", "Asia/Kathmandu");
  assert.equal(isoOf(kathmandu), "2026-11-30T18:15:00.000Z");
});

Deno.test("zonedWallTimeToEpochMs() reads 24:00 as the next midnight", () => {
  const endOfDay = zonedWallTimeToEpochMs("2026-12-01", "24:00", "Asia/Kolkata");
  assert.equal(isoOf(endOfDay), "2026-12-01T18:30:00.000Z");
});

Deno.test("zonedWallTimeToEpochMs() moves a time in a spring-forward gap forward by the gap", () => {
  const newYork = zonedWallTimeToEpochMs("2026-03-08", "02:30", "America/New_York");
  assert.equal(isoOf(newYork), "2026-03-08T07:30:00.000Z"); // 03:30 EDT
  const london = zonedWallTimeToEpochMs("2026-03-29", "01:30", "Europe/London");
  assert.equal(isoOf(london), "2026-03-29T01:30:00.000Z"); // 02:30 BST
  // Chile skips midnight itself: 00:00 on 6 Sep 2026 becomes 01:00 (-03).
  const santiago = zonedWallTimeToEpochMs("2026-09-06", "00:00", "America/Santiago");
  assert.equal(isoOf(santiago), "2026-09-06T04:00:00.000Z");
});

Deno.test("zonedWallTimeToEpochMs() takes the earlier instant of a repeated fall-back time", () => {
  const newYork = zonedWallTimeToEpochMs("2026-11-01", "01:30", "America/New_York");
  assert.equal(isoOf(newYork), "2026-11-01T05:30:00.000Z"); // 01:30 EDT, not EST
  const london = zonedWallTimeToEpochMs("2026-10-25", "01:30", "Europe/London");
  assert.equal(isoOf(london), "2026-10-25T00:30:00.000Z"); // 01:30 BST, not GMT
});

Deno.test("zonedWallTimeToEpochMs() rejects malformed times, dates and zones", () => {
  for (const time of ["24:30", "9:00", "12:60", "25:00", ""]) {
    assert.throws(() => zonedWallTimeToEpochMs("2026-12-01", time, "UTC"), RangeError, time);
  }
  assert.throws(() => zonedWallTimeToEpochMs("2026-13-01", "09:00", "UTC"), RangeError);
  assert.throws(() => zonedWallTimeToEpochMs("2026-12-01", "09:00", "Nowhere/Else"), RangeError);
});

Deno.test("wallTimeResolver() agrees with zonedWallTimeToEpochMs() at every 5 minutes", () => {
  const days = [
    ["America/New_York", "2026-03-08"],
    ["America/New_York", "2026-11-01"],
    ["Europe/London", "2026-03-29"],
    ["Europe/London", "2026-10-25"],
    ["America/Santiago", "2026-09-06"],
    ["Asia/Kathmandu", "2026-12-01"],
  ];
  for (const [timeZone, date] of days) {
    const resolve = wallTimeResolver(date, timeZone);
    for (let minutes = 0; minutes <= 1440; minutes += 5) {
      const hhmm = `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${
        String(minutes % 60).padStart(2, "0")
      }`;
      const expected = zonedWallTimeToEpochMs(date, hhmm, timeZone);
      assert.equal(resolve(minutes), expected, `${timeZone} ${date} ${hhmm}`);
    }
  }
});

Deno.test("utcIsoFormatter() matches Date#toISOString()", () => {
  const isoFast = utcIsoFormatter();
  const instants = [0, at("2026-12-01T04:30:00Z"), at("2026-12-01T23:59:59.999Z"), -1, 1.5];
  for (const ms of [...instants, at("2026-12-01T00:00:00.007Z"), at("9999-12-31T23:59:59Z")]) {
    assert.equal(isoFast(ms), new Date(ms).toISOString());
  }
});

Deno.test("time zone spellings chosen by clients cannot grow the zone cache without bound", () => {
  const name = "asia/kolkata";
  // Every upper/lower-case mix of the name is a valid spelling of one zone: 2^11 of them.
  for (let mask = 0; mask < 1 << 12; mask++) {
    const spelled = [...name].map((ch, i) => (mask >> i) & 1 ? ch.toUpperCase() : ch).join("");
    assert.equal(isValidTimeZone(spelled), true);
    assert.equal(localDateOf(Date.UTC(2026, 11, 1, 20, 0), spelled), "2026-12-02");
  }
  for (let i = 0; i < 3_000; i++) isValidTimeZone(`Etc/GMT${i % 2 ? "+" : "-"}${i % 12}`);
  const sizes = zoneCacheSizes();
  assert.ok(sizes.zones < 100, `zones ${sizes.zones}`);
  assert.ok(sizes.spellings <= 2_000, `spellings ${sizes.spellings}`);
});
