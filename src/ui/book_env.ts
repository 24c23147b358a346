/**
 * The Hono environment of the patient booking pages (/book): the app's variables plus the
 * page language, the patient's session (null before login), the CSRF token every form carries
 * (the session's, or before login a double-submit cookie's) and the patient's time zone.
 */
import type { AppEnv } from "../http/app_env.ts";
import type { BookLang } from "../i18n/book_messages.ts";
import type { PatientSession } from "./session_store.ts";

export interface BookEnv {
  Variables: AppEnv["Variables"] & {
    lang: BookLang;
    session: PatientSession | null;
    sessionToken: string | null;
    csrfToken: string;
    timeZone: string;
  };
}

export const BOOK_BASE = "/book";
export const BOOK_SESSION_COOKIE = "vaidya_book";
export const BOOK_CSRF_COOKIE = "vaidya_book_csrf";
/** Written by book.js from the browser's zone; without it the pages use India's. */
export const BOOK_TZ_COOKIE = "vaidya_tz";
export const DEFAULT_PATIENT_TIME_ZONE = "Asia/Kolkata";

/** `value` if it is a path inside /book (no scheme, host or `..`), else /book. */
export function safeBookNext(value: string | undefined | null): string {
  if (!value || value.length > 300) return BOOK_BASE;
  const ok = /^\/book(\/[A-Za-z0-9_\-\/.]*)?(\?[A-Za-z0-9_\-=&%.:+]*)?$/.test(value) &&
    !value.includes("//") && !value.includes("..");
  return ok ? value : BOOK_BASE;
}
