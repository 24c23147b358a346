/**
 * The doctor web UI under /doctor: server-rendered pages (hono/jsx), one stylesheet and one
 * small script served from /doctor/static/. Order matters: headers, language and the public
 * pages (static, language switch, login) first; everything after needs a session, and every POST
 * after that passes the CSRF check. Errors render as pages, never as problem+json.
 */
import { Hono } from "hono";
import type { AppDeps } from "../src/app_deps.ts";
import { isLang } from "../src/i18n/messages.ts";
import { safeNext, UI_BASE, type UiEnv } from "../src/ui/ui_env.ts";
import { languageSwitch } from "../src/ui/language_switch.ts";
import {
  csrfProtection,
  doctorPageLimits,
  requireSession,
  uiLanguage,
  uiSecurityHeaders,
} from "../src/ui/ui_middleware.ts";
import { agendaRoutes } from "./doctor_ui/agenda.tsx";
import { availabilityRoutes } from "./doctor_ui/availability.tsx";
import { loginRoutes, logoutRoute } from "./doctor_ui/login.tsx";
import { failurePage, notFoundPage } from "./doctor_ui/pages.ts";
import { ServiceUnavailableError } from "../src/errors.ts";
import { profileRoutes } from "./doctor_ui/profile.tsx";
import { staticFiles } from "../src/http/static_files.ts";
import { inTree } from "../src/on_demand.ts";

const serveStatic = staticFiles(inTree("src/ui/static/"), {
  "app.css": "text/css; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
});

export function doctorUiRoutes(deps: AppDeps) {
  const app = new Hono<UiEnv>();
  const ui = deps.doctorUi;
  if (!ui) return app;
  const secure = deps.config.APP_ENV !== "development" && deps.config.APP_ENV !== "test";
  const limits = doctorPageLimits(deps.config);

  app.onError((err, c) => {
    deps.log.error("doctor ui error", { error: err.name, path: c.req.path });
    // A store that did not answer (a KV restart): 503 with its Retry-After, as the API answers.
    if (err instanceof ServiceUnavailableError) {
      c.header("Retry-After", err.headers["Retry-After"]);
      return failurePage(c, 503);
    }
    return failurePage(c, 500);
  });
  for (const path of [UI_BASE, `${UI_BASE}/*`]) {
    app.use(path, uiSecurityHeaders());
    app.use(path, ...limits);
    app.use(path, uiLanguage());
  }

  app.get("/doctor/static/:name", (c) => serveStatic(c, c.req.param("name")));

  app.get("/doctor/lang/:lang", languageSwitch({ base: UI_BASE, isLang, safeNext, secure }));

  app.route("/", loginRoutes(deps, ui));

  for (const path of [UI_BASE, `${UI_BASE}/*`]) {
    app.use(path, requireSession(ui.sessions));
    app.use(path, csrfProtection());
  }
  app.route("/", logoutRoute(deps, ui));
  app.route("/", agendaRoutes(deps, ui));
  app.route("/", availabilityRoutes(deps));
  app.route("/", profileRoutes(deps));
  app.all("/doctor/*", (c) => notFoundPage(c));
  return app;
}
