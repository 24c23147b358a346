/** Dates and times as the doctor reads them: in the doctor's zone, in the page's language. */
import type { Lang } from "../../i18n/messages.ts";
import { localDateOf } from "../../domain/zoned_time.ts";
import { LocalDate } from "../../http/schemas.ts";

const LOCALES: Record<Lang, string> = { en: "en-IN", hi: "hi-IN" };

export function formatTime(iso: string, timeZone: string, lang: Lang): string {
  return new Intl.DateTimeFormat(LOCALES[lang], { timeZone, timeStyle: "short" }).format(
    Date.parse(iso),
  );
}

export function formatDateTime(iso: string, timeZone: string, lang: Lang): string {
  return new Intl.DateTimeFormat(LOCALES[lang], {
    timeZone,
    dateStyle: "medium",
    timeStyle: "short",
  })
    .format(Date.parse(iso));
}

/** A local calendar date ("2026-12-01") as "Tue, 1 Dec 2026". */
export function formatDate(date: string, lang: Lang): string {
  return new Intl.DateTimeFormat(LOCALES[lang], {
    timeZone: "UTC",
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
  }).format(Date.parse(`${date}T12:00:00Z`));
}

/**
 * `value` if it is a calendar date the product can mean (the API's `LocalDate`: years 2000–2199;
 * outside them the day's bounds fail deeper down), else today in `timeZone`.
 */
export function dateOrToday(value: string | undefined, timeZone: string, nowMs: number): string {
  return value && LocalDate.safeParse(value).success ? value : localDateOf(nowMs, timeZone);
}

/** "Patient 7f3k9q" when a patient gave no name: enough to tell patients apart on one day. */
export function shortId(id: string): string {
  return id.slice(-6);
}
