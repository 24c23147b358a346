/**
 * Doctor login and logout: phone → one-time code (the same OTP service as the API) → an identity
 * session (a refresh-token family, listed by `GET /v1/auth/sessions`) → a KV web session that
 * stands for it, in a cookie. Ending the identity session (logout here, `DELETE
 * /v1/auth/sessions/:id`, revocation) ends the web session. Only a phone registered to a doctor
 * gets a session. Before login there is no session, so the forms carry a double-submit token
 * (cookie + hidden field) against login CSRF.
 */
import { Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Context } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../src/app_deps.ts";
import { randomToken } from "../../src/crypto/random.ts";
import { InvalidCodeError, RateLimitedError } from "../../src/errors.ts";
import { t } from "../../src/i18n/messages.ts";
import type { DoctorUiBackend } from "../../src/ui/ui_backend.ts";
import {
  LOGIN_CSRF_COOKIE,
  safeNext,
  SESSION_COOKIE,
  UI_BASE,
  type UiEnv,
} from "../../src/ui/ui_env.ts";
import { csrfRefusal, sameToken } from "../../src/ui/ui_middleware.ts";
import { LoginPage, type LoginPageProps } from "../../src/ui/views/login_page.tsx";
import { renderPage } from "../../src/ui/views/layout.tsx";
import { TypedPhone } from "../../src/http/schemas.ts";

const PhoneForm = z.object({
  phone: TypedPhone,
  next: z.string().optional(),
});
const CodeForm = PhoneForm.extend({ code: z.string().trim().regex(/^\d{6}$/) });

export function loginRoutes(deps: AppDeps, ui: DoctorUiBackend) {
  const app = new Hono<UiEnv>();
  const secure = deps.config.APP_ENV !== "development" && deps.config.APP_ENV !== "test";
  const cookieBase = { httpOnly: true, secure, sameSite: "Strict", path: UI_BASE } as const;

  /** The login form's double-submit token: reuse the cookie's, or start one. */
  function loginCsrf(c: Context<UiEnv>): string {
    const existing = getCookie(c, LOGIN_CSRF_COOKIE);
    if (existing && /^[A-Za-z0-9_-]{32}$/.test(existing)) return existing;
    const token = randomToken(24);
    setCookie(c, LOGIN_CSRF_COOKIE, token, { ...cookieBase, maxAge: 3600 });
    return token;
  }

  function page(
    c: Context<UiEnv>,
    props: Omit<LoginPageProps, "lang" | "csrfToken">,
    status = 200,
  ) {
    return renderPage(
      c,
      LoginPage({ ...props, lang: c.get("lang"), csrfToken: loginCsrf(c) }),
      status,
    );
  }

  async function form(c: Context<UiEnv>): Promise<Record<string, string> | null> {
    const body = await c.req.parseBody();
    const sent = typeof body._csrf === "string" ? body._csrf : "";
    if (!sameToken(sent, getCookie(c, LOGIN_CSRF_COOKIE) ?? "")) return null;
    return Object.fromEntries(
      Object.entries(body).filter((e): e is [string, string] => typeof e[1] === "string"),
    );
  }

  function rateLimitMessage(c: Context<UiEnv>, err: RateLimitedError) {
    return t(c.get("lang"), "error.rateLimited", { seconds: err.retryAfterSeconds });
  }

  app.get("/doctor/login", async (c) => {
    const next = safeNext(c.req.query("next"));
    const token = getCookie(c, SESSION_COOKIE);
    if (token && await ui.sessions.get(token)) return c.redirect(next, 303);
    const expired = c.req.query("expired") === "1";
    return page(c, {
      step: "phone",
      next,
      message: expired ? t(c.get("lang"), "login.expired") : undefined,
    });
  });

  app.post("/doctor/login", async (c) => {
    const body = await form(c);
    if (!body) return csrfRefusal(c);
    const next = safeNext(body.next);
    const parsed = PhoneForm.safeParse(body);
    if (!parsed.success) {
      const errors = { phone: t(c.get("lang"), "login.badPhone") };
      return page(c, { step: "phone", next, phone: body.phone, errors }, 400);
    }
    try {
      await deps.otp.sendLoginCode(parsed.data.phone, c.get("clientIp"), {
        channel: "sms",
        language: c.get("lang"),
      });
    } catch (err) {
      if (!(err instanceof RateLimitedError)) throw err;
      const message = rateLimitMessage(c, err);
      return page(c, { step: "phone", next, phone: parsed.data.phone, message }, 429);
    }
    return page(c, { step: "code", next, phone: parsed.data.phone });
  });

  app.post("/doctor/login/verify", async (c) => {
    const body = await form(c);
    if (!body) return csrfRefusal(c);
    const lang = c.get("lang");
    const next = safeNext(body.next);
    const parsed = CodeForm.safeParse(body);
    if (!parsed.success) {
      const phoneOk = PhoneForm.safeParse(body).success;
      if (!phoneOk) return c.redirect(`${UI_BASE}/login?next=${encodeURIComponent(next)}`, 303);
      const errors = { code: t(lang, "login.badCode") };
      return page(c, { step: "code", next, phone: body.phone, errors }, 400);
    }
    const { phone, code } = parsed.data;
    let verified: { phoneIndex: string; prepared: string | null };
    try {
      // Found before the code is used up: a records failure leaves the code good for the retry.
      verified = await deps.otp.verifyLoginCode(
        phone,
        code,
        c.get("clientIp"),
        () => ui.doctorIdForPhone(phone),
      );
    } catch (err) {
      if (err instanceof RateLimitedError) {
        return page(c, { step: "phone", next, phone, message: rateLimitMessage(c, err) }, 429);
      }
      if (!(err instanceof InvalidCodeError)) throw err;
      return page(
        c,
        { step: "code", next, phone, errors: { code: t(lang, "login.badCode") } },
        422,
      );
    }
    const { phoneIndex, prepared: doctorId } = verified;
    if (!doctorId) {
      return page(c, { step: "phone", next, message: t(lang, "login.notDoctor") }, 403);
    }
    const identity = await deps.refresh.issue(
      { id: doctorId, role: "doctor" },
      c.req.header("user-agent") ?? null,
      phoneIndex,
    );
    const { token } = await ui.sessions.create({ doctorId, apiSessionId: identity.sessionId });
    setCookie(c, SESSION_COOKIE, token, {
      ...cookieBase,
      maxAge: deps.config.UI_SESSION_TTL_SECONDS,
    });
    deleteCookie(c, LOGIN_CSRF_COOKIE, { path: UI_BASE, secure });
    deps.log.info("doctor ui login", { doctorId });
    return c.redirect(next, 303);
  });

  return app;
}

/** Logout: must run behind the session and CSRF middleware. */
export function logoutRoute(deps: AppDeps, ui: DoctorUiBackend) {
  const app = new Hono<UiEnv>();
  const secure = deps.config.APP_ENV !== "development" && deps.config.APP_ENV !== "test";
  app.post("/doctor/logout", async (c) => {
    await ui.sessions.remove(c.get("sessionToken"));
    await deps.refresh.end(c.get("session").apiSessionId);
    deleteCookie(c, SESSION_COOKIE, { path: UI_BASE, secure, httpOnly: true, sameSite: "Strict" });
    return c.redirect(`${UI_BASE}/login`, 303);
  });
  return app;
}
