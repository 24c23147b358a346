/**
 * Slot generation: turns a doctor's weekly hours and date overrides, in the doctor's IANA time
 * zone, into bookable slots as UTC instants, and finds the mistakes in a schedule. Pure: `nowMs`
 * and the busy intervals are passed in; it must never read the clock, a store or the network.
 */
import {
  addDays,
  isLocalDate,
  localDateOf,
  utcIsoFormatter,
  wallTimeMinutes,
  wallTimeResolver,
  type Weekday,
  weekdayOf,
} from "./zoned_time.ts";

export type { Weekday };

/** "HH:MM" wall times, minutes a multiple of 5; `end` may be "24:00". */
export interface WeeklyRange {
  day: Weekday;
  start: string;
  end: string;
}

/**
 * Several entries with ranges on one date are that date's ranges, replacing the weekly ones;
 * any `unavailable` entry on a date means no slots that date.
 */
export type DateOverride =
  | { date: string; unavailable: true }
  | { date: string; start: string; end: string };

export interface Schedule {
  weekly: WeeklyRange[];
  overrides: DateOverride[];
  slotMinutes: number;
  bufferMinutes: number;
  minNoticeMinutes: number;
  horizonDays: number;
  /** Max active bookings (holds + appointments) per local day; null = no limit. */
  maxPerDay: number | null;
}

export interface Interval {
  startMs: number;
  endMs: number;
}

/** `start`/`end` are ISO UTC with ms ("2026-12-01T04:30:00.000Z"); `date` is the local date. */
export interface Slot {
  start: string;
  end: string;
  startMs: number;
  endMs: number;
  date: string;
}

export interface SlotQuery {
  schedule: Schedule;
  timeZone: string;
  /** Local dates, both inclusive. */
  fromDate: string;
  toDate: string;
  nowMs: number;
  busy: Interval[];
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const WEEKDAYS = new Set<string>(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]);

/** Minutes since local midnight. */
interface MinuteRange {
  start: number;
  end: number;
}

/** Bookable slots from `fromDate` to `toDate` (local dates), sorted by start. */
export function generateSlots(q: SlotQuery): Slot[] {
  const { slotMs, candidates } = slotGrid(q);
  const overlapsBusy = busyOverlapIndex(q.busy);
  const { maxPerDay } = q.schedule;
  const dailyLimit = maxPerDay ?? Infinity;
  const bookingsOn = countByLocalDate(maxPerDay === null ? [] : q.busy, q.timeZone);
  const isoOf = utcIsoFormatter();
  const slots: Slot[] = [];
  let previousStartMs = NaN;
  for (const { startMs, date } of candidates) {
    if (startMs === previousStartMs) continue;
    previousStartMs = startMs;
    const endMs = startMs + slotMs;
    if (overlapsBusy(startMs, endMs)) continue;
    if ((bookingsOn.get(date) ?? 0) >= dailyLimit) continue;
    slots.push({ start: isoOf(startMs), end: isoOf(endMs), startMs, endMs, date });
  }
  return slots;
}

/**
 * The schedule's slot starts from `fromDate` to `toDate` within notice and horizon, sorted by
 * start (a start twice where a DST change folds local time), before busy time and daily limits.
 */
