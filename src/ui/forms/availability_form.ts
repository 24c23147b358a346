/**
 * The availability form as the doctor typed it: field values (strings, kept on a failed save),
 * conversion from a stored schedule, and parsing into a `Schedule` with errors keyed by field
 * name, using the domain's own `scheduleProblems()` so the UI and the API agree on what is valid.
 */
import { z } from "zod";
import { type Lang, t } from "../../i18n/messages.ts";
import {
  type DateOverride,
  type Schedule,
  scheduleProblems,
  type WeeklyRange,
} from "../../domain/slots.ts";
import type { Weekday } from "../../domain/zoned_time.ts";
import type { FieldErrors } from "../views/fields.tsx";
import { LocalDate, MAX_DATE_OVERRIDES, POLICY_BOUNDS } from "../../http/schemas.ts";

export const DAYS: readonly Weekday[] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const MIN_RANGE_ROWS = 3;
const MIN_OVERRIDE_ROWS = 4;
const MAX_ROWS = 40;

export interface RangeValues {
  start: string;
  end: string;
}
export interface OverrideValues extends RangeValues {
  date: string;
  off: boolean;
}
export interface AvailabilityValues {
  weekly: Record<Weekday, RangeValues[]>;
  overrides: OverrideValues[];
  policy: Record<PolicyField, string>;
}

/** The API's limits (AvailabilityBody's), so the page saves whatever the API may have set. */
export const POLICY_LIMITS = POLICY_BOUNDS;
export type PolicyField = keyof typeof POLICY_LIMITS;

function padRows<T>(rows: T[], least: number, blank: () => T, most = MAX_ROWS): T[] {
  const out = [...rows];
  while (out.length < Math.max(least, rows.length + 1)) out.push(blank());
  return out.slice(0, most);
}

export function valuesFromSchedule(s: Schedule): AvailabilityValues {
  const weekly = Object.fromEntries(DAYS.map((day) => [
    day,
    padRows(
      s.weekly.filter((r) => r.day === day).map((r) => ({ start: r.start, end: r.end })),
      MIN_RANGE_ROWS,
      () => ({ start: "", end: "" }),
    ),
  ])) as Record<Weekday, RangeValues[]>;
  const overrides = padRows(
    s.overrides.map((o) =>
      "unavailable" in o
        ? { date: o.date, off: true, start: "", end: "" }
        : { date: o.date, off: false, start: o.start, end: o.end }
    ),
    MIN_OVERRIDE_ROWS,
    () => ({ date: "", off: false, start: "", end: "" }),
    MAX_DATE_OVERRIDES,
  );
  const policy = {
    slotMinutes: String(s.slotMinutes),
    bufferMinutes: String(s.bufferMinutes),
    minNoticeMinutes: String(s.minNoticeMinutes),
    horizonDays: String(s.horizonDays),
    maxPerDay: s.maxPerDay === null ? "" : String(s.maxPerDay),
  };
  return { weekly, overrides, policy };
}

/** The typed values from a posted form (unknown fields ignored, rows capped). */
export function valuesFromForm(body: Record<string, unknown>): AvailabilityValues {
  const str = (
    name: string,
  ) => (typeof body[name] === "string" ? (body[name] as string).trim() : "");
  const rows = (prefix: string, most = MAX_ROWS) => {
    let n = 0;
    while (n < most && (`${prefix}.${n}.start` in body || `${prefix}.${n}.date` in body)) n++;
    return Array.from({ length: n }, (_, i) => i);
  };
  const weekly = Object.fromEntries(DAYS.map((day) => [
    day,
    padRows(
      rows(`w.${day}`).map((i) => ({
        start: str(`w.${day}.${i}.start`),
        end: str(`w.${day}.${i}.end`),
      })),
      MIN_RANGE_ROWS,
      () => ({ start: "", end: "" }),
    ).slice(0, Math.max(MIN_RANGE_ROWS, rows(`w.${day}`).length)),
  ])) as Record<Weekday, RangeValues[]>;
  const overrides = rows("o", MAX_DATE_OVERRIDES).map((i) => ({
    date: str(`o.${i}.date`),
    off: str(`o.${i}.off`) === "on",
    start: str(`o.${i}.start`),
    end: str(`o.${i}.end`),
  }));
  const policy = Object.fromEntries(
    Object.keys(POLICY_LIMITS).map((k) => [k, str(k)]),
  ) as Record<PolicyField, string>;
  return {
    weekly,
    overrides: padRows(
      overrides,
      MIN_OVERRIDE_ROWS,
      () => ({ date: "", off: false, start: "", end: "" }),
      MAX_DATE_OVERRIDES,
    )
      .slice(0, Math.max(MIN_OVERRIDE_ROWS, overrides.length)),
    policy,
  };
}

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

