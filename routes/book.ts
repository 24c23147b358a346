/**
 * The patient booking pages under /book: server-rendered (hono/jsx), phone-first, in eleven
 * languages, working without JavaScript (book.js only adds the time zone and an offline notice).
 * The pages share the doctor UI's machinery: security headers, session store, CSRF tokens,
 * field components, page rendering and the message mechanism. Order matters: headers, language
 * and session first; every POST checks its CSRF token in its handler (`bookForm`). Errors render
 * as pages, never as problem+json. /book/embed may be framed only by BOOK_EMBED_ORIGINS.
 */
import { Hono } from "hono";
import { staticFiles } from "../src/http/static_files.ts";
import { bodyLimit } from "hono/body-limit";
import { timeLimit } from "../src/http/api_budget.ts";
import type { AppDeps } from "../src/app_deps.ts";
import { isBookLang } from "../src/i18n/book_messages.ts";
import { BOOK_BASE, type BookEnv, safeBookNext } from "../src/ui/book_env.ts";
import { bookLanguage, bookSession } from "../src/ui/book_middleware.ts";
import { languageSwitch } from "../src/ui/language_switch.ts";
import { uiSecurityHeaders } from "../src/ui/ui_middleware.ts";
import { LanguagePage } from "../src/ui/views/book/layout.tsx";
import { renderPage } from "../src/ui/views/layout.tsx";
import { bookErrorPage, bookNotFound } from "./book/_shared.ts";
import { AppError } from "../src/errors.ts";
import { bookAppointmentRoutes } from "./book/appointments.tsx";
import { bookBookingRoutes } from "./book/booking.tsx";
import { bookLoginRoutes } from "./book/login.tsx";
import { bookSearchRoutes } from "./book/search.tsx";
import { inTree } from "../src/on_demand.ts";

/** book.css and book.js are the doctor UI's files followed by the booking pages' additions. */
const serveStatic = staticFiles(
  inTree("src/ui/static/"),
  {
    "book.css": "text/css; charset=utf-8",
    "book.js": "text/javascript; charset=utf-8",
    "icon.svg": "image/svg+xml",
  },
  { "book.css": ["app.css", "book.css"], "book.js": ["app.js", "book.js"] },
);

export function bookRoutes(deps: AppDeps) {
  const app = new Hono<BookEnv>();
  const sessions = deps.bookSessions;
  if (!sessions) return app;
  const secure = deps.config.APP_ENV !== "development" && deps.config.APP_ENV !== "test";
  const framed = uiSecurityHeaders<BookEnv>({ frameAncestors: deps.config.BOOK_EMBED_ORIGINS });
  const strict = uiSecurityHeaders<BookEnv>();
  const pageTimeLimit = timeLimit<BookEnv>(deps.config);

  app.onError((err, c) => {
    const page = bookErrorPage(c, err);
    if (!(err instanceof AppError) || err.status >= 500) {
      deps.log.error("book pages error", { error: err.name, path: c.req.path });
    }
    return page;
  });
  for (const path of [BOOK_BASE, `${BOOK_BASE}/*`]) {
    app.use(path, (c, next) => c.req.path === "/book/embed" ? framed(c, next) : strict(c, next));
    app.use(path, pageTimeLimit);
    app.use(path, bodyLimit({ maxSize: 16 * 1024, onError: (c) => c.text("Too large", 413) }));
    app.use(path, bookLanguage());
  }

  app.get("/book/static/:name", (c) => serveStatic(c, c.req.param("name")));

  for (const path of [BOOK_BASE, `${BOOK_BASE}/*`]) {
    app.use(
      path,
      bookSession(sessions, (id) => deps.refresh.isLive(id), secure),
    );
  }

  // The switch: every page links to the chooser, which links to /book/lang/<lang>.
  app.get("/book/lang", (c) =>
    renderPage(
      c,
      LanguagePage({ lang: c.get("lang"), next: safeBookNext(c.req.query("next")) }),
    ));

  app.get(
    "/book/lang/:lang",
    languageSwitch({ base: BOOK_BASE, isLang: isBookLang, safeNext: safeBookNext, secure }),
  );

  app.route("/", bookSearchRoutes(deps));
  app.route("/", bookLoginRoutes(deps, sessions, secure));
  app.route("/", bookBookingRoutes(deps));
  app.route("/", bookAppointmentRoutes(deps));
  app.all("/book/*", (c) => bookNotFound(c));
  return app;
}