function slotGrid(
  q: Omit<SlotQuery, "busy">,
): { slotMs: number; candidates: { startMs: number; date: string }[] } {
  const { schedule, timeZone, nowMs } = q;
  const { slotMinutes, bufferMinutes } = schedule;
  // Guards the stepping loop below against never ending; scheduleProblems() explains the rest.
  if (!(Number.isInteger(slotMinutes) && slotMinutes > 0 && bufferMinutes >= 0)) {
    throw new RangeError(
      `Cannot generate slots: slotMinutes ${slotMinutes} / bufferMinutes ${bufferMinutes}`,
    );
  }
  for (const date of [q.fromDate, q.toDate]) {
    if (!isLocalDate(date)) throw new RangeError(`Cannot generate slots: bad date "${date}"`);
  }
  const slotMs = slotMinutes * MINUTE_MS;
  const earliestMs = nowMs + Math.max(0, schedule.minNoticeMinutes) * MINUTE_MS;
  const horizonMs = nowMs + schedule.horizonDays * DAY_MS;
  if (!(earliestMs < horizonMs)) return { slotMs, candidates: [] };

  // A slot starts on the local date it was generated for, so dates outside now..horizon
  // (give or take a day) cannot have one; skipping them keeps a huge range cheap.
  const fromDate = max(q.fromDate, addDays(localDateOf(earliestMs, timeZone), -1));
  const toDate = min(q.toDate, addDays(localDateOf(horizonMs, timeZone), 1));
  const rangesOn = rangesByDate(schedule);
  const stepMs = slotMs + bufferMinutes * MINUTE_MS;
  const candidates: { startMs: number; date: string }[] = [];
  for (let date = fromDate; date <= toDate; date = addDays(date, 1)) {
    const ranges = rangesOn(date);
    if (ranges.length === 0) continue;
    const instantOf = wallTimeResolver(date, timeZone);
    for (const range of ranges) {
      const rangeEndMs = instantOf(range.end);
      // Steps in real time, so a DST change lengthens or shortens the range, not the slots.
      for (let t = instantOf(range.start); t + slotMs <= rangeEndMs && t < horizonMs; t += stepMs) {
        if (t >= earliestMs) candidates.push({ startMs: t, date });
      }
    }
  }
  candidates.sort((a, b) => a.startMs - b.startMs);
  return { slotMs, candidates };
}

/** The slot starting exactly at `startMs` if it is bookable now, else null. */
export function findBookableSlot(
  q: Omit<SlotQuery, "fromDate" | "toDate">,
  startMs: number,
): Slot | null {
  const at = slotStartingAt(q, startMs);
  return at?.bookable ? at.slot : null;
}

/**
 * The slot the schedule offers starting exactly at `startMs` (on the grid, within hours, notice
 * and horizon; null if none), and whether it is bookable: free of `q.busy` and under the daily
 * limit. One pass over the slot grid tells a hold "not offered" from "taken" (409).
 */
export function slotStartingAt(
  q: Omit<SlotQuery, "fromDate" | "toDate">,
  startMs: number,
): { slot: Slot; bookable: boolean } | null {
  if (!Number.isFinite(startMs)) return null;
  const date = localDateOf(startMs, q.timeZone);
  // The grid without busy time, and only the slot asked for formatted (the first of a start
  // twice, as generateSlots keeps it).
  const { slotMs, candidates } = slotGrid({
    ...q,
    fromDate: addDays(date, -1),
    toDate: addDays(date, 1),
  });
  const found = candidates.find((c) => c.startMs === startMs);
  if (!found) return null;
  const endMs = startMs + slotMs;
  const isoOf = utcIsoFormatter();
  const slot: Slot = { start: isoOf(startMs), end: isoOf(endMs), startMs, endMs, date: found.date };
  const { maxPerDay } = q.schedule;
  const full = maxPerDay !== null &&
    (countByLocalDate(q.busy, q.timeZone).get(slot.date) ?? 0) >= maxPerDay;
  return { slot, bookable: !full && !busyOverlapIndex(q.busy)(slot.startMs, slot.endMs) };
}

