/** The doctor's own profile: languages, specializations, fee and bio. */
import { type Lang, t } from "../../i18n/messages.ts";
import { Csrf, Field, type FieldErrors, Notice, TextArea } from "./fields.tsx";
import { Layout } from "./layout.tsx";

export const BIO_MAX = 2000;

export interface ProfileValues {
  languages: string;
  specializations: string;
  fee: string;
  bio: string;
}

export function ProfilePage(
  p: {
    lang: Lang;
    csrfToken: string;
    name: string;
    values: ProfileValues;
    errors: FieldErrors;
    message?: { kind: "ok" | "error"; text: string };
  },
) {
  const { lang, values, errors } = p;
  const title = t(lang, "profile.title");
  return (
    <Layout lang={lang} title={title} here="/doctor/profile" csrfToken={p.csrfToken} nav="profile">
      <h1>{title}</h1>
      <p>{p.name}</p>
      {p.message && <Notice kind={p.message.kind}>{p.message.text}</Notice>}
      <form method="post" action="/doctor/profile" class="card" novalidate>
        <Csrf token={p.csrfToken} />
        <Field
          name="languages"
          label={t(lang, "profile.languages")}
          value={values.languages}
          hint={t(lang, "profile.listHint")}
          error={errors.languages}
        />
        <Field
          name="specializations"
          label={t(lang, "profile.specializations")}
          value={values.specializations}
          hint={t(lang, "profile.listHint")}
          error={errors.specializations}
        />
        <Field
          name="fee"
          label={t(lang, "profile.fee")}
          type="number"
          inputmode="numeric"
          value={values.fee}
          error={errors.fee}
          attrs={{ min: 0, max: 1000000 }}
        />
        <TextArea
          name="bio"
          label={t(lang, "profile.bio")}
          value={values.bio}
          error={errors.bio}
          maxlength={BIO_MAX}
        />
        <button type="submit">{t(lang, "profile.save")}</button>
      </form>
    </Layout>
  );
}
