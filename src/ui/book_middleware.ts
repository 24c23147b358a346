/**
 * Middleware of the patient booking pages (/book): the language (cookie, else Accept-Language),
 * the patient's time zone, the optional session, and the CSRF check on every POST. Pages before
 * login are public, so the session is looked up but not required; routes that need it call
 * `loginRedirect`. Forms before login carry a double-submit token (cookie + hidden field), after
 * login the session's synchronizer token; both are checked by the same `bookCsrf`.
 */
import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { randomToken } from "../crypto/random.ts";
import { isValidTimeZone } from "../domain/zoned_time.ts";
import { bookLangFromAcceptLanguage, isBookLang } from "../i18n/book_messages.ts";
import { LANG_COOKIE } from "./ui_env.ts";
import { sameToken } from "./ui_middleware.ts";
import {
  BOOK_BASE,
  BOOK_CSRF_COOKIE,
  BOOK_SESSION_COOKIE,
  BOOK_TZ_COOKIE,
  type BookEnv,
  DEFAULT_PATIENT_TIME_ZONE,
} from "./book_env.ts";
import type { PatientSessionStore } from "./session_store.ts";

export function bookLanguage(): MiddlewareHandler<BookEnv> {
  return async function bookLanguage(c, next) {
    const cookie = getCookie(c, LANG_COOKIE);
    c.set(
      "lang",
      isBookLang(cookie) ? cookie : bookLangFromAcceptLanguage(c.req.header("accept-language")),
    );
    const tz = c.req.query("tz") ?? getCookie(c, BOOK_TZ_COOKIE);
    const valid = tz && tz.length < 64 && isValidTimeZone(tz) ? tz : DEFAULT_PATIENT_TIME_ZONE;
    // Chromium still reports India's zone by its old name.
    c.set("timeZone", valid === "Asia/Calcutta" ? DEFAULT_PATIENT_TIME_ZONE : valid);
    await next();
  };
}

/** Looks up the session (if any) and settles the CSRF token this request's forms carry. */
export function bookSession(
  sessions: PatientSessionStore,
  isApiSessionLive: (sessionId: string) => Promise<boolean>,
  secure: boolean,
): MiddlewareHandler<BookEnv> {
  return async function bookSession(c, next) {
    const token = getCookie(c, BOOK_SESSION_COOKIE) ?? null;
    const found = token ? await sessions.get(token) : null;
    // Logged out elsewhere, revoked or erased: the identity session ends this one too.
    const session = found && await isApiSessionLive(found.apiSessionId) ? found : null;
    c.set("session", session);
    c.set("sessionToken", session ? token : null);
    if (session) {
      c.set("csrfToken", session.csrfToken);
    } else {
      let csrf = getCookie(c, BOOK_CSRF_COOKIE);
      if (!csrf || !/^[A-Za-z0-9_-]{32}$/.test(csrf)) {
        csrf = randomToken(24);
        setCookie(c, BOOK_CSRF_COOKIE, csrf, {
          httpOnly: true,
          secure,
          sameSite: "Lax",
          path: BOOK_BASE,
          maxAge: 86400,
        });
      }
      c.set("csrfToken", csrf);
    }
    await next();
  };
}

/** The string fields of a posted form, or null when its `_csrf` is not this request's token. */
export async function bookForm(c: Context<BookEnv>): Promise<Record<string, string> | null> {
  const type = c.req.header("content-type") ?? "";
  const isForm = type.startsWith("application/x-www-form-urlencoded") ||
    type.startsWith("multipart/form-data");
  const body = isForm ? await c.req.parseBody() : {};
  const sent = typeof body._csrf === "string" ? body._csrf : "";
  if (!sameToken(sent, c.get("csrfToken"))) return null;
  return Object.fromEntries(
    Object.entries(body).filter((e): e is [string, string] => typeof e[1] === "string"),
  );
}

/** Where a page that needs a patient sends a visitor without a session. */
export function loginRedirect(c: Context<BookEnv>, next: string) {
  return c.redirect(`${BOOK_BASE}/login?next=${encodeURIComponent(next)}`, 303);
}
