/**
 * The page shell of the doctor web UI: document head (one stylesheet, one deferred same-origin
 * script, nothing inline, so the strict CSP holds), navigation, language switch, the "connection
 * lost" notice and a skip link. Also `renderPage()`, which sends a page with its doctype.
 */
import type { Context } from "hono";
import type { Child } from "hono/jsx";
import { type Lang, LANGUAGE_NAMES, LANGUAGES, t } from "../../i18n/messages.ts";

export type NavItem = "today" | "week" | "availability" | "profile";

export interface LayoutProps {
  lang: Lang;
  title: string;
  /** The GET path of this page, to come back to after switching language. */
  here: string;
  /** Present when logged in: shows navigation and the logout form. */
  csrfToken?: string;
  nav?: NavItem;
  children?: Child;
}

const NAV: {
  item: NavItem;
  href: string;
  label: "nav.today" | "nav.week" | "nav.availability" | "nav.profile";
}[] = [
  { item: "today", href: "/doctor", label: "nav.today" },
  { item: "week", href: "/doctor/week", label: "nav.week" },
  { item: "availability", href: "/doctor/availability", label: "nav.availability" },
  { item: "profile", href: "/doctor/profile", label: "nav.profile" },
];

export function Layout(props: LayoutProps) {
  const { lang } = props;
  return (
    <html lang={lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · ${t(lang, "app.title")}`}</title>
        <link rel="stylesheet" href="/doctor/static/app.css" />
        <script src="/doctor/static/app.js" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">{props.title}</a>
        <header class="top">
          <span class="brand">{t(lang, "app.title")}</span>
          {props.csrfToken && (
            <nav aria-label={t(lang, "nav.label")}>
              <ul>
                {NAV.map((n) => (
                  <li>
                    <a href={n.href} aria-current={props.nav === n.item ? "page" : undefined}>
                      {t(lang, n.label)}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          )}
          <div class="tools">
            <span class="langs" role="group" aria-label={t(lang, "nav.language")}>
              {LANGUAGES.filter((l) => l !== lang).map((l) => (
                <a href={`/doctor/lang/${l}?next=${encodeURIComponent(props.here)}`} lang={l}>
                  {LANGUAGE_NAMES[l]}
                </a>
              ))}
            </span>
            {props.csrfToken && (
              <form method="post" action="/doctor/logout" class="inline">
                <input type="hidden" name="_csrf" value={props.csrfToken} />
                <button type="submit" class="link">{t(lang, "nav.logout")}</button>
              </form>
            )}
          </div>
        </header>
        <p id="offline" class="offline" role="status" aria-live="assertive" hidden>
          {t(lang, "net.offline")}
        </p>
        <main id="main">{props.children}</main>
      </body>
    </html>
  );
}

/** A short page with a title and one message (errors, refusals). */
export function MessagePage(
  props: LayoutProps & { message: string; backHref?: string; backLabel?: string },
) {
  return (
    <Layout {...props}>
      <h1>{props.title}</h1>
      <p class="notice error">{props.message}</p>
      {props.backHref && (
        <p>
          <a href={props.backHref}>{props.backLabel}</a>
        </p>
      )}
    </Layout>
  );
}

/** Sends `node` as a full HTML document; pages are personal, so never cached. */
export async function renderPage(c: Context, node: unknown, status = 200): Promise<Response> {
  const html = `<!DOCTYPE html>${await Promise.resolve(node as string | Promise<string>)}`;
  c.header("Cache-Control", "no-store");
  return c.html(html, status as 200);
}
