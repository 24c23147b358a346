/**
 * One appointment: who, when, why, its status; the notes form whose buttons also complete it or
 * mark a no-show (once it has started), or correct that outcome (within the correction window);
 * cancelling with a reason; and the patient's earlier visits with this doctor.
 */
import { type Lang, t } from "../../i18n/messages.ts";
import type { AppointmentView } from "../../booking/views.ts";
import type { EarlierVisit } from "../ui_backend.ts";
import { patientLabel } from "./agenda_page.tsx";
import { Csrf, type FieldErrors, Notice, TextArea } from "./fields.tsx";
import { formatDateTime } from "./format.ts";
import { Layout } from "./layout.tsx";

export const NOTES_MAX = 5000;
export const CANCEL_REASON_MAX = 500;

export interface AppointmentPageProps {
  lang: Lang;
  csrfToken: string;
  timeZone: string;
  appointment: AppointmentView;
  /** The visit has started: only then can it be marked completed or a no-show. */
  started: boolean;
  /** A completed or no-show visit still inside the correction window: its outcome can flip. */
  correctable: boolean;
  patientName: string | null;
  history: EarlierVisit[];
  /** What was typed, when a save failed. */
  typed?: { notes?: string; cancelReason?: string };
  errors?: FieldErrors;
  message?: { kind: "ok" | "error"; text: string };
}

/** The version this page shows: its change applies only to it (the API's `If-Match`). */
function RenderedVersion(props: { version: number }) {
  return <input type="hidden" name="version" value={String(props.version)} />;
}

export function AppointmentPage(p: AppointmentPageProps) {
  const { lang, appointment: a } = p;
  const who = patientLabel(lang, { patientName: p.patientName, patientId: a.patientId });
  const action = `/doctor/appointments/${a.id}`;
  const open = a.status === "confirmed";
  const markable = open && p.started;
  const correctTo = !p.correctable
    ? null
    : a.status === "completed"
    ? "no_show"
    : a.status === "no_show"
    ? "completed"
    : null;
  return (
    <Layout lang={lang} title={who} here={action} csrfToken={p.csrfToken} nav="today">
      <h1>{who}</h1>
      {p.message && <Notice kind={p.message.kind}>{p.message.text}</Notice>}
      <dl class="facts">
        <dt>{t(lang, "appt.when")}</dt>
        <dd>
          <time datetime={a.start}>{formatDateTime(a.start, p.timeZone, lang)}</time>
        </dd>
        <dt>{t(lang, "col.reason")}</dt>
        <dd>{a.reason ?? t(lang, "appt.noReason")}</dd>
        <dt>{t(lang, "col.status")}</dt>
        <dd>
          <span class={`badge ${a.status}`} id="status">{t(lang, `status.${a.status}`)}</span>
          {a.cancelReason && <>{t(lang, "appt.cancelledBecause", { reason: a.cancelReason })}</>}
        </dd>
      </dl>
      {a.online && a.status === "confirmed" && (
        <p>
          <a href={`${action}/video`} id="join-video">{t(lang, "appt.joinVideo")}</a>
        </p>
      )}

      {a.status !== "cancelled" && (
        <form method="post" action={action} class="card">
          <Csrf token={p.csrfToken} />
          <RenderedVersion version={a.version} />
          <TextArea
            name="notes"
            label={t(lang, "appt.notes")}
            value={p.typed?.notes ?? a.notes ?? ""}
            error={p.errors?.notes}
            maxlength={NOTES_MAX}
          />
          <div class="actions">
            <button type="submit" name="action" value="notes">{t(lang, "appt.saveNotes")}</button>
            {markable && (
              <button type="submit" name="action" value="completed">
                {t(lang, "appt.markCompleted")}
              </button>
            )}
            {markable && (
              <button type="submit" name="action" value="no_show" class="secondary">
                {t(lang, "appt.markNoShow")}
              </button>
            )}
            {correctTo && (
              <button
                type="submit"
                name="action"
                value={correctTo}
                class="secondary"
                id="correct-outcome"
              >
                {t(
                  lang,
                  correctTo === "completed" ? "appt.correctCompleted" : "appt.correctNoShow",
                )}
              </button>
            )}
          </div>
        </form>
      )}

      {open && (
        <form method="post" action={`${action}/cancel`} class="card danger">
          <Csrf token={p.csrfToken} />
          <RenderedVersion version={a.version} />
          <TextArea
            name="reason"
            label={t(lang, "appt.cancelReason")}
            value={p.typed?.cancelReason ?? ""}
            error={p.errors?.reason}
            rows={2}
            maxlength={CANCEL_REASON_MAX}
          />
          <button type="submit" class="danger">{t(lang, "appt.cancel")}</button>
        </form>
      )}

      <section aria-labelledby="history">
        <h2 id="history">{t(lang, "appt.history")}</h2>
        {p.history.length === 0 ? <p>{t(lang, "appt.noHistory")}</p> : (
          <ol class="history">
            {p.history.map((v) => (
              <li>
                <a href={`/doctor/appointments/${v.id}`}>
                  <time datetime={v.start}>{formatDateTime(v.start, p.timeZone, lang)}</time>
                </a>{" "}
                <span class={`badge ${v.status}`}>{t(lang, `status.${v.status}`)}</span>
                {v.reason && <p>{v.reason}</p>}
                {v.notes && <p class="notes">{v.notes}</p>}
              </li>
            ))}
          </ol>
        )}
      </section>
    </Layout>
  );
}
