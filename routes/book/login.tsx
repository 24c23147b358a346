/**
 * The patient's login on the booking pages: phone → one-time code (the OTP service of the API,
 * through `identity.webLogin`, which registers a new patient and starts an identity session) →
 * a KV session in an HttpOnly,
 * SameSite=Lax cookie. A time chosen before login is held right after it.
 */
import { type Context, Hono } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import type { AppDeps } from "../../src/app_deps.ts";
import { IsoInstant, TypedPhone } from "../../src/http/schemas.ts";
import { InvalidCodeError, RateLimitedError } from "../../src/errors.ts";
import { bt } from "../../src/i18n/book_messages.ts";
import {
  BOOK_BASE,
  BOOK_SESSION_COOKIE,
  type BookEnv,
  safeBookNext,
} from "../../src/ui/book_env.ts";
import { bookForm } from "../../src/ui/book_middleware.ts";
import type { PatientSessionStore } from "../../src/ui/session_store.ts";
import { BookLoginPage, type BookLoginProps } from "../../src/ui/views/book/login_page.tsx";
import { bookCsrfRefusal, DOCTOR_ID, holdAndAskCode, page } from "./_shared.ts";

const Code = z.string().trim().regex(/^\d{6}$/);
/** A time carried through login: a doctor id and an ISO instant. */
const Carried = z.object({
  doctorId: z.string().regex(DOCTOR_ID),
  start: IsoInstant,
});

/**
 * A patient who never set a profile (created at login, never updated) gets the page's language
 * and time zone, so their confirmations and reminders come as they read these pages.
 */
async function adoptPageLanguage(deps: AppDeps, patientId: string, lang: string, zone: string) {
  const profile = await deps.patients.get(patientId);
  const untouched = profile.createdAt === profile.updatedAt;
  if (untouched && (profile.language !== lang || profile.timeZone !== zone)) {
    await deps.patients.update(patientId, { language: lang, timeZone: zone });
  }
}

export function bookLoginRoutes(deps: AppDeps, sessions: PatientSessionStore, secure: boolean) {
  const app = new Hono<BookEnv>();

  function loginPage(
    c: Context<BookEnv>,
    props: Omit<BookLoginProps, "lang" | "csrfToken">,
    status = 200,
  ) {
    return page(
      c,
      BookLoginPage({ ...props, lang: c.get("lang"), csrfToken: c.get("csrfToken") }),
      status,
    );
  }

  function carried(body: Record<string, string>): { doctorId?: string; start?: string } {
    const parsed = Carried.safeParse(body);
    return parsed.success ? parsed.data : {};
  }

  app.get("/book/login", (c) => {
    const next = safeBookNext(c.req.query("next"));
    if (c.get("session")) return c.redirect(next, 303);
    return loginPage(c, { step: "phone", next });
  });

  /** A login form's common fields: CSRF-checked, `next` kept inside /book, a carried time. */
  async function loginForm(c: Context<BookEnv>) {
    const body = await bookForm(c);
    if (!body) return null;
    const phone = TypedPhone.safeParse(body.phone ?? "");
    return {
      body,
      lang: c.get("lang"),
      next: safeBookNext(body.next),
      carry: carried(body),
      phone,
    };
  }

  app.post("/book/login", async (c) => {
    const form = await loginForm(c);
    if (!form) return bookCsrfRefusal(c);
    const { body, lang, next, carry, phone } = form;
    if (!phone.success) {
      const errors = { phone: bt(lang, "login.badPhone") };
      return loginPage(c, { step: "phone", next, phone: body.phone, errors, ...carry }, 400);
    }
    try {
      const to = () => deps.identity.codeRecipient(phone.data, lang);
      await deps.otp.sendLoginCode(phone.data, c.get("clientIp"), to);
    } catch (err) {
      if (!(err instanceof RateLimitedError)) throw err;
      const message = bt(lang, "error.rateLimited", { seconds: err.retryAfterSeconds });
      return loginPage(c, { step: "phone", next, phone: phone.data, message, ...carry }, 429);
    }
    return loginPage(c, { step: "code", next, phone: phone.data, ...carry });
  });

  app.post("/book/login/verify", async (c) => {
    const form = await loginForm(c);
    if (!form) return bookCsrfRefusal(c);
    const { body, lang, next, carry, phone } = form;
    if (!phone.success) {
      return c.redirect(`${BOOK_BASE}/login?next=${encodeURIComponent(next)}`, 303);
    }
    const codeError = { code: bt(lang, "login.badCode") };
    const code = Code.safeParse(body.code ?? "");
    if (!code.success) {
      return loginPage(
        c,
        { step: "code", next, phone: phone.data, errors: codeError, ...carry },
        400,
      );
    }
    let login;
    try {
      login = await deps.identity.webLogin(
        phone.data,
        code.data,
        c.req.header("user-agent") ?? null,
        c.get("clientIp"),
      );
    } catch (err) {
      if (err instanceof RateLimitedError) {
        const message = bt(lang, "error.rateLimited", { seconds: err.retryAfterSeconds });
        return loginPage(c, { step: "phone", next, phone: phone.data, message, ...carry }, 429);
      }
      if (!(err instanceof InvalidCodeError)) throw err;
      return loginPage(
        c,
        { step: "code", next, phone: phone.data, errors: codeError, ...carry },
        422,
      );
    }
    const { user, sessionId } = login;
    if (user.role !== "patient") {
      await deps.refresh.end(sessionId);
      return loginPage(c, { step: "phone", next, message: bt(lang, "login.notPatient") }, 403);
    }
    const { token, session } = await sessions.create({
      patientId: user.id,
      apiSessionId: sessionId,
    });
    setCookie(c, BOOK_SESSION_COOKIE, token, {
      httpOnly: true,
      secure,
      sameSite: "Lax",
      path: BOOK_BASE,
      maxAge: deps.config.BOOK_SESSION_TTL_SECONDS,
    });
    c.set("session", session);
    c.set("sessionToken", token);
    c.set("csrfToken", session.csrfToken);
    await adoptPageLanguage(deps, user.id, lang, c.get("timeZone"));
    deps.log.info("book login", { patientId: user.id });
    if (carry.doctorId && carry.start) {
      return holdAndAskCode(c, deps, { id: user.id, role: "patient" }, carry.doctorId, carry.start);
    }
    return c.redirect(next, 303);
  });

  app.post("/book/logout", async (c) => {
    const body = await bookForm(c);
    if (!body) return bookCsrfRefusal(c);
    const token = c.get("sessionToken");
    const session = c.get("session");
    if (token) await sessions.remove(token);
    if (session) await deps.refresh.end(session.apiSessionId);
    deleteCookie(c, BOOK_SESSION_COOKIE, {
      path: BOOK_BASE,
      secure,
      httpOnly: true,
      sameSite: "Lax",
    });
    return c.redirect(BOOK_BASE, 303);
  });

  return app;
}
