/**
 * The page shell of the patient booking pages: head (one stylesheet, one deferred same-origin
 * script, nothing inline, so the strict CSP holds), navigation, the language switch (every
 * patient language, chosen on a page of their own), the "no connection" notice and a skip link. The
 * embedded variant (/book/embed) drops navigation and opens every link in a new tab.
 */
import type { Child } from "hono/jsx";
import {
  BOOK_LANGUAGE_NAMES,
  BOOK_LANGUAGES,
  type BookLang,
  bt,
} from "../../../i18n/book_messages.ts";

export interface BookLayoutProps {
  lang: BookLang;
  title: string;
  /** The GET path of this page, to come back to after switching language. */
  here: string;
  /** Present when logged in: shows "My appointments" and the logout form. */
  csrfToken?: string;
  loggedIn?: boolean;
  nav?: "find" | "mine";
  embed?: boolean;
  children?: Child;
}

export function BookLayout(props: BookLayoutProps) {
  const { lang } = props;
  return (
    <html lang={lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="description" content={bt(lang, "app.tagline")} />
        <title>{`${props.title} · ${bt(lang, "app.title")}`}</title>
        <link rel="icon" href="/book/static/icon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/book/static/book.css" />
        <script src="/book/static/book.js" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">{props.title}</a>
        <header class="top">
          <span class="brand">{bt(lang, "app.title")}</span>
          {!props.embed && (
            <nav aria-label={bt(lang, "nav.label")}>
              <ul>
                <li>
                  <a href="/book" aria-current={props.nav === "find" ? "page" : undefined}>
                    {bt(lang, "nav.find")}
                  </a>
                </li>
                <li>
                  <a
                    href="/book/appointments"
                    aria-current={props.nav === "mine" ? "page" : undefined}
                  >
                    {props.loggedIn ? bt(lang, "nav.mine") : bt(lang, "nav.login")}
                  </a>
                </li>
              </ul>
            </nav>
          )}
          {props.loggedIn && props.csrfToken && !props.embed && (
            <form method="post" action="/book/logout" class="inline tools">
              <input type="hidden" name="_csrf" value={props.csrfToken} />
              <button type="submit" class="link">{bt(lang, "nav.logout")}</button>
            </form>
          )}
        </header>
        {!props.embed && (
          <nav class="langs" aria-label={bt(lang, "nav.language")}>
            <a href={`/book/lang?next=${encodeURIComponent(props.here)}`}>
              {bt(lang, "nav.language")}: {BOOK_LANGUAGE_NAMES[lang]}
            </a>
          </nav>
        )}
        <p id="offline" class="offline" role="status" aria-live="assertive" hidden>
          {bt(lang, "net.offline")}
        </p>
        <main id="main">{props.children}</main>
      </body>
    </html>
  );
}

/**
 * The language chooser: every language named in its own script. A page of its own, so the other
 * pages draw one script only (each extra script costs a slow phone a font lookup and shaping).
 */
export function LanguagePage(props: { lang: BookLang; next: string }) {
  const { lang } = props;
  const title = bt(lang, "nav.language");
  return (
    <BookLayout lang={lang} title={title} here={props.next}>
      <h1>{title}</h1>
      <ul class="cards langlist">
        {BOOK_LANGUAGES.map((l) => (
          <li>
            <a
              href={`/book/lang/${l}?next=${encodeURIComponent(props.next)}`}
              lang={l}
              hreflang={l}
              aria-current={l === lang ? "true" : undefined}
            >
              {BOOK_LANGUAGE_NAMES[l]}
            </a>
          </li>
        ))}
      </ul>
    </BookLayout>
  );
}

/** A short page with a title, one message and a way on (errors, refusals, expiry). */
export function BookMessagePage(
  props: BookLayoutProps & { message: string; backHref?: string; backLabel?: string },
) {
  return (
    <BookLayout {...props}>
      <h1>{props.title}</h1>
      <p class="notice error" role="alert">{props.message}</p>
      {props.backHref && (
        <p>
          <a href={props.backHref}>{props.backLabel}</a>
        </p>
      )}
    </BookLayout>
  );
}
