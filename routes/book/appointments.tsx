/**
 * The patient's appointments on the booking pages: the list, one appointment (with the cut-off
 * explained), its calendar file, cancel, move to another time, and the way into the video room.
 * Every change goes through the booking service (`cancel`, `holdSlot` + `reschedule`), so the
 * cut-off, events and notifications are those of the API. The cancel and move forms send the
 * version of the visit they were rendered from, which the service takes as the API's `If-Match`:
 * a visit changed meanwhile (by the clinic, in another tab) is not changed but shown as it is now.
 */
import { type Context, Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../src/app_deps.ts";
import { IsoInstant } from "../../src/http/schemas.ts";
import type { AuthUser } from "../../src/auth/token_service.ts";
import type { AppointmentView } from "../../src/booking/views.ts";
import { localDateOf } from "../../src/domain/zoned_time.ts";
import {
  ConflictError,
  NotFoundError,
  PolicyError,
  PreconditionFailedError,
} from "../../src/errors.ts";
import { bt } from "../../src/i18n/book_messages.ts";
import type { BookEnv } from "../../src/ui/book_env.ts";
import { bookForm, loginRedirect } from "../../src/ui/book_middleware.ts";
import { textareaText } from "../../src/ui/forms/textarea_text.ts";
import { appointmentIcs } from "../../src/ui/ics.ts";
import { AppointmentPage, MyAppointmentsPage } from "../../src/ui/views/book/booking_pages.tsx";
import { formatWhen } from "../../src/ui/views/book/format.ts";
import { SlotsPage } from "../../src/ui/views/book/slots_page.tsx";
import {
  bookCsrfRefusal,
  bookFailure,
  bookNotFound,
  nextFreeSlots,
  page,
  patientOf,
  slotsPageProps,
  spendHoldBudget,
} from "./_shared.ts";

const APPOINTMENT_ID = /^apt_[0-9a-z]{26}$/;
const MAX_LISTED = 50;
/** The version of the visit a form was rendered from (absent from pages served before it was). */
const RenderedVersion = z.string().regex(/^[1-9][0-9]{0,14}$/).transform(Number).optional();
const CancelForm = z.object({ reason: textareaText(500).optional(), version: RenderedVersion });
const MoveForm = z.object({ start: IsoInstant, version: RenderedVersion });

/** The versions a change accepts (the API's `If-Match`): the rendered one, or any. */
function acceptedOf(version: number | undefined) {
  return version === undefined ? undefined : [version];
}

type Notice = { kind: "ok" | "error"; text: string };

export function bookAppointmentRoutes(deps: AppDeps) {
  const app = new Hono<BookEnv>();

  /** The doctor's name and whether they take bookings (a deactivated one does not). */
  async function doctorOf(id: string): Promise<{ name: string; active: boolean }> {
    try {
      const { name, active } = await deps.doctors.get(id);
      return { name, active };
    } catch (err) {
      if (err instanceof NotFoundError) return { name: "—", active: false };
      throw err;
    }
  }

  /** The patient's own appointment, or null (unknown and foreign ids alike). */
  async function own(patient: AuthUser, id: string): Promise<AppointmentView | null> {
    if (!APPOINTMENT_ID.test(id)) return null;
    try {
      return await deps.booking.getAppointment(patient, id);
    } catch (err) {
      if (err instanceof NotFoundError) return null;
      throw err;
    }
  }

  async function appointmentPage(
    c: Context<BookEnv>,
    a: AppointmentView,
    notice?: Notice,
    status = 200,
    typedReason?: string,
  ) {
    const doctor = await doctorOf(a.doctorId);
    return page(
      c,
      AppointmentPage({
        lang: c.get("lang"),
        csrfToken: c.get("csrfToken"),
        timeZone: c.get("timeZone"),
        appointment: a,
        doctorName: doctor.name,
        doctorActive: doctor.active,
        cutoffMinutes: deps.config.CANCEL_CUTOFF_MINUTES,
        nowMs: deps.now(),
        notice,
        typedReason,
      }),
      status,
    );
  }

  /**
   * The appointments the list shows, in time order: every coming one from the soonest, and as many
   * of the latest past ones as fit. Not the first page of all, which for a patient with a long
   * history (courses of many sessions) held only past visits.
   */
  async function listed(patient: AuthUser): Promise<AppointmentView[]> {
    const all: AppointmentView[] = [];
    let cursor: string | undefined;
    do {
      const page = await deps.booking.listAppointments(patient, {}, 200, cursor);
      all.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const nowMs = deps.now();
    const coming = all.findIndex((a) => Date.parse(a.end) > nowMs);
    const from = Math.max(
      0,
      Math.min(coming === -1 ? all.length : coming, all.length - MAX_LISTED),
    );
    return all.slice(from, from + MAX_LISTED);
  }

  app.get("/book/appointments", async (c) => {
    const patient = patientOf(c);
    if (!patient) return loginRedirect(c, "/book/appointments");
    const items = await listed(patient);
    const names = new Map<string, string>();
    for (const id of new Set(items.map((a) => a.doctorId))) {
      names.set(id, (await doctorOf(id)).name);
    }
    return page(
      c,
      MyAppointmentsPage({
        lang: c.get("lang"),
        csrfToken: c.get("csrfToken"),
        timeZone: c.get("timeZone"),
        items: items.map((a) => ({ ...a, doctorName: names.get(a.doctorId) ?? "—" })),
      }),
    );
  });

  app.get("/book/appointments/:id", async (c) => {
    const param = c.req.param("id");
    const patient = patientOf(c);
    if (!patient) return loginRedirect(c, `/book/appointments/${param}`);
    const ics = param.endsWith(".ics");
    const a = await own(patient, ics ? param.slice(0, -4) : param);
    if (!a) return bookNotFound(c);
    if (ics) {
      const body = appointmentIcs({
        uid: `${a.id}@vaidya`,
        startMs: Date.parse(a.start),
        endMs: Date.parse(a.end),
        stampMs: Date.parse(a.updatedAt),
        summary: `Vaidya: ${(await doctorOf(a.doctorId)).name}`,
        cancelled: a.status === "cancelled",
      });
      c.header("Content-Type", "text/calendar; charset=utf-8");
      c.header("Content-Disposition", `attachment; filename="vaidya-${a.id}.ics"`);
      c.header("Cache-Control", "no-store");
      return c.body(body);
    }
    const lang = c.get("lang");
    const when = formatWhen(Date.parse(a.start), lang, c.get("timeZone"));
    const q = c.req.query();
    const notice: Notice | undefined = q.booked
      ? { kind: "ok", text: bt(lang, "appt.booked", { when }) }
      : q.moved
      ? { kind: "ok", text: bt(lang, "appt.moved", { when }) }
      : q.cancelled
      ? { kind: "ok", text: bt(lang, "appt.cancelledNow") }
      : undefined;
    return appointmentPage(c, a, notice);
  });

  /**
   * The answer to a change refused because the visit changed since the page was rendered: the
   * visit as it is now, with an alert saying so (and the reason typed for a cancel kept). A visit
   * already as the change asked (its form sent twice: a double tap, a resend after a lost answer)
   * answers as the change done (`done`: the notice query), not "nothing was changed".
   */
  async function changedElsewhere(
    c: Context<BookEnv>,
    patient: AuthUser,
    id: string,
    asked: { done: string; is: (now: AppointmentView) => boolean },
    typedReason?: string,
  ) {
    const now = await own(patient, id);
    if (!now) return bookNotFound(c);
    if (asked.is(now)) return c.redirect(`/book/appointments/${id}?${asked.done}=1`, 303);
    const text = bt(c.get("lang"), "appt.changedElsewhere");
    return appointmentPage(c, now, { kind: "error", text }, 412, typedReason);
  }

  function refusal(c: Context<BookEnv>): Notice {
    const hours = Math.round(deps.config.CANCEL_CUTOFF_MINUTES / 6) / 10;
    return { kind: "error", text: bt(c.get("lang"), "appt.refused", { hours }) };
  }

  /** A POST on one of the patient's appointments: its form, or the page that answers instead. */
  async function postedOnOwn(c: Context<BookEnv>) {
    const body = await bookForm(c);
    if (!body) return { answer: await bookCsrfRefusal(c) };
    const patient = patientOf(c);
    const id = c.req.param("id") ?? "";
    if (!patient) return { answer: loginRedirect(c, `/book/appointments/${id}`) };
    const a = await own(patient, id);
    if (!a) return { answer: await bookNotFound(c) };
    return { body, patient, a };
  }

  app.post("/book/appointments/:id/cancel", async (c) => {
    const posted = await postedOnOwn(c);
    if ("answer" in posted) return posted.answer;
    const { body, patient, a } = posted;
    const parsed = CancelForm.safeParse({
      reason: body.reason || undefined,
      version: body.version || undefined,
    });
    if (!parsed.success) return bookFailure(c, 400);
    const { reason, version } = parsed.data;
    try {
      await deps.booking.cancel(patient, a.id, reason, { accepted: acceptedOf(version) });
    } catch (err) {
      if (err instanceof PreconditionFailedError) {
        const cancelled = {
          done: "cancelled",
          is: (now: AppointmentView) => now.status === "cancelled",
        };
        return changedElsewhere(c, patient, a.id, cancelled, reason);
      }
      if (err instanceof PolicyError) return appointmentPage(c, a, refusal(c), 409);
      if (!(err instanceof ConflictError)) throw err;
    }
    return c.redirect(`/book/appointments/${a.id}?cancelled=1`, 303);
  });

  app.get("/book/appointments/:id/reschedule", async (c) => {
    const patient = patientOf(c);
    const id = c.req.param("id");
    if (!patient) return loginRedirect(c, `/book/appointments/${id}/reschedule`);
    const a = await own(patient, id);
    if (!a) return bookNotFound(c);
    // A deactivated doctor's time cannot be moved onto: back to the visit, which can be cancelled.
    if (!(await doctorOf(a.doctorId)).active) return c.redirect(`/book/appointments/${a.id}`, 303);
    // The version the visit's page showed (its move link carries it; a bare link: as read now),
    // kept through the day navigation and sent with the chosen time.
    const shown = RenderedVersion.safeParse(c.req.query("version") || undefined);
    const version = (shown.success ? shown.data : undefined) ?? a.version;
    const props = await slotsPageProps(c, deps, a.doctorId, c.req.query("date"), {
      action: `/book/appointments/${a.id}/reschedule`,
      basePath: `/book/appointments/${a.id}/reschedule?version=${version}`,
      title: bt(c.get("lang"), "appt.moveTitle"),
      version,
    });
    return props ? page(c, SlotsPage(props)) : bookNotFound(c);
  });

  /**
   * A new hold on `start` for a move, or the patient's own live hold there: the same move sent
   * twice at once (a double tap on a slow phone) finds the time held by its other send, still
   * running, and moves onto that hold rather than answering "taken" over the patient's own move.
   */
  async function heldForMove(patientId: string, doctorId: string, start: string) {
    try {
      return (await deps.booking.holdSlot(patientId, doctorId, start)).id;
    } catch (err) {
      if (!(err instanceof ConflictError && err.code === "slot_unavailable")) throw err;
      const mine = await deps.booking.ownHoldAt(patientId, doctorId, start);
      if (!mine) throw err;
      return mine.id;
    }
  }

  app.post("/book/appointments/:id/reschedule", async (c) => {
    const posted = await postedOnOwn(c);
    if ("answer" in posted) return posted.answer;
    const { body, patient, a } = posted;
    const parsed = MoveForm.safeParse({ start: body.start, version: body.version || undefined });
    if (!parsed.success) return bookNotFound(c);
    const accepted = acceptedOf(parsed.data.version);
    const movedThere = {
      done: "moved",
      is: (now: AppointmentView) =>
        now.status === "confirmed" && Date.parse(now.start) === Date.parse(parsed.data.start),
    };
    try {
      // A stale page is refused here, before a time is held and its code sent for nothing.
      await deps.booking.assertMovable(patient, a.id, accepted);
    } catch (err) {
      if (err instanceof PreconditionFailedError) {
        return changedElsewhere(c, patient, a.id, movedThere);
      }
      if (err instanceof PolicyError) return appointmentPage(c, a, refusal(c), 409);
      throw err;
    }
    let holdId: string | null = null;
    await spendHoldBudget(deps, patient.id);
    try {
      holdId = await heldForMove(patient.id, a.doctorId, parsed.data.start);
      await deps.booking.reschedule(patient, a.id, holdId, accepted);
    } catch (err) {
      if (holdId) await deps.booking.releaseHold(patient.id, holdId).catch(() => {});
      if (err instanceof PreconditionFailedError) {
        return changedElsewhere(c, patient, a.id, movedThere);
      }
      const lost = !holdId &&
        (err instanceof PolicyError || err instanceof ConflictError &&
            err.code === "slot_unavailable");
      if (lost) {
        // Taken by this very move sent twice, which the other send has just made.
        const now = await own(patient, a.id);
        if (now && movedThere.is(now)) return c.redirect(`/book/appointments/${a.id}?moved=1`, 303);
        const date = localDateOf(Date.parse(parsed.data.start), c.get("timeZone"));
        const { version } = parsed.data;
        const props = await slotsPageProps(c, deps, a.doctorId, date, {
          action: `/book/appointments/${a.id}/reschedule`,
          basePath: `/book/appointments/${a.id}/reschedule` +
            (version === undefined ? "" : `?version=${version}`),
          title: bt(c.get("lang"), "appt.moveTitle"),
          version,
        });
        if (!props) return bookNotFound(c);
        const taken = await nextFreeSlots(deps, a.doctorId, props.doctor.timezone);
        return page(c, SlotsPage({ ...props, taken }), 409);
      }
      if (err instanceof PolicyError) return appointmentPage(c, a, refusal(c), 409);
      throw err;
    }
    return c.redirect(`/book/appointments/${a.id}?moved=1`, 303);
  });

  /** Into the video room: the room page takes a patient's access token in its URL fragment. */
  app.get("/book/appointments/:id/video", async (c) => {
    const patient = patientOf(c);
    const id = c.req.param("id");
    if (!patient) return loginRedirect(c, `/book/appointments/${id}`);
    const a = await own(patient, id);
    if (!a) return bookNotFound(c);
    const token = await deps.tokens.signAccess(patient, c.get("session")!.apiSessionId);
    c.header("Cache-Control", "no-store");
    return c.redirect(`/room/${a.id}#token=${encodeURIComponent(token)}`, 303);
  });

  return app;
}