export type ParsedAvailability = { ok: true; schedule: Schedule } | {
  ok: false;
  errors: FieldErrors;
};

/** The schedule the values describe, or every problem keyed by the form field it belongs to. */
export function parseAvailability(v: AvailabilityValues, lang: Lang): ParsedAvailability {
  const errors: FieldErrors = {};
  const weekly: WeeklyRange[] = [];
  const weeklyNames: string[] = [];
  const overrides: DateOverride[] = [];
  const overrideNames: string[] = [];
  const range = (name: string, r: RangeValues): boolean => {
    if (!r.start && !r.end) return false;
    if (!r.start || !r.end) {
      errors[`${name}.${r.start ? "end" : "start"}`] = t(lang, "field.bothTimes");
      return false;
    }
    let ok = true;
    for (const part of ["start", "end"] as const) {
      if (!TIME.test(r[part])) {
        errors[`${name}.${part}`] = t(lang, "field.badTime");
        ok = false;
      }
    }
    if (ok && r.end <= r.start) {
      errors[`${name}.end`] = t(lang, "field.endAfterStart");
      ok = false;
    }
    return ok;
  };
  for (const day of DAYS) {
    v.weekly[day].forEach((r, i) => {
      const name = `w.${day}.${i}`;
      if (!range(name, r)) return;
      weekly.push({ day, start: r.start, end: r.end });
      weeklyNames.push(name);
    });
  }
  v.overrides.forEach((o, i) => {
    const name = `o.${i}`;
    if (!o.date && !o.off && !o.start && !o.end) return;
    // The API's dates (years 2000–2199): the page stores nothing the API would refuse.
    if (!LocalDate.safeParse(o.date).success) {
      errors[`${name}.date`] = t(lang, "field.badDate");
      return;
    }
    if (o.off) {
      overrides.push({ date: o.date, unavailable: true });
      overrideNames.push(name);
    } else if (range(name, o)) {
      overrides.push({ date: o.date, start: o.start, end: o.end });
      overrideNames.push(name);
    } else if (!o.start && !o.end) {
      errors[`${name}.start`] = t(lang, "field.bothTimes");
    }
  });
  const policy: Partial<Record<PolicyField, number | null>> = {};
  for (
    const [field, [min, max]] of Object.entries(POLICY_LIMITS) as [
      PolicyField,
      readonly [number, number],
    ][]
  ) {
    const raw = v.policy[field];
    if (field === "maxPerDay" && raw === "") {
      policy[field] = null;
      continue;
    }
    const n = z.coerce.number().int().min(min).max(max).safeParse(raw === "" ? NaN : raw);
    if (n.success) policy[field] = n.data;
    else errors[field] = t(lang, "field.badNumber", { min, max });
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const schedule: Schedule = {
    weekly,
    overrides,
    slotMinutes: policy.slotMinutes!,
    bufferMinutes: policy.bufferMinutes!,
    minNoticeMinutes: policy.minNoticeMinutes!,
    horizonDays: policy.horizonDays!,
    maxPerDay: policy.maxPerDay ?? null,
  };
  for (const p of scheduleProblems(schedule)) {
    const [list, index, part] = p.path.split(".");
    const names = list === "weekly" ? weeklyNames : list === "overrides" ? overrideNames : null;
    const field = names ? `${names[Number(index)]}.${part ?? "start"}` : p.path;
    errors[field] ??= t(lang, "field.invalid", { detail: p.message });
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, schedule };
}
