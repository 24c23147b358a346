/**
 * The doctor's day and week (GET /doctor, /doctor/week), one appointment
 * (GET /doctor/appointments/:id) and its changes: notes, completed / no-show (and correcting it
 * within the window), cancel. Each form sends the version it rendered, the API's `If-Match`: a
 * visit changed meanwhile (another tab, a page left open) is not changed but shown as it is now.
 * Runs behind the session and CSRF middleware; every change goes through the booking service
 * as the session's doctor, so a foreign appointment id is a 404 like in the API.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../src/app_deps.ts";
import type { AuthUser } from "../../src/auth/token_service.ts";
import type { AppointmentView } from "../../src/booking/views.ts";
import { OUTCOME_CORRECTION_WINDOW_MS } from "../../src/domain/appointment_machine.ts";
import { addDays, zonedWallTimeToEpochMs } from "../../src/domain/zoned_time.ts";
import { ConflictError, NotFoundError, PreconditionFailedError } from "../../src/errors.ts";
import { t } from "../../src/i18n/messages.ts";
import { textareaText } from "../../src/ui/forms/textarea_text.ts";
import type { DoctorUiBackend } from "../../src/ui/ui_backend.ts";
import type { UiEnv } from "../../src/ui/ui_env.ts";
import { type AgendaItem, DayPage, WeekPage } from "../../src/ui/views/agenda_page.tsx";
import {
  AppointmentPage,
  type AppointmentPageProps,
  CANCEL_REASON_MAX,
  NOTES_MAX,
} from "../../src/ui/views/appointment_page.tsx";
import { dateOrToday } from "../../src/ui/views/format.ts";
import { renderPage } from "../../src/ui/views/layout.tsx";
import { notFoundPage } from "./pages.ts";

/** The version the page rendered (absent from pages served before it was sent). */
const RenderedVersion = z.string().regex(/^[1-9][0-9]{0,14}$/).transform(Number).optional();
const NotesForm = z.object({
  action: z.enum(["notes", "completed", "no_show"]),
  notes: textareaText(NOTES_MAX),
  version: RenderedVersion,
});
const CancelForm = z.object({
  reason: textareaText(CANCEL_REASON_MAX),
  version: RenderedVersion,
});
const IdParam = z.string().regex(/^apt_[0-9a-z]{26}$/);

