/** The login page: step "phone" asks for the number, step "code" for the one-time code. */
import { type Lang, t } from "../../i18n/messages.ts";
import { Csrf, Field, type FieldErrors, Notice } from "./fields.tsx";
import { Layout } from "./layout.tsx";

export interface LoginPageProps {
  lang: Lang;
  step: "phone" | "code";
  next: string;
  csrfToken: string;
  phone?: string;
  errors?: FieldErrors;
  /** A message for the whole form (not-a-doctor, session ended, rate limited). */
  message?: string;
}

export function LoginPage(p: LoginPageProps) {
  const { lang } = p;
  const here = `/doctor/login?next=${encodeURIComponent(p.next)}`;
  return (
    <Layout lang={lang} title={t(lang, "login.title")} here={here}>
      <h1>{t(lang, "login.title")}</h1>
      {p.message && <Notice kind="error">{p.message}</Notice>}
      {p.step === "phone"
        ? (
          <form method="post" action="/doctor/login" class="card" novalidate>
            <Csrf token={p.csrfToken} />
            <input type="hidden" name="next" value={p.next} />
            <Field
              name="phone"
              label={t(lang, "login.phone")}
              type="tel"
              inputmode="tel"
              autocomplete="tel"
              value={p.phone}
              hint={t(lang, "login.phoneHint")}
              error={p.errors?.phone}
              required
            />
            <button type="submit">{t(lang, "login.sendCode")}</button>
          </form>
        )
        : (
          <form method="post" action="/doctor/login/verify" class="card" novalidate>
            <Notice kind="ok">{t(lang, "login.codeSent")}</Notice>
            <Csrf token={p.csrfToken} />
            <input type="hidden" name="next" value={p.next} />
            <input type="hidden" name="phone" value={p.phone} />
            <Field
              name="code"
              label={t(lang, "login.code")}
              inputmode="numeric"
              autocomplete="one-time-code"
              error={p.errors?.code}
              attrs={{ maxlength: 6, pattern: "[0-9]{6}" }}
              required
            />
            <button type="submit">{t(lang, "login.verify")}</button>
            <p>
              <a href={here}>{t(lang, "login.otherPhone")}</a>
            </p>
          </form>
        )}
    </Layout>
  );
}
