/**
 * The pages of video rooms: `/room/:appointmentId` for the patient (the app opens it with its
 * access token in the URL fragment, never the query), `/doctor/appointments/:id/video` for the
 * doctor (UI session), the doctor's room-token request (session + CSRF form field), and the
 * page's two static files. Mounted before the doctor UI so its catch-all does not answer first;
 * the doctor routes therefore apply the UI's limits, session, CSRF and header middleware
 * themselves.
 */
import { Hono } from "hono";
import type { MiddlewareHandler } from "hono";
import type { AppDeps } from "../src/app_deps.ts";
import type { RoomService } from "../src/rooms/room_service.ts";
import { ROOM_PAGE_CSP, RoomPage } from "../src/rooms/room_page.tsx";
import {
  csrfProtection,
  doctorPageLimits,
  requireSession,
  uiLanguage,
} from "../src/ui/ui_middleware.ts";
import { bookLanguage } from "../src/ui/book_middleware.ts";
import type { BookEnv } from "../src/ui/book_env.ts";
import { isBookLang } from "../src/i18n/book_messages.ts";
import type { UiEnv } from "../src/ui/ui_env.ts";
import type { DoctorUiBackend } from "../src/ui/ui_backend.ts";
import { staticFiles } from "../src/http/static_files.ts";
import { inTree } from "../src/on_demand.ts";
import { NotFoundError } from "../src/errors.ts";
import { notFoundPage } from "./doctor_ui/pages.ts";

const serveStatic = staticFiles(inTree("src/rooms/static/"), {
  "room.js": "text/javascript; charset=utf-8",
  "room_quality.js": "text/javascript; charset=utf-8",
  "room.css": "text/css; charset=utf-8",
});

const APPOINTMENT_ID = /^apt_[0-9a-z]{26}$/;

/** The room page's own headers: its CSP, no referrer, never cached. */
function roomPageHeaders(): MiddlewareHandler {
  return async function roomPageHeaders(c, next) {
    await next();
    c.res.headers.set("Content-Security-Policy", ROOM_PAGE_CSP);
    c.res.headers.set("Referrer-Policy", "no-referrer");
    c.res.headers.set("X-Frame-Options", "DENY");
    c.res.headers.set("Cache-Control", "no-store");
  };
}

function page(props: Parameters<typeof RoomPage>[0]): string {
  return `<!DOCTYPE html>${RoomPage(props)}`;
}

/** The room page's static files and the patient's page. */
export function patientRoomPageRoutes() {
  const app = new Hono<UiEnv>();

  // Not under /room/: beside /room/:appointmentId, Hono's RegExpRouter cannot compile it and the
  // whole app falls back to the slower TrieRouter (tests/http/router_test.ts).
  app.get("/room-static/:name", (c) => serveStatic(c, c.req.param("name")));

  // The patient's page speaks `?lang=` (the script sets it to the patient's recorded language),
  // else the patient pages' language (cookie, else Accept-Language).
  const patientPage = new Hono<BookEnv>();
  patientPage.get("/room/:appointmentId", roomPageHeaders(), bookLanguage(), (c) => {
    const id = c.req.param("appointmentId");
    if (!APPOINTMENT_ID.test(id)) return c.text("Not found", 404);
    const tokenUrl = `/v1/appointments/${id}/room-token`;
    const asked = c.req.query("lang");
    const lang = isBookLang(asked) ? asked : c.get("lang");
    return c.html(page({ appointmentId: id, role: "patient", lang, tokenUrl }));
  });
  app.route("/", patientPage);
  return app;
}

/** The doctor's room page and room-token request, behind the doctor UI's session. */
export function doctorRoomPageRoutes(deps: AppDeps & { rooms: RoomService }, ui: DoctorUiBackend) {
  const app = new Hono<UiEnv>();
  const doctorPaths = ["/doctor/appointments/:id/video", "/doctor/appointments/:id/room-token"];
  // The doctor UI's time and body limits, which never reach these paths (mounted before it).
  const limits = doctorPageLimits(deps.config);
  for (const path of doctorPaths) {
    app.use(
      path,
      roomPageHeaders(),
      ...limits,
      uiLanguage(),
      requireSession(ui.sessions),
      csrfProtection(),
    );
  }

  app.get("/doctor/appointments/:id/video", async (c) => {
    const id = c.req.param("id");
    if (!APPOINTMENT_ID.test(id)) return notFoundPage(c);
    // Another doctor's appointment is not found here either (its room token would be refused).
    try {
      await deps.booking.getAppointment({ id: c.get("session").doctorId, role: "doctor" }, id, {
        withNotes: false,
      });
    } catch (err) {
      if (err instanceof NotFoundError) return notFoundPage(c);
      throw err;
    }
    return c.html(page({
      appointmentId: id,
      role: "doctor",
      lang: c.get("lang"),
      tokenUrl: `/doctor/appointments/${id}/room-token`,
      csrfToken: c.get("session").csrfToken,
      backHref: `/doctor/appointments/${id}`,
    }));
  });

  // JSON for the page's script; errors are problem+json from the app's error handler.
  app.post("/doctor/appointments/:id/room-token", async (c) => {
    const id = c.req.param("id");
    // Checked before the store: an id too long for a KV key made the read throw (a 500).
    if (!APPOINTMENT_ID.test(id)) throw new NotFoundError(`Appointment ${id} does not exist`);
    const user = { id: c.get("session").doctorId, role: "doctor" as const };
    return c.json(await deps.rooms.issueToken(user, id), 201);
  });

  return app;
}
