/**
 * The availability editor (GET/POST /doctor/availability) and its live preview
 * (POST /doctor/availability/preview, an HTML fragment). The preview runs `generateSlots` on the
 * unsaved form for the coming week, minus the doctor's booked time, so it shows what patients
 * will be offered once saved. Saving goes through DoctorService.setAvailability.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import type { AppDeps } from "../../src/app_deps.ts";
import { generateSlots, type Schedule } from "../../src/domain/slots.ts";
import { addDays, localDateOf, zonedWallTimeToEpochMs } from "../../src/domain/zoned_time.ts";
import { ValidationError } from "../../src/errors.ts";
import { t } from "../../src/i18n/messages.ts";
import { isActive } from "../../src/stores/records.ts";
import {
  type AvailabilityValues,
  parseAvailability,
  valuesFromForm,
  valuesFromSchedule,
} from "../../src/ui/forms/availability_form.ts";
import type { UiEnv } from "../../src/ui/ui_env.ts";
import {
  AvailabilityPage,
  type AvailabilityPageProps,
  Preview,
  type PreviewProps,
} from "../../src/ui/views/availability_page.tsx";
import type { FieldErrors } from "../../src/ui/views/fields.tsx";
import { renderPage } from "../../src/ui/views/layout.tsx";

const PREVIEW_DAYS = 7;

export function availabilityRoutes(deps: AppDeps) {
  const app = new Hono<UiEnv>();

  async function previewOf(
    c: Context<UiEnv>,
    timeZone: string,
    schedule: Schedule | null,
  ): Promise<PreviewProps> {
    const nowMs = deps.now();
    const from = localDateOf(nowMs, timeZone);
    const dates = Array.from({ length: PREVIEW_DAYS }, (_, i) => addDays(from, i));
    if (!schedule) return { lang: c.get("lang"), timeZone, dates, slots: null };
    const fromMs = zonedWallTimeToEpochMs(addDays(from, -1), "00:00", timeZone);
    const toMs = zonedWallTimeToEpochMs(addDays(from, PREVIEW_DAYS + 1), "00:00", timeZone);
    const booked = await deps.booking.listAppointments(
      { id: c.get("session").doctorId, role: "doctor" },
      { fromMs, toMs },
      500,
    );
    const busy = booked.items.filter((a) => isActive(a.status)).map((a) => ({
      startMs: Date.parse(a.start),
      endMs: Date.parse(a.end),
    }));
    const slots = generateSlots({
      schedule,
      timeZone,
      fromDate: dates[0],
      toDate: dates.at(-1)!,
      nowMs,
      busy,
    });
    return { lang: c.get("lang"), timeZone, dates, slots };
  }

  async function page(
    c: Context<UiEnv>,
    values: AvailabilityValues,
    errors: FieldErrors,
    schedule: Schedule | null,
    message?: AvailabilityPageProps["message"],
    status = 200,
  ) {
    const doctor = await deps.doctors.get(c.get("session").doctorId);
    return renderPage(
      c,
      AvailabilityPage({
        lang: c.get("lang"),
        csrfToken: c.get("session").csrfToken,
        values,
        errors,
        preview: await previewOf(c, doctor.timezone, schedule),
        message,
      }),
      status,
    );
  }

  app.get("/doctor/availability", async (c) => {
    const doctor = await deps.doctors.get(c.get("session").doctorId);
    const { availability, slotMinutes } = doctor;
    const schedule: Schedule = { ...availability, slotMinutes };
    const saved = c.req.query("saved") === "1";
    const message = saved ? { kind: "ok" as const, text: t(c.get("lang"), "saved") } : undefined;
    return page(c, valuesFromSchedule(schedule), {}, schedule, message);
  });

  app.post("/doctor/availability", async (c) => {
    const lang = c.get("lang");
    const body = await c.req.parseBody();
    const values = valuesFromForm(body);
    const parsed = parseAvailability(values, lang);
    const failed = { kind: "error" as const, text: t(lang, "error.saveFailed") };
    if (!parsed.ok) return page(c, values, parsed.errors, null, failed, 400);
    if (body.action !== "save") return page(c, values, {}, parsed.schedule);
    try {
      await deps.doctors.setAvailability(c.get("session").doctorId, parsed.schedule);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const text = `${failed.text} ${err.message}`;
      return page(c, values, {}, null, { kind: "error", text }, 400);
    }
    return c.redirect("/doctor/availability?saved=1", 303);
  });

  app.post("/doctor/availability/preview", async (c) => {
    const doctor = await deps.doctors.get(c.get("session").doctorId);
    const parsed = parseAvailability(valuesFromForm(await c.req.parseBody()), c.get("lang"));
    const props = await previewOf(c, doctor.timezone, parsed.ok ? parsed.schedule : null);
    c.header("Cache-Control", "no-store");
    return c.html(await Preview(props)!.toString());
  });

  return app;
}
