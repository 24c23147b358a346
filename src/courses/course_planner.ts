/**
 * Pure planning for therapy courses: expands a course request into session start instants (the
 * same wall-clock time every `everyDays` days in the doctor's zone, so a DST change keeps the
 * time of day), and proposes the nearest complete alternative when some sessions are taken.
 * No I/O and no clock: the bookable slots and `nowMs` are passed in.
 */
import type { Slot } from "../domain/slots.ts";
import { addDays, localDateOf, zonedWallTimeToEpochMs } from "../domain/zoned_time.ts";

export const MAX_COURSE_SESSIONS = 14;

export type CourseRequest =
  | { start: string; count: number; everyDays: number }
  | { starts: string[] };

export type Alternative =
  | { kind: "shift_days"; days: number; starts: string[] }
  | { kind: "same_days"; starts: string[] };

/** The wall time "HH:MM" of an instant in `timeZone`. */
export function wallTimeOf(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat("en-GB", {
    timeZone,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(ms);
}

/** Session starts (epoch ms, ascending) of a request; throws `RangeError` on a bad one. */
export function expandCourse(req: CourseRequest, timeZone: string): number[] {
  let starts: number[];
  if ("starts" in req) {
    starts = req.starts.map((s) => Date.parse(s));
  } else {
    const first = Date.parse(req.start);
    const date = localDateOf(first, timeZone);
    const time = wallTimeOf(first, timeZone);
    // The first session is the instant asked for: re-resolving its wall time would move a start
    // in the hour a DST change repeats to that hour's earlier instant.
    starts = Array.from(
      { length: req.count },
      (_, i) =>
        i === 0 ? first : zonedWallTimeToEpochMs(addDays(date, i * req.everyDays), time, timeZone),
    );
  }
  if (starts.some((s) => !Number.isFinite(s))) throw new RangeError("a session start is invalid");
  starts.sort((a, b) => a - b);
  if (starts.length < 1 || starts.length > MAX_COURSE_SESSIONS) {
    throw new RangeError(`a course has 1 to ${MAX_COURSE_SESSIONS} sessions`);
  }
  if (new Set(starts).size !== starts.length) throw new RangeError("two sessions start together");
  return starts;
}

/** Shifts every start by `days` whole local days, keeping each session's wall time. */
export function shiftByDays(starts: number[], days: number, timeZone: string): number[] {
  return starts.map((s) =>
    zonedWallTimeToEpochMs(
      addDays(localDateOf(s, timeZone), days),
      wallTimeOf(s, timeZone),
      timeZone,
    )
  );
}

/**
 * Up to two complete alternatives: the smallest whole-day shift (forward first) whose every
 * session is bookable, and the same days at the nearest bookable times. `bookable` are the
 * doctor's free slots over the horizon; sessions must not overlap one another.
 */
export function proposeAlternatives(
  starts: number[],
  bookable: Slot[],
  timeZone: string,
  maxShiftDays: number,
): Alternative[] {
  const byStart = new Map(bookable.map((s) => [s.startMs, s]));
  const iso = (ms: number) => new Date(ms).toISOString();
  const out: Alternative[] = [];
  for (let d = 1; d <= maxShiftDays; d++) {
    const hit = [d, -d].find((k) => shiftByDays(starts, k, timeZone).every((s) => byStart.has(s)));
    if (hit !== undefined) {
      out.push({
        kind: "shift_days",
        days: hit,
        starts: shiftByDays(starts, hit, timeZone).map(iso),
      });
      break;
    }
  }
  const chosen: Slot[] = [];
  for (const s of starts) {
    const date = localDateOf(s, timeZone);
    const best = bookable
      .filter((b) =>
        b.date === date && chosen.every((c) => c.endMs <= b.startMs || b.endMs <= c.startMs)
      )
      .sort((a, b) =>
        Math.abs(a.startMs - s) - Math.abs(b.startMs - s) || a.startMs - b.startMs
      )[0];
    if (!best) break;
    chosen.push(best);
  }
  if (chosen.length === starts.length) {
    const same = chosen.map((c) => c.startMs);
    if (same.some((s, i) => s !== starts[i])) {
      out.push({ kind: "same_days", starts: same.map(iso) });
    }
  }
  return out;
}