export function agendaRoutes(deps: AppDeps, ui: DoctorUiBackend) {
  const app = new Hono<UiEnv>();
  const doctorOf = (c: Context<UiEnv>): AuthUser => ({
    id: c.get("session").doctorId,
    role: "doctor",
  });

  async function itemsBetween(
    c: Context<UiEnv>,
    fromMs: number,
    toMs: number,
  ): Promise<AgendaItem[]> {
    // Every page: a week of short slots holds more than one page's appointments.
    const items = [];
    let cursor: string | undefined;
    do {
      const page = await deps.booking.listAppointments(doctorOf(c), { fromMs, toMs }, 200, cursor);
      items.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const names = await ui.patientNames(items.map((a) => a.patientId));
    return items.map((a) => ({ appointment: a, patientName: names.get(a.patientId) ?? null }));
  }

  app.get("/doctor", async (c) => {
    const doctor = await deps.doctors.get(c.get("session").doctorId);
    const tz = doctor.timezone;
    const date = dateOrToday(c.req.query("date"), tz, deps.now());
    const fromMs = zonedWallTimeToEpochMs(date, "00:00", tz);
    const toMs = zonedWallTimeToEpochMs(addDays(date, 1), "00:00", tz);
    return renderPage(
      c,
      DayPage({
        lang: c.get("lang"),
        csrfToken: c.get("session").csrfToken,
        timeZone: tz,
        date,
        prev: addDays(date, -1),
        next: addDays(date, 1),
        items: await itemsBetween(c, fromMs, toMs),
        inactive: !doctor.active,
      }),
    );
  });

  app.get("/doctor/week", async (c) => {
    const doctor = await deps.doctors.get(c.get("session").doctorId);
    const tz = doctor.timezone;
    const start = dateOrToday(c.req.query("start"), tz, deps.now());
    const dates = Array.from({ length: 7 }, (_, i) => addDays(start, i));
    const items = await itemsBetween(
      c,
      zonedWallTimeToEpochMs(start, "00:00", tz),
      zonedWallTimeToEpochMs(addDays(start, 7), "00:00", tz),
    );
    const dayOf = (iso: string) =>
      new Intl.DateTimeFormat("en-CA", { timeZone: tz }).format(Date.parse(iso));
    return renderPage(
      c,
      WeekPage({
        lang: c.get("lang"),
        csrfToken: c.get("session").csrfToken,
        timeZone: tz,
        start,
        prev: addDays(start, -7),
        next: addDays(start, 7),
        days: dates.map((date) => ({
          date,
          items: items.filter((i) => dayOf(i.appointment.start) === date),
        })),
        inactive: !doctor.active,
      }),
    );
  });

  async function detail(
    c: Context<UiEnv>,
    id: string,
    extra: Partial<AppointmentPageProps> = {},
    status = 200,
    /** The appointment as just read for this page, if it was. */
    read?: AppointmentView,
  ) {
    const user = doctorOf(c);
    const [appointment, doctor] = await Promise.all([
      read ?? deps.booking.getAppointment(user, id),
      deps.doctors.get(user.id),
    ]);
    const [names, history] = await Promise.all([
      ui.patientNames([appointment.patientId]),
      ui.earlierVisits(user.id, appointment.patientId, Date.parse(appointment.start)),
    ]);
    return renderPage(
      c,
      AppointmentPage({
        lang: c.get("lang"),
        csrfToken: c.get("session").csrfToken,
        timeZone: doctor.timezone,
        appointment,
        started: Date.parse(appointment.start) <= deps.now(),
        correctable: deps.now() <= Date.parse(appointment.end) + OUTCOME_CORRECTION_WINDOW_MS,
        patientName: names.get(appointment.patientId) ?? null,
        history,
        ...extra,
      }),
      status,
    );
  }

  /** The page of an appointment, or the 404 page for a malformed, unknown or foreign id. */
  async function detailOrNotFound(
    c: Context<UiEnv>,
    id: string | undefined,
    extra: Partial<AppointmentPageProps> = {},
    status = 200,
  ) {
    if (!id || !IdParam.safeParse(id).success) return notFoundPage(c);
    try {
      return await detail(c, id, extra, status);
    } catch (err) {
      if (err instanceof NotFoundError) return notFoundPage(c);
      throw err;
    }
  }

  /**
   * Runs a change; a missing appointment is a 404 page, a stale one (changed since the page
   * rendered it, or refused by its state) re-renders as it is now with what was typed. A visit
   * already as the change asked (`asked`: its form sent twice, a double tap or a resend after a
   * lost answer) answers as saved, not "changed elsewhere"; `withNotes`: `asked` compares notes.
   */
  async function change(
    c: Context<UiEnv>,
    run: (id: string) => Promise<unknown>,
    typed: AppointmentPageProps["typed"],
    asked: { is: (now: AppointmentView) => boolean; withNotes: boolean },
  ) {
    const id = c.req.param("id") ?? "";
    if (!IdParam.safeParse(id).success) return notFoundPage(c);
    try {
      await run(id);
    } catch (err) {
      if (err instanceof NotFoundError) return notFoundPage(c);
      if (err instanceof PreconditionFailedError) {
        const now = await deps.booking.getAppointment(doctorOf(c), id, {
          withNotes: asked.withNotes,
        });
        if (asked.is(now)) return c.redirect(`/doctor/appointments/${id}?saved=1`, 303);
        const text = t(c.get("lang"), "error.changedElsewhere");
        const shown = asked.withNotes ? now : undefined; // else read again, with its notes
        return detail(c, id, { typed, message: { kind: "error", text } }, 412, shown);
      }
      if (!(err instanceof ConflictError)) throw err;
      const text = t(c.get("lang"), "error.stale", { detail: err.message });
      return detail(c, id, { typed, message: { kind: "error", text } }, 409);
    }
    return c.redirect(`/doctor/appointments/${id}?saved=1`, 303);
  }

  app.get("/doctor/appointments/:id", (c) => {
    const saved = c.req.query("saved") === "1";
    return detailOrNotFound(
      c,
      c.req.param("id"),
      saved ? { message: { kind: "ok", text: t(c.get("lang"), "saved") } } : {},
    );
  });

  app.post("/doctor/appointments/:id", async (c) => {
    const body = await c.req.parseBody();
    const parsed = NotesForm.safeParse(body);
    if (!parsed.success) {
      const notes = typeof body.notes === "string" ? body.notes : "";
      const errors = { notes: t(c.get("lang"), "appt.notesTooLong", { max: NOTES_MAX }) };
      return detailOrNotFound(c, c.req.param("id"), { typed: { notes }, errors }, 400);
    }
    const { action, notes, version } = parsed.data;
    const status = action === "notes" ? undefined : action;
    const accepted = version === undefined ? undefined : [version];
    return change(
      c,
      (id) => deps.booking.updateByDoctor(doctorOf(c), id, { status, notes }, accepted),
      { notes },
      {
        is: (now) => (status === undefined || now.status === status) && (now.notes ?? "") === notes,
        withNotes: true,
      },
    );
  });

  app.post("/doctor/appointments/:id/cancel", async (c) => {
    const body = await c.req.parseBody();
    const parsed = CancelForm.safeParse(body);
    if (!parsed.success) {
      const reason = typeof body.reason === "string" ? body.reason : "";
      const errors = { reason: t(c.get("lang"), "profile.tooLong", { max: CANCEL_REASON_MAX }) };
      return detailOrNotFound(
        c,
        c.req.param("id"),
        { typed: { cancelReason: reason }, errors },
        400,
      );
    }
    const reason = parsed.data.reason || undefined;
    const { version } = parsed.data;
    const accepted = version === undefined ? undefined : [version];
    return change(
      c,
      (id) => deps.booking.cancel(doctorOf(c), id, reason, { accepted }),
      { cancelReason: reason },
      { is: (now) => now.status === "cancelled", withNotes: false },
    );
  });

  return app;
}
