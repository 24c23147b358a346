/** The Hono environment of the doctor web UI: the app's variables plus language and session. */
import type { Lang } from "../i18n/messages.ts";
import type { AppEnv } from "../http/app_env.ts";
import type { UiSession } from "./session_store.ts";

export interface UiEnv {
  Variables: AppEnv["Variables"] & {
    lang: Lang;
    session: UiSession;
    sessionToken: string;
  };
}

export const SESSION_COOKIE = "vaidya_ui";
export const LOGIN_CSRF_COOKIE = "vaidya_ui_login";
export const LANG_COOKIE = "vaidya_lang";
export const UI_BASE = "/doctor";

/** `value` if it is a path inside the doctor UI (no scheme, host or `..`), else the agenda. */
export function safeNext(value: string | undefined | null): string {
  if (!value || value.length > 300) return UI_BASE;
  const ok = /^\/doctor(\/[A-Za-z0-9_\-\/]*)?(\?[A-Za-z0-9_\-=&%.]*)?$/.test(value) &&
    !value.includes("//") && !value.includes("..");
  return ok ? value : UI_BASE;
}
