/** Shared error pages of the doctor web UI (404 and "something went wrong"). */
import type { Context } from "hono";
import { t } from "../../src/i18n/messages.ts";
import type { UiEnv } from "../../src/ui/ui_env.ts";
import { MessagePage, renderPage } from "../../src/ui/views/layout.tsx";

export function notFoundPage(c: Context<UiEnv>) {
  const lang = c.get("lang");
  return renderPage(
    c,
    MessagePage({
      lang,
      title: t(lang, "error.notFoundTitle"),
      here: "/doctor",
      csrfToken: c.get("session")?.csrfToken,
      message: t(lang, "error.notFound"),
      backHref: "/doctor",
      backLabel: t(lang, "error.back"),
    }),
    404,
  );
}

export function failurePage(c: Context<UiEnv>, status: number) {
  const lang = c.get("lang") ?? "en";
  return renderPage(
    c,
    MessagePage({
      lang,
      title: t(lang, "error.failedTitle"),
      here: "/doctor",
      message: t(lang, "error.failed"),
      backHref: "/doctor",
      backLabel: t(lang, "error.back"),
    }),
    status,
  );
}
