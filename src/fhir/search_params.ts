/**
 * FHIR search parameter parsing shared by the /fhir/R4 searches: date ranges with prefixes
 * (`ge2026-12-01`, `lt2026-12-01T10:00:00Z`), `_count`, and token values (`system|code`). Bad
 * values throw `ValidationError`, which the FHIR error mapping answers as 400 `invalid`.
 */
import { addDays, isLocalDate } from "../domain/zoned_time.ts";
import { ValidationError } from "../errors.ts";
import { MAX_CURSOR_LENGTH } from "../stores/cursor.ts";

/** A half-open instant range [fromMs, toMs); either end may be open. */
export interface InstantRange {
  fromMs?: number;
  toMs?: number;
}

const DATE_VALUE =
  /^(eq|ne|gt|lt|ge|le|sa|eb|ap)?(\d{4}-\d{2}-\d{2})(T[0-9:.]+(Z|[+-]\d{2}:\d{2}))?$/;

/** When a calendar day starts: in UTC, or in a doctor's time zone for Slot searches. */
export type DayStart = (date: string) => number;

export const utcDayStart: DayStart = (date) => Date.parse(`${date}T00:00:00Z`);

/** The instants a date value covers: a whole day, or the instant to the precision written. */
function covered(value: string, name: string, dayStart: DayStart): [number, number] {
  const m = DATE_VALUE.exec(value);
  if (!m || !isLocalDate(m[2])) {
    throw new ValidationError(
      `Search parameter ${name}: expected a date like ge2026-12-01 or an instant with a zone, found "${value}"`,
    );
  }
  if (!m[3]) return [dayStart(m[2]), dayStart(addDays(m[2], 1))];
  const ms = Date.parse(m[2] + m[3]);
  if (Number.isNaN(ms)) {
    throw new ValidationError(`Search parameter ${name}: "${value}" is not an instant`);
  }
  const time = m[3].slice(1, m[3].length - m[4].length);
  const precision = time.includes(".") ? 1 : time.split(":").length === 3 ? 1000 : 60_000;
  return [ms, ms + precision];
}

/** Combines every value of a date parameter (`date=ge…&date=le…`) into one range. */
export function parseDateRange(values: string[], name: string, dayStart: DayStart): InstantRange {
  const range: InstantRange = {};
  const lower = (ms: number) => (range.fromMs = Math.max(range.fromMs ?? -Infinity, ms));
  const upper = (ms: number) => (range.toMs = Math.min(range.toMs ?? Infinity, ms));
  for (const value of values) {
    const [start, end] = covered(value, name, dayStart);
    const prefix = DATE_VALUE.exec(value)![1] ?? "eq";
    if (prefix === "ge") lower(start);
    else if (prefix === "gt") lower(end);
    else if (prefix === "le") upper(end);
    else if (prefix === "lt") upper(start);
    else if (prefix === "eq") {
      lower(start);
      upper(end);
    } else {
      throw new ValidationError(
        `Search parameter ${name}: prefix "${prefix}" is not supported; use eq, ge, gt, le or lt`,
      );
    }
  }
  if (range.fromMs !== undefined && range.toMs !== undefined && range.fromMs >= range.toMs) {
    throw new ValidationError(`Search parameter ${name}: the range is empty`);
  }
  return range;
}

/** `_count`: a whole number from 1 to `max`, `fallback` when absent. */
export function parseCount(raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > max) {
    throw new ValidationError(`_count must be a whole number from 1 to ${max}, found "${raw}"`);
  }
  return n;
}

/** `_offset` for searches paged by position. */
export function parseOffset(raw: string | undefined): number {
  if (raw === undefined) return 0;
  if (!/^\d{1,6}$/.test(raw)) {
    throw new ValidationError(`_offset must be a whole number, found "${raw}"`);
  }
  return Number(raw);
}

/** The code of a token value: `urn:ietf:bcp:47|hi` and `hi` are both `hi`. */
export function tokenCode(value: string): string {
  return value.includes("|") ? value.slice(value.lastIndexOf("|") + 1) : value;
}

/** A string parameter trimmed and bounded, or undefined when absent or empty. */
export function stringParam(raw: string | undefined, name: string, max = 100): string | undefined {
  // The bound is on what was sent (as /openapi.json states it), not on what trimming leaves.
  if (raw !== undefined && raw.length > max) {
    throw new ValidationError(`${name} must be at most ${max} characters`);
  }
  return raw?.trim() || undefined;
}

/**
 * `_cursor` as sent (never trimmed), or undefined when absent or empty. Its alphabet and length
 * are checked here, whatever else the search answers; what it decodes to, by the store.
 */
export function cursorParam(raw: string | null): string | undefined {
  if (raw !== null && (raw.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]*$/.test(raw))) {
    throw new ValidationError(
      `_cursor must be at most ${MAX_CURSOR_LENGTH} base64url characters, from a next link`,
    );
  }
  return raw || undefined;
}
