/**
 * Wall-clock maths in IANA time zones, built on `Intl.DateTimeFormat` alone: zone offsets, local
 * dates and weekdays, and wall time → UTC instant with Temporal's "compatible" disambiguation.
 * Local dates are "YYYY-MM-DD" strings, wall times "HH:MM" ("24:00" = the end of the day).
 * Pure: it never reads the clock; its only state is a cache per time zone (formatter, offsets).
 */

export type Weekday = "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun";

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const WEEKDAYS_FROM_SUNDAY: readonly Weekday[] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const TIME_PATTERN = /^(\d{2}):(\d{2})$/;

/** A zone's formatter, and its offset at 00:00 UTC of each day looked at, by days since 1970. */
interface Zone {
  formatter: Intl.DateTimeFormat;
  offsetAtDayStart: Map<number, number>;
}
/** Zones by their canonical IANA name: bounded by the zone database itself. */
const zones = new Map<string, Zone>();
/**
 * Each spelling seen (case variants and aliases resolve to one canonical zone) to its zone. Clients
 * choose the spelling, so this map is bounded: it is cleared when full, and refilled on demand.
 */
const spellings = new Map<string, Zone>();
const MAX_SPELLINGS = 2_000;
const MAX_DAYS_REMEMBERED = 50_000;

function zoneFor(timeZone: string): Zone {
  let zone = spellings.get(timeZone);
  if (zone === undefined) {
    const formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    const canonical = formatter.resolvedOptions().timeZone;
    zone = zones.get(canonical);
    if (zone === undefined) {
      zone = { formatter, offsetAtDayStart: new Map() };
      zones.set(canonical, zone);
    }
    if (spellings.size >= MAX_SPELLINGS) spellings.clear();
    spellings.set(timeZone, zone);
  }
  return zone;
}

/** How many zones and spellings are remembered (for the bound's test). */
export function zoneCacheSizes(): { zones: number; spellings: number } {
  return { zones: zones.size, spellings: spellings.size };
}

/** The offset read from the formatter: exact, but ~10µs, so callers go through the day cache. */
function formattedOffsetMinutes(epochMs: number, zone: Zone): number {
  const f = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of zone.formatter.formatToParts(epochMs)) {
    if (part.type in f) f[part.type as keyof typeof f] = Number(part.value);
  }
  const wall = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second);
  return (wall - Math.floor(epochMs / 1000) * 1000) / MINUTE_MS;
}

function offsetAtDayStart(zone: Zone, day: number): number {
  let offset = zone.offsetAtDayStart.get(day);
  if (offset === undefined) {
    if (zone.offsetAtDayStart.size >= MAX_DAYS_REMEMBERED) zone.offsetAtDayStart.clear();
    offset = formattedOffsetMinutes(day * DAY_MS, zone);
    zone.offsetAtDayStart.set(day, offset);
  }
  return offset;
}

/** The offset if it is the same at the start of every UTC day from `firstDay` to `lastDay`. */
function steadyOffset(zone: Zone, firstDay: number, lastDay: number): number | null {
  const offset = offsetAtDayStart(zone, firstDay);
  for (let day = firstDay + 1; day <= lastDay; day++) {
    // No zone changes its offset twice within a day, so equal samples mean no change between.
    if (offsetAtDayStart(zone, day) !== offset) return null;
  }
  return offset;
}

/** Dates already parsed: every slot listing asks `daysBetween` about the same few days. */
const parsedDates = new Map<string, number>();
const MAX_DATES_REMEMBERED = 1_024;

/** Midnight UTC of a "YYYY-MM-DD" date; throws `RangeError` for anything else. */
function dateMs(date: string): number {
  const known = parsedDates.get(date);
  if (known !== undefined) return known;
  if (DATE_PATTERN.test(date)) {
    const [year, month, day] = [+date.slice(0, 4), +date.slice(5, 7), +date.slice(8, 10)];
    const ms = Date.UTC(year, month - 1, day);
    const parsed = new Date(ms);
    if (year >= 100 && parsed.getUTCMonth() === month - 1 && parsed.getUTCDate() === day) {
      if (parsedDates.size >= MAX_DATES_REMEMBERED) parsedDates.clear();
      parsedDates.set(date, ms);
      return ms;
    }
  }
  throw new RangeError(`Expected a date "YYYY-MM-DD", found "${date}"`);
}

const pad2 = (n: number) => (n < 10 ? "0" : "") + n;

