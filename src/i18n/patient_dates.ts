/**
 * Dates and times as a patient reads them: in the patient's zone, with the names of their
 * language. `Intl.DateTimeFormat` does the work where the runtime's ICU data has the locale. Where
 * it does not (Deno 2.9 resolves `pa-IN` to a data-less `pa` that prints "M12 1, Tue", and
 * `or-IN` to `en-US`), the text is laid out by `en-IN` (same digits, order and time zone names)
 * with the weekday, month and am/pm names of LOCAL_NAMES (CLDR's abbreviated forms) put in. A
 * language that lacks data and has no entry there reads `en-IN`.
 */
import type { PatientLanguage } from "./patient_templates.ts";

interface Names {
  /** Sunday first. */
  weekdays: readonly string[];
  /** January first. */
  months: readonly string[];
  am: string;
  pm: string;
}

const LOCAL_NAMES: Partial<Record<PatientLanguage, Names>> = {
  pa: {
    weekdays: ["ਐਤ", "ਸੋਮ", "ਮੰਗਲ", "ਬੁੱਧ", "ਵੀਰ", "ਸ਼ੁੱਕਰ", "ਸ਼ਨਿੱਚਰ"],
    months: ["ਜਨ", "ਫ਼ਰ", "ਮਾਰਚ", "ਅਪ੍ਰੈ", "ਮਈ", "ਜੂਨ", "ਜੁਲਾ", "ਅਗ", "ਸਤੰ", "ਅਕਤੂ", "ਨਵੰ", "ਦਸੰ"],
    am: "ਪੂ.ਦੁ.",
    pm: "ਬਾ.ਦੁ.",
  },
  or: {
    weekdays: ["ରବି", "ସୋମ", "ମଙ୍ଗଳ", "ବୁଧ", "ଗୁରୁ", "ଶୁକ୍ର", "ଶନି"],
    months: [
      "ଜାନୁଆରୀ",
      "ଫେବୃଆରୀ",
      "ମାର୍ଚ୍ଚ",
      "ଅପ୍ରେଲ",
      "ମଇ",
      "ଜୁନ",
      "ଜୁଲାଇ",
      "ଅଗଷ୍ଟ",
      "ସେପ୍ଟେମ୍ବର",
      "ଅକ୍ଟୋବର",
      "ନଭେମ୍ବର",
      "ଡିସେମ୍ବର",
    ],
    am: "AM",
    pm: "PM",
  },
};

const LAYOUT_LOCALE = "en-IN";

const localeData = new Map<PatientLanguage, boolean>();

/** Whether the runtime formats dates of `lang` with that language's own names. */
export function hasLocaleData(lang: PatientLanguage): boolean {
  let has = localeData.get(lang);
  if (has === undefined) {
    const probe = new Intl.DateTimeFormat(`${lang}-IN`, { month: "short", timeZone: "UTC" });
    has = probe.resolvedOptions().locale.split("-")[0] === lang &&
      !/^M\d+$/.test(probe.format(Date.UTC(2026, 11, 15)));
    localeData.set(lang, has);
  }
  return has;
}

/** en-IN's short weekday and month names back to their index, read from en-IN itself. */
function indexOf(option: "weekday" | "month"): Map<string, number> {
  const f = new Intl.DateTimeFormat(LAYOUT_LOCALE, { [option]: "short", timeZone: "UTC" });
  // 4 January 2026 is a Sunday.
  const days = option === "weekday"
    ? [0, 1, 2, 3, 4, 5, 6].map((d) => Date.UTC(2026, 0, 4 + d))
    : [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((m) => Date.UTC(2026, m, 15));
  return new Map(days.map((ms, i) => [f.format(ms), i]));
}

let layoutIndex: { weekday: Map<string, number>; month: Map<string, number> } | undefined;

/** A formatter of `options` in `lang`: Intl's own, else en-IN's layout with `lang`'s names. */
export function patientDateFormat(
  lang: PatientLanguage,
  options: Intl.DateTimeFormatOptions,
): { format(ms: number): string } {
  if (hasLocaleData(lang)) return new Intl.DateTimeFormat(`${lang}-IN`, options);
  const names = LOCAL_NAMES[lang];
  const layout = new Intl.DateTimeFormat(LAYOUT_LOCALE, options);
  if (!names) return layout;
  layoutIndex ??= { weekday: indexOf("weekday"), month: indexOf("month") };
  const index = layoutIndex;
  return {
    format(ms: number): string {
      return layout.formatToParts(ms).map((part) => {
        // Only short names are mapped; any other width keeps en-IN's.
        if (part.type === "weekday") {
          return names.weekdays[index.weekday.get(part.value) ?? -1] ?? part.value;
        }
        if (part.type === "month") {
          return names.months[index.month.get(part.value) ?? -1] ?? part.value;
        }
        if (part.type === "dayPeriod") return /^a/i.test(part.value) ? names.am : names.pm;
        return part.value;
      }).join("");
    },
  };
}
