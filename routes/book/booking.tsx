/**
 * Holding a time and confirming it with the SMS code, through the booking service (the same
 * `holdSlot` / `confirmHold` as POST /v1/holds and /v1/holds/:id/confirm). A visitor without a
 * session logs in first; the chosen time rides along and is held right after.
 */
import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../src/app_deps.ts";
import { IsoInstant } from "../../src/http/schemas.ts";
import { HoldExpiredError, InvalidCodeError, NotFoundError } from "../../src/errors.ts";
import { bt } from "../../src/i18n/book_messages.ts";
import type { BookEnv } from "../../src/ui/book_env.ts";
import { bookForm } from "../../src/ui/book_middleware.ts";
import { textareaText } from "../../src/ui/forms/textarea_text.ts";
import { BookLoginPage } from "../../src/ui/views/book/login_page.tsx";
import { BookMessagePage } from "../../src/ui/views/book/layout.tsx";
import { localDateOf } from "../../src/domain/zoned_time.ts";
import {
  bookCsrfRefusal,
  bookNotFound,
  DOCTOR_ID,
  holdAndAskCode,
  holdPage,
  page,
  patientOf,
} from "./_shared.ts";

const HoldForm = z.object({ doctorId: z.string().regex(DOCTOR_ID), start: IsoInstant });
const ConfirmForm = HoldForm.extend({
  code: z.string().trim(),
  expiresAt: IsoInstant,
  reason: textareaText(500).optional(),
  online: z.literal("1").optional(),
});
const HOLD_ID = /^hld_[0-9a-z]{26}$/;

export function bookBookingRoutes(deps: AppDeps) {
  const app = new Hono<BookEnv>();

  app.post("/book/hold", async (c) => {
    const body = await bookForm(c);
    if (!body) return bookCsrfRefusal(c);
    const parsed = HoldForm.safeParse(body);
    if (!parsed.success) return bookNotFound(c);
    const { doctorId, start } = parsed.data;
    const patient = patientOf(c);
    if (!patient) {
      return page(
        c,
        BookLoginPage({
          lang: c.get("lang"),
          csrfToken: c.get("csrfToken"),
          step: "phone",
          next: `/book/doctors/${doctorId}`,
          doctorId,
          start,
        }),
      );
    }
    return holdAndAskCode(c, deps, patient, doctorId, start);
  });

  app.post("/book/holds/:id/confirm", async (c) => {
    const body = await bookForm(c);
    if (!body) return bookCsrfRefusal(c);
    const patient = patientOf(c);
    if (!patient) return c.redirect("/book/login?next=/book/appointments", 303);
    const holdId = c.req.param("id");
    const parsed = ConfirmForm.safeParse(body);
    if (!HOLD_ID.test(holdId) || !parsed.success) return bookNotFound(c);
    const { doctorId, start, expiresAt, code, reason, online } = parsed.data;
    const lang = c.get("lang");
    try {
      const appointment = await deps.booking.confirmHold(patient, holdId, code, {
        reason: reason || undefined,
        online: online === "1",
      });
      return c.redirect(`/book/appointments/${appointment.id}?booked=1`, 303);
    } catch (err) {
      if (err instanceof InvalidCodeError) {
        const hold = { id: holdId, doctorId, start, expiresAt };
        return holdPage(c, deps, hold, bt(lang, "hold.badCode"));
      }
      if (err instanceof HoldExpiredError) {
        const date = localDateOf(Date.parse(start), c.get("timeZone"));
        return page(
          c,
          BookMessagePage({
            lang,
            title: bt(lang, "hold.expiredTitle"),
            message: bt(lang, "hold.expired"),
            here: "/book",
            loggedIn: true,
            csrfToken: c.get("csrfToken"),
            backHref: `/book/doctors/${doctorId}?date=${date}`,
            backLabel: bt(lang, "hold.again"),
          }),
          410,
        );
      }
      if (err instanceof NotFoundError) return bookNotFound(c);
      throw err;
    }
  });

  return app;
}
