/**
 * The availability editor: weekly ranges per day (several make breaks), dated overrides and days
 * off, the booking rules, and the preview of the coming week's slots. The form works without JS
 * (the Preview button posts it); app.js refreshes the preview as the doctor types.
 */
import { type Lang, type MessageId, t } from "../../i18n/messages.ts";
import type { Slot } from "../../domain/slots.ts";
import {
  type AvailabilityValues,
  DAYS,
  POLICY_LIMITS,
  type PolicyField,
} from "../forms/availability_form.ts";
import { Csrf, Field, type FieldErrors, idOf, Notice } from "./fields.tsx";
import { formatDate, formatTime } from "./format.ts";
import { Layout } from "./layout.tsx";

const DAY_NAMES: Record<string, { en: string; hi: string }> = {
  mon: { en: "Monday", hi: "सोमवार" },
  tue: { en: "Tuesday", hi: "मंगलवार" },
  wed: { en: "Wednesday", hi: "बुधवार" },
  thu: { en: "Thursday", hi: "गुरुवार" },
  fri: { en: "Friday", hi: "शुक्रवार" },
  sat: { en: "Saturday", hi: "शनिवार" },
  sun: { en: "Sunday", hi: "रविवार" },
};

export interface PreviewProps {
  lang: Lang;
  timeZone: string;
  dates: string[];
  /** null when the form has mistakes, so there is nothing to preview. */
  slots: Slot[] | null;
}

export function Preview(p: PreviewProps) {
  const { lang } = p;
  if (p.slots === null) return <Notice kind="error">{t(lang, "error.saveFailed")}</Notice>;
  const slots = p.slots;
  return (
    <div class="preview-days">
      {p.dates.map((date) => {
        const onDay = slots.filter((s) => s.date === date);
        return (
          <div class="preview-day">
            <h3>
              {formatDate(date, lang)}{" "}
              <span class="count">({t(lang, "avail.previewCount", { count: onDay.length })})</span>
            </h3>
            {onDay.length === 0
              ? <p class="empty">{t(lang, "avail.previewNone")}</p>
              : (
                <ul class="slots">
                  {onDay.map((s) => (
                    <li>
                      <time datetime={s.start}>{formatTime(s.start, p.timeZone, lang)}</time>
                    </li>
                  ))}
                </ul>
              )}
          </div>
        );
      })}
    </div>
  );
}

function TimeRange(
  p: { lang: Lang; name: string; n: number; start: string; end: string; errors: FieldErrors },
) {
  const common = { type: "time", srOnlyLabel: true, attrs: { step: 300 } };
  return (
    <div class="range">
      <Field
        {...common}
        name={`${p.name}.start`}
        label={t(p.lang, "avail.from", { n: p.n })}
        value={p.start}
        error={p.errors[`${p.name}.start`]}
      />
      <span aria-hidden="true">–</span>
      <Field
        {...common}
        name={`${p.name}.end`}
        label={t(p.lang, "avail.to", { n: p.n })}
        value={p.end}
        error={p.errors[`${p.name}.end`]}
      />
    </div>
  );
}

export interface AvailabilityPageProps {
  lang: Lang;
  csrfToken: string;
  values: AvailabilityValues;
  errors: FieldErrors;
  preview: PreviewProps;
  message?: { kind: "ok" | "error"; text: string };
}

export function AvailabilityPage(p: AvailabilityPageProps) {
  const { lang, values, errors } = p;
  const title = t(lang, "avail.title");
  return (
    <Layout
      lang={lang}
      title={title}
      here="/doctor/availability"
      csrfToken={p.csrfToken}
      nav="availability"
    >
      <h1>{title}</h1>
      {p.message && <Notice kind={p.message.kind}>{p.message.text}</Notice>}
      <form method="post" action="/doctor/availability" id="availability" novalidate>
        <Csrf token={p.csrfToken} />
        <fieldset class="card">
          <legend>{t(lang, "avail.weekly")}</legend>
          <p class="hint">{t(lang, "avail.weeklyHint")}</p>
          {DAYS.map((day) => (
            <fieldset class="day-row">
              <legend>{DAY_NAMES[day][lang]}</legend>
              {values.weekly[day].map((r, i) => (
                <TimeRange
                  lang={lang}
                  name={`w.${day}.${i}`}
                  n={i + 1}
                  start={r.start}
                  end={r.end}
                  errors={errors}
                />
              ))}
            </fieldset>
          ))}
        </fieldset>

        <fieldset class="card">
          <legend>{t(lang, "avail.overrides")}</legend>
          {values.overrides.map((o, i) => {
            const name = `o.${i}`;
            return (
              <fieldset class="override">
                <legend class="sr-only">{t(lang, "avail.date", { n: i + 1 })}</legend>
                <Field
                  name={`${name}.date`}
                  type="date"
                  label={t(lang, "avail.date", { n: i + 1 })}
                  value={o.date}
                  error={errors[`${name}.date`]}
                />
                <div class="check">
                  <input
                    type="checkbox"
                    id={idOf(`${name}.off`)}
                    name={`${name}.off`}
                    checked={o.off}
                  />
                  <label for={idOf(`${name}.off`)}>{t(lang, "avail.dayOff")}</label>
                </div>
                <TimeRange
                  lang={lang}
                  name={name}
                  n={1}
                  start={o.start}
                  end={o.end}
                  errors={errors}
                />
              </fieldset>
            );
          })}
        </fieldset>

        <fieldset class="card">
          <legend>{t(lang, "avail.policy")}</legend>
          {(Object.keys(POLICY_LIMITS) as PolicyField[]).map((field) => (
            <Field
              name={field}
              label={t(lang, `avail.${field}` as MessageId)}
              type="number"
              inputmode="numeric"
              value={values.policy[field]}
              error={errors[field]}
              attrs={{ min: POLICY_LIMITS[field][0], max: POLICY_LIMITS[field][1] }}
            />
          ))}
        </fieldset>

        <div class="actions sticky">
          <button type="submit" name="action" value="preview" class="secondary">
            {t(lang, "avail.preview")}
          </button>
          <button type="submit" name="action" value="save">{t(lang, "avail.save")}</button>
        </div>
      </form>

      <section aria-labelledby="preview-title" class="card">
        <h2 id="preview-title">{t(lang, "avail.previewTitle")}</h2>
        <p class="hint">{t(lang, "avail.previewUnsaved")}</p>
        <div id="preview" aria-live="polite" data-preview-url="/doctor/availability/preview">
          <Preview {...p.preview} />
        </div>
      </section>
    </Layout>
  );
}