function dateOfMs(ms: number): string {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  if (year < 1000 || year > 9999) return d.toISOString().slice(0, 10);
  return `${year}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
}

/**
 * Returns a function equal to `new Date(ms).toISOString()` for years 1000–9999, about ten times
 * faster on runs of instants within one UTC day (slot lists).
 */
export function utcIsoFormatter(): (epochMs: number) => string {
  let cachedDay = NaN;
  let dayPrefix = "";
  return (epochMs) => {
    if (!Number.isInteger(epochMs)) return new Date(epochMs).toISOString();
    const day = Math.floor(epochMs / DAY_MS);
    if (day !== cachedDay) {
      const prefix = `${dateOfMs(day * DAY_MS)}T`;
      if (prefix.length !== 11 || !Number.isInteger(epochMs)) {
        return new Date(epochMs).toISOString();
      }
      [cachedDay, dayPrefix] = [day, prefix];
    }
    const ms = epochMs - day * DAY_MS;
    const hours = pad2(Math.floor(ms / 3_600_000));
    const minutes = pad2(Math.floor(ms / MINUTE_MS) % 60);
    const seconds = pad2(Math.floor(ms / 1000) % 60);
    return `${dayPrefix}${hours}:${minutes}:${seconds}.${String(ms % 1000).padStart(3, "0")}Z`;
  };
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    zoneFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * The years the product can mean: 2000–2199. Outside them date arithmetic (time zones, slot
 * grids) has nothing useful to say, so such input is refused before it gets here.
 */
export const MIN_YEAR = 2000;
export const MAX_YEAR = 2199;

/** Whether the instant `ms` falls in the years 2000–2199 (UTC); false for NaN. */
export function inYearRange(ms: number): boolean {
  const year = new Date(ms).getUTCFullYear();
  return year >= MIN_YEAR && year <= MAX_YEAR;
}

/** Whether `date` is a real calendar date written "YYYY-MM-DD". */
export function isLocalDate(date: string): boolean {
  try {
    dateMs(date);
    return true;
  } catch {
    return false;
  }
}

/** Minutes since local midnight of a wall time "HH:MM" (00:00–24:00), or null if malformed. */
export function wallTimeMinutes(time: string): number | null {
  const match = TIME_PATTERN.exec(time);
  if (match === null) return null;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (hours > 24 || minutes > 59 || (hours === 24 && minutes !== 0)) return null;
  return hours * 60 + minutes;
}

/** UTC offset in minutes (east positive) in effect at `epochMs`, e.g. 330 in Asia/Kolkata. */
export function offsetMinutesAt(epochMs: number, timeZone: string): number {
  const zone = zoneFor(timeZone);
  const day = Math.floor(epochMs / DAY_MS);
  return steadyOffset(zone, day, day + 1) ?? formattedOffsetMinutes(epochMs, zone);
}

export function localDateOf(epochMs: number, timeZone: string): string {
  return dateOfMs(epochMs + offsetMinutesAt(epochMs, timeZone) * MINUTE_MS);
}

export function weekdayOf(date: string): Weekday {
  return WEEKDAYS_FROM_SUNDAY[new Date(dateMs(date)).getUTCDay()];
}

export function addDays(date: string, n: number): string {
  return dateOfMs(dateMs(date) + n * DAY_MS);
}

/** Whole days from `from` to `to`; negative when `to` is earlier. */
export function daysBetween(from: string, to: string): number {
  return Math.round((dateMs(to) - dateMs(from)) / DAY_MS);
}

/**
 * The instant a wall clock in `timeZone` shows `time` on `date`. A time skipped by a
 * spring-forward gap moves forward by the gap; a time repeated by a fall-back takes the earlier
 * instant (Temporal's "compatible"). Throws `RangeError` for a malformed date, time or zone.
 */
export function zonedWallTimeToEpochMs(date: string, time: string, timeZone: string): number {
  const minutes = wallTimeMinutes(time);
  if (minutes === null) {
    throw new RangeError(`Expected a wall time "HH:MM" from 00:00 to 24:00, found "${time}"`);
  }
  return resolveWallClock(dateMs(date) + minutes * MINUTE_MS, timeZone);
}

/**
 * Resolves wall times (minutes since local midnight, up to 24:00) on one `date`. Offsets come from
 * a per-zone cache of one reading per UTC day; only a date with an offset change costs more.
 */
export function wallTimeResolver(date: string, timeZone: string): (minutes: number) => number {
  const midnight = dateMs(date);
  const day = midnight / DAY_MS;
  // Offsets lie within UTC-12..UTC+14, so this local day lies within UTC days day-1..day+1.
  const offset = steadyOffset(zoneFor(timeZone), day - 1, day + 2);
  if (offset !== null) return (minutes) => midnight + (minutes - offset) * MINUTE_MS;
  return (minutes) => resolveWallClock(midnight + minutes * MINUTE_MS, timeZone);
}

/** `wall` is the wall-clock reading as if it were UTC; the same algorithm as Temporal's. */
function resolveWallClock(wall: number, timeZone: string): number {
  const before = offsetMinutesAt(wall - DAY_MS, timeZone);
  const after = offsetMinutesAt(wall + DAY_MS, timeZone);
  const viaBefore = wall - before * MINUTE_MS;
  if (before === after) return viaBefore;
  const viaAfter = wall - after * MINUTE_MS;
  const beforeFits = offsetMinutesAt(viaBefore, timeZone) === before;
  const afterFits = offsetMinutesAt(viaAfter, timeZone) === after;
  if (beforeFits && afterFits) return Math.min(viaBefore, viaAfter);
  if (afterFits) return viaAfter;
  // Fits, or the time is in a gap: keeping the earlier offset moves it forward by the gap.
  return viaBefore;
}
