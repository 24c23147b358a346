/**
 * The patient's login by phone: number → SMS code → session. A time picked before login rides
 * along in hidden fields (`doctorId`, `start`), so it is held the moment the code is right.
 */
import { type BookLang, bt } from "../../../i18n/book_messages.ts";
import { Field } from "../fields.tsx";
import { BookLayout } from "./layout.tsx";

export interface BookLoginProps {
  lang: BookLang;
  csrfToken: string;
  step: "phone" | "code";
  next: string;
  phone?: string;
  doctorId?: string;
  start?: string;
  errors?: { phone?: string; code?: string };
  message?: string;
}

function Carry(p: BookLoginProps) {
  return (
    <>
      <input type="hidden" name="_csrf" value={p.csrfToken} />
      <input type="hidden" name="next" value={p.next} />
      {p.doctorId && <input type="hidden" name="doctorId" value={p.doctorId} />}
      {p.start && <input type="hidden" name="start" value={p.start} />}
    </>
  );
}

/** The six-digit code from an SMS (login and hold confirmation alike). */
export function SmsCodeField(props: { label: string; error?: string }) {
  return (
    <Field
      name="code"
      label={props.label}
      inputmode="numeric"
      autocomplete="one-time-code"
      required
      attrs={{ pattern: "[0-9]{6}", maxlength: 6 }}
      error={props.error}
    />
  );
}

export function BookLoginPage(p: BookLoginProps) {
  const { lang } = p;
  const title = bt(lang, "login.title");
  return (
    <BookLayout lang={lang} title={title} here={`/book/login?next=${encodeURIComponent(p.next)}`}>
      <h1>{title}</h1>
      {p.message && <p class="notice error" role="alert">{p.message}</p>}
      {p.step === "phone"
        ? (
          <form method="post" action="/book/login" class="card">
            <Carry {...p} />
            <p>{bt(lang, "login.why")}</p>
            <Field
              name="phone"
              label={bt(lang, "login.phone")}
              hint={bt(lang, "login.phoneHint")}
              type="tel"
              inputmode="tel"
              autocomplete="tel"
              required
              value={p.phone}
              error={p.errors?.phone}
            />
            <button type="submit">{bt(lang, "login.send")}</button>
          </form>
        )
        : (
          <form method="post" action="/book/login/verify" class="card">
            <Carry {...p} />
            <input type="hidden" name="phone" value={p.phone} />
            <p class="notice ok" role="status">{bt(lang, "login.sent")}</p>
            <SmsCodeField label={bt(lang, "login.code")} error={p.errors?.code} />
            <button type="submit">{bt(lang, "login.verify")}</button>
          </form>
        )}
      {p.step === "code" && (
        <p>
          <a href={`/book/login?next=${encodeURIComponent(p.next)}`}>{bt(lang, "login.other")}</a>
        </p>
      )}
    </BookLayout>
  );
}
