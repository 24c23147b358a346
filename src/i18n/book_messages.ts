/**
 * The message catalogue of the patient booking pages (/book), in every language patients are
 * written to (the same list as patient_templates.ts). English (book/en.ts) is the reference; the
 * `BookTexts` type makes every other language carry every key. Placeholders and Accept-Language
 * negotiation are the shared ones of messages.ts.
 */
import { bestLanguage, fillPlaceholders } from "./messages.ts";
import { PATIENT_LANGUAGES, type PatientLanguage } from "./patient_templates.ts";
import { bn } from "./book/bn.ts";
import { en } from "./book/en.ts";
import { gu } from "./book/gu.ts";
import { hi } from "./book/hi.ts";
import { kn } from "./book/kn.ts";
import { ml } from "./book/ml.ts";
import { mr } from "./book/mr.ts";
import { or } from "./book/or.ts";
import { pa } from "./book/pa.ts";
import { ta } from "./book/ta.ts";
import { te } from "./book/te.ts";

export type BookLang = PatientLanguage;
export const BOOK_LANGUAGES = PATIENT_LANGUAGES;
export type BookMessageId = keyof typeof en;
export type BookTexts = Record<BookMessageId, string>;

/** Each language's own name, in its own script (the language switch shows these). */
export const BOOK_LANGUAGE_NAMES: Record<BookLang, string> = {
  en: "English",
  hi: "हिन्दी",
  ta: "தமிழ்",
  te: "తెలుగు",
  kn: "ಕನ್ನಡ",
  ml: "മലയാളം",
  bn: "বাংলা",
  mr: "मराठी",
  gu: "ગુજરાતી",
  pa: "ਪੰਜਾਬੀ",
  or: "ଓଡ଼ିଆ",
};

const CATALOGUE: Record<BookLang, BookTexts> = { en, hi, ta, te, kn, ml, bn, mr, gu, pa, or };

export function isBookLang(value: unknown): value is BookLang {
  return typeof value === "string" && (BOOK_LANGUAGES as readonly string[]).includes(value);
}

/** The text of `id` in `lang` with `{name}` placeholders filled. */
export function bt(
  lang: BookLang,
  id: BookMessageId,
  params: Record<string, string | number> = {},
): string {
  return fillPlaceholders(CATALOGUE[lang][id], params);
}

export function bookLangFromAcceptLanguage(header: string | null | undefined): BookLang {
  return bestLanguage(header, BOOK_LANGUAGES, "en");
}
