/**
 * Times as the patient reads them: in the patient's zone and the page's language. Dates and
 * full times come from patient_templates.ts (the texts patients get by SMS read the same).
 */
import { formatDate, formatWhen } from "../../../i18n/patient_templates.ts";
import { patientDateFormat } from "../../../i18n/patient_dates.ts";
import type { BookLang } from "../../../i18n/book_messages.ts";
import { BOOK_LANGUAGE_NAMES, isBookLang } from "../../../i18n/book_messages.ts";

export { formatDate, formatWhen };

const timeFormatters = new Map<string, { format(ms: number): string }>();

/** "10:30 am" in the patient's zone. */
export function formatClock(ms: number, lang: BookLang, timeZone: string): string {
  const key = `${lang}|${timeZone}`;
  let f = timeFormatters.get(key);
  if (!f) {
    f = patientDateFormat(lang, { timeZone, hour: "numeric", minute: "2-digit" });
    timeFormatters.set(key, f);
  }
  return f.format(ms);
}

/** A doctor's language codes as names patients recognise ("en" → "English"). */
export function languageNames(codes: string[]): string {
  return codes.map((c) => isBookLang(c) ? BOOK_LANGUAGE_NAMES[c] : c).join(", ");
}
