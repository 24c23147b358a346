/**
 * Middleware of the doctor web UI: strict security headers, the language (cookie, else the
 * browser's), the session (an expired or missing one redirects to login with `next=`), and the
 * CSRF synchronizer-token check on every POST (refused with a 403 page).
 */
import type { Context, Env, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { getCookie } from "hono/cookie";
import type { Config } from "../config/config.ts";
import { timeLimit } from "../http/api_budget.ts";
import { isLang, langFromAcceptLanguage, t } from "../i18n/messages.ts";
import { LANG_COOKIE, SESSION_COOKIE, UI_BASE, type UiEnv } from "./ui_env.ts";
import type { UiSessionStore } from "./session_store.ts";
import { MessagePage, renderPage } from "./views/layout.tsx";

/** The pages' CSP: same origin only, nothing inline; framing as `frameAncestors` allows. */
function pageCsp(frameAncestors: readonly string[]): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "form-action 'self'",
    `frame-ancestors ${frameAncestors.length > 0 ? frameAncestors.join(" ") : "'none'"}`,
    "base-uri 'none'",
    "object-src 'none'",
  ].join("; ");
}

/** A doctor page's body, at most (forms of a few fields; notes and profile texts included). */
const DOCTOR_PAGE_BODY_BYTES = 64 * 1024;

/**
 * The doctor pages' limits: REQUEST_TIMEOUT_MS and a body of DOCTOR_PAGE_BODY_BYTES. Used by the
 * doctor UI and by the room pages mounted before it (which its own middleware never reaches).
 */
export function doctorPageLimits(
  config: Pick<Config, "REQUEST_TIMEOUT_MS">,
): MiddlewareHandler<UiEnv>[] {
  return [
    timeLimit<UiEnv>(config),
    bodyLimit({ maxSize: DOCTOR_PAGE_BODY_BYTES, onError: (c) => c.text("Too large", 413) }),
  ];
}

/**
 * Sets the pages' own CSP; the app-wide security headers (src/http/security_headers.ts) keep
 * headers a handler already set. With `frameAncestors` (origins), only those sites may frame the
 * page: CSP `frame-ancestors` then decides alone, so no X-Frame-Options is sent (it cannot name
 * several origins).
 */
export function uiSecurityHeaders<E extends Env = UiEnv>(
  options: { frameAncestors?: readonly string[] } = {},
): MiddlewareHandler<E> {
  const frameAncestors = options.frameAncestors ?? [];
  const csp = pageCsp(frameAncestors);
  return async function uiSecurityHeaders(c, next) {
    await next();
    c.res.headers.set("Content-Security-Policy", csp);
    c.res.headers.set("Referrer-Policy", "same-origin");
    if (frameAncestors.length === 0) c.res.headers.set("X-Frame-Options", "DENY");
  };
}

export function uiLanguage(): MiddlewareHandler<UiEnv> {
  return async function uiLanguage(c, next) {
    const cookie = getCookie(c, LANG_COOKIE);
    c.set(
      "lang",
      isLang(cookie) ? cookie : langFromAcceptLanguage(c.req.header("accept-language")),
    );
    await next();
  };
}

/** The path and query to come back to after logging in (GET only; a POST returns to its page). */
function returnPath(c: Context): string {
  const url = new URL(c.req.url);
  if (c.req.method === "GET") return url.pathname + url.search;
  return url.pathname.replace(/\/(notes|status|cancel|preview)$/, "");
}

export function requireSession(sessions: UiSessionStore): MiddlewareHandler<UiEnv> {
  return async function requireSession(c, next) {
    const token = getCookie(c, SESSION_COOKIE);
    const session = token ? await sessions.get(token) : null;
    if (!token || !session) {
      const next = encodeURIComponent(returnPath(c));
      const expired = token ? "&expired=1" : "";
      return c.redirect(`${UI_BASE}/login?next=${next}${expired}`, 303);
    }
    c.set("session", session);
    c.set("sessionToken", token);
    await next();
  };
}

/** Constant-time comparison of two tokens. */
export function sameToken(a: string, b: string): boolean {
  if (a.length !== b.length || a.length === 0) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export function csrfRefusal(c: Context<UiEnv>) {
  const lang = c.get("lang");
  return renderPage(
    c,
    MessagePage({
      lang,
      title: t(lang, "error.csrfTitle"),
      here: UI_BASE,
      message: t(lang, "error.csrf"),
      backHref: UI_BASE,
      backLabel: t(lang, "error.back"),
    }),
    403,
  );
}

/** Refuses a POST whose `_csrf` form field is not the session's token. */
export function csrfProtection(): MiddlewareHandler<UiEnv> {
  return async function csrfProtection(c, next) {
    if (c.req.method !== "POST") return await next();
    const type = c.req.header("content-type") ?? "";
    const isForm = type.startsWith("application/x-www-form-urlencoded") ||
      type.startsWith("multipart/form-data");
    const body = isForm ? await c.req.parseBody() : {};
    const sent = typeof body._csrf === "string" ? body._csrf : "";
    if (!sameToken(sent, c.get("session").csrfToken)) return await csrfRefusal(c);
    await next();
  };
}