/** Every mistake in `s`, with a dotted path such as "weekly.0.end"; [] when it is usable. */
export function scheduleProblems(s: Schedule): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const report = (path: string, message: string) => problems.push({ path, message });

  const checkTime = (path: string, time: string): number | null => {
    const minutes = wallTimeMinutes(time);
    if (minutes === null) report(path, `must be "HH:MM" (00:00–24:00), found "${time}"`);
    else if (minutes % 5 !== 0) report(path, `must be a multiple of 5 minutes, found "${time}"`);
    else return minutes;
    return null;
  };
  const checkRange = (path: string, r: { start: string; end: string }): MinuteRange | null => {
    const start = checkTime(`${path}.start`, r.start);
    const end = checkTime(`${path}.end`, r.end);
    if (start === null || end === null) return null;
    if (end > start) return { start, end };
    report(`${path}.end`, `must be after start ${r.start}, found ${r.end}`);
    return null;
  };

  const weeklyByDay = new Map<string, Labelled[]>();
  s.weekly.forEach((r, i) => {
    if (!WEEKDAYS.has(r.day)) report(`weekly.${i}.day`, `must be mon..sun, found "${r.day}"`);
    const range = checkRange(`weekly.${i}`, r);
    if (range !== null) push(weeklyByDay, r.day, { ...range, path: `weekly.${i}`, label: r });
  });
  const overridesByDate = new Map<string, Labelled[]>();
  s.overrides.forEach((o, i) => {
    if (!isLocalDate(o.date)) {
      report(`overrides.${i}.date`, `must be "YYYY-MM-DD", found "${o.date}"`);
    }
    if ("unavailable" in o) return;
    const range = checkRange(`overrides.${i}`, o);
    if (range !== null) {
      push(overridesByDate, o.date, { ...range, path: `overrides.${i}`, label: o });
    }
  });
  for (const group of [...weeklyByDay.values(), ...overridesByDate.values()]) {
    group.sort((a, b) => a.start - b.start);
    let furthest = group[0];
    for (const range of group.slice(1)) {
      if (range.start < furthest.end) {
        const { start, end } = furthest.label;
        report(range.path, `overlaps ${furthest.path} (${start}–${end}) on the same day`);
      }
      if (range.end > furthest.end) furthest = range;
    }
  }

  const checkMinutes = (path: string, value: number, least: number, stepOf5: boolean) => {
    if (Number.isInteger(value) && value >= least && (!stepOf5 || value % 5 === 0)) return;
    const what = stepOf5 ? "a multiple of 5" : "a whole number";
    report(path, `must be ${what}, at least ${least}, found ${value}`);
  };
  checkMinutes("slotMinutes", s.slotMinutes, 5, true);
  checkMinutes("bufferMinutes", s.bufferMinutes, 0, true);
  checkMinutes("minNoticeMinutes", s.minNoticeMinutes, 0, false);
  checkMinutes("horizonDays", s.horizonDays, 1, false);
  if (s.maxPerDay !== null) checkMinutes("maxPerDay", s.maxPerDay, 1, false);
  return problems;
}

interface Labelled extends MinuteRange {
  path: string;
  label: { start: string; end: string };
}

/** The ranges a local date has: its override ranges if any, else its weekday's. */
function rangesByDate(s: Schedule): (date: string) => MinuteRange[] {
  const minutesOf = (time: string): number => {
    const minutes = wallTimeMinutes(time);
    if (minutes !== null) return minutes;
    throw new RangeError(`Cannot generate slots: expected a wall time "HH:MM", found "${time}"`);
  };
  const weekly = new Map<string, MinuteRange[]>();
  for (const r of s.weekly) {
    push(weekly, r.day, { start: minutesOf(r.start), end: minutesOf(r.end) });
  }
  const overrides = new Map<string, MinuteRange[]>();
  const daysOff: string[] = [];
  for (const o of s.overrides) {
    if ("unavailable" in o) daysOff.push(o.date);
    else push(overrides, o.date, { start: minutesOf(o.start), end: minutesOf(o.end) });
  }
  for (const date of daysOff) overrides.set(date, []);
  return (date) => overrides.get(date) ?? weekly.get(weekdayOf(date)) ?? [];
}

/** Answers "does [startMs, endMs) overlap a busy interval?" in O(log n). */
function busyOverlapIndex(busy: Interval[]): (startMs: number, endMs: number) => boolean {
  const sorted = [...busy].sort((a, b) => a.startMs - b.startMs);
  const furthestEndMs: number[] = [];
  for (const interval of sorted) {
    furthestEndMs.push(Math.max(interval.endMs, furthestEndMs.at(-1) ?? -Infinity));
  }
  return (startMs, endMs) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid].startMs < endMs) lo = mid + 1;
      else hi = mid;
    }
    // `lo` intervals start before the slot ends; one of them overlaps iff it ends after its start.
    return lo > 0 && furthestEndMs[lo - 1] > startMs;
  };
}

function countByLocalDate(busy: Interval[], timeZone: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { startMs } of busy) {
    const date = localDateOf(startMs, timeZone);
    counts.set(date, (counts.get(date) ?? 0) + 1);
  }
  return counts;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

const max = (a: string, b: string) => (a > b ? a : b);
const min = (a: string, b: string) => (a < b ? a : b);
