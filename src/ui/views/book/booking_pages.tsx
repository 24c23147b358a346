/**
 * The pages after a time is chosen: the SMS-code step of a hold, one appointment (confirmation,
 * calendar file, cut-off, cancel, move, video) and the patient's list of appointments.
 */
import { type BookLang, bt } from "../../../i18n/book_messages.ts";
import { TextArea } from "../fields.tsx";
import { SmsCodeField } from "./login_page.tsx";
import { BookLayout } from "./layout.tsx";
import { formatClock, formatWhen } from "./format.ts";

interface Base {
  lang: BookLang;
  csrfToken: string;
  timeZone: string;
}

export interface HoldPageProps extends Base {
  hold: { id: string; doctorId: string; start: string; expiresAt: string };
  doctorName: string;
  error?: string;
  reason?: string;
}

export function HoldPage(p: HoldPageProps) {
  const { lang, hold } = p;
  const title = bt(lang, "hold.title");
  const when = formatWhen(Date.parse(hold.start), lang, p.timeZone);
  return (
    <BookLayout
      lang={lang}
      title={title}
      here="/book/appointments"
      loggedIn
      csrfToken={p.csrfToken}
    >
      <h1>{title}</h1>
      <p>{bt(lang, "hold.sent", { when, doctor: p.doctorName })}</p>
      <p>
        {bt(lang, "hold.until", {
          time: formatClock(Date.parse(hold.expiresAt), lang, p.timeZone),
        })}
      </p>
      <form method="post" action={`/book/holds/${hold.id}/confirm`} class="card">
        <input type="hidden" name="_csrf" value={p.csrfToken} />
        <input type="hidden" name="doctorId" value={hold.doctorId} />
        <input type="hidden" name="start" value={hold.start} />
        <input type="hidden" name="expiresAt" value={hold.expiresAt} />
        <SmsCodeField label={bt(lang, "hold.code")} error={p.error} />
        <TextArea name="reason" label={bt(lang, "hold.reason")} rows={2} maxlength={500} />
        <div class="field check">
          <input id="f-online" type="checkbox" name="online" value="1" checked />
          <label for="f-online">{bt(lang, "hold.online")}</label>
        </div>
        <button type="submit">{bt(lang, "hold.confirm")}</button>
      </form>
    </BookLayout>
  );
}

export interface AppointmentSummary {
  id: string;
  doctorId: string;
  start: string;
  status: "confirmed" | "cancelled" | "completed" | "no_show";
  online?: boolean;
  /** Bumped by every change: the forms send it, so a stale page changes nothing. */
  version: number;
}

export interface AppointmentPageProps extends Base {
  appointment: AppointmentSummary;
  doctorName: string;
  /** False while the doctor is deactivated: nothing can be moved onto their time (cancel can). */
  doctorActive: boolean;
  cutoffMinutes: number;
  nowMs: number;
  notice?: { kind: "ok" | "error"; text: string };
  status?: number;
  /** The cancel reason typed on a page whose cancel was refused (the visit changed meanwhile). */
  typedReason?: string;
}

export function AppointmentPage(p: AppointmentPageProps) {
  const { lang, appointment: a } = p;
  const title = bt(lang, "appt.title");
  const startMs = Date.parse(a.start);
  const cutoffMs = startMs - p.cutoffMinutes * 60_000;
  const hours = Math.round(p.cutoffMinutes / 6) / 10;
  const cutoffText = bt(lang, p.nowMs < cutoffMs ? "appt.cutoff" : "appt.cutoffPassed", {
    time: formatWhen(cutoffMs, lang, p.timeZone),
    hours,
  });
  const here = `/book/appointments/${a.id}`;
  return (
    <BookLayout lang={lang} title={title} here={here} loggedIn csrfToken={p.csrfToken} nav="mine">
      <h1>{title}</h1>
      {p.notice && (
        <p class={`notice ${p.notice.kind}`} role={p.notice.kind === "error" ? "alert" : "status"}>
          {p.notice.text}
        </p>
      )}
      <p>{bt(lang, "appt.with", { doctor: p.doctorName })}</p>
      <dl class="facts">
        <dt>{bt(lang, "appt.when")}</dt>
        <dd>
          <time datetime={a.start}>{formatWhen(startMs, lang, p.timeZone)}</time>
        </dd>
        <dt>{bt(lang, "appt.status")}</dt>
        <dd>
          <span class={`badge ${a.status}`}>{bt(lang, `status.${a.status}`)}</span>
        </dd>
      </dl>
      {a.status === "confirmed" && (
        <>
          <p class="actions">
            <a class="button" href={`${here}.ics`} download>{bt(lang, "appt.ics")}</a>
            {a.online && <a class="button" href={`${here}/video`}>{bt(lang, "appt.join")}</a>}
          </p>
          {a.online && <p class="hint">{bt(lang, "appt.joinHint")}</p>}
          <p id="cutoff">{cutoffText}</p>
          {p.doctorActive && (
            <p>
              <a href={`${here}/reschedule?version=${a.version}`}>{bt(lang, "appt.move")}</a>
            </p>
          )}
          <form method="post" action={`${here}/cancel`} class="card">
            <input type="hidden" name="_csrf" value={p.csrfToken} />
            <input type="hidden" name="version" value={String(a.version)} />
            <TextArea
              name="reason"
              label={bt(lang, "appt.cancelReason")}
              value={p.typedReason}
              rows={2}
              maxlength={500}
            />
            <button type="submit" class="danger" aria-describedby="cutoff">
              {bt(lang, "appt.cancel")}
            </button>
          </form>
        </>
      )}
    </BookLayout>
  );
}

export function MyAppointmentsPage(
  p: Base & {
    items: (AppointmentSummary & { doctorName: string })[];
  },
) {
  const { lang } = p;
  const title = bt(lang, "mine.title");
  return (
    <BookLayout
      lang={lang}
      title={title}
      here="/book/appointments"
      loggedIn
      csrfToken={p.csrfToken}
      nav="mine"
    >
      <h1>{title}</h1>
      {p.items.length === 0 ? <p>{bt(lang, "mine.none")}</p> : (
        <ul class="cards">
          {p.items.map((a) => (
            <li class="card">
              <a href={`/book/appointments/${a.id}`}>
                <time datetime={a.start}>{formatWhen(Date.parse(a.start), lang, p.timeZone)}</time>
              </a>
              <p>
                {a.doctorName} ·{" "}
                <span class={`badge ${a.status}`}>
                  {bt(lang, `status.${a.status}`)}
                </span>
              </p>
            </li>
          ))}
        </ul>
      )}
    </BookLayout>
  );
}
