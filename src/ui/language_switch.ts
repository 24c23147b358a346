/**
 * The language switch of the web pages (`GET <base>/lang/:lang?next=…`), one handler for the doctor
 * UI and the booking pages: a known language is remembered in the language cookie for a year,
 * scoped to `base`; an unknown one is ignored; either way the browser goes back to `next`, which
 * `safeNext` keeps inside the pages (never another host).
 */
import type { Context } from "hono";
import { setCookie } from "hono/cookie";
import { LANG_COOKIE } from "./ui_env.ts";

export interface LanguageSwitchOptions {
  /** The path the cookie is scoped to, e.g. "/doctor". */
  base: string;
  isLang(value: string): boolean;
  safeNext(value: string | undefined | null): string;
  secure: boolean;
}

const YEAR_SECONDS = 365 * 86400;

export function languageSwitch(options: LanguageSwitchOptions) {
  const { base, isLang, safeNext, secure } = options;
  return function languageSwitch(c: Context) {
    const lang = c.req.param("lang");
    if (lang && isLang(lang)) {
      setCookie(c, LANG_COOKIE, lang, {
        path: base,
        sameSite: "Lax",
        secure,
        maxAge: YEAR_SECONDS,
      });
    }
    return c.redirect(safeNext(c.req.query("next")), 303);
  };
}
