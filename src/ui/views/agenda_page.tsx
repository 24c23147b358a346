/** The day agenda and the week view: appointments by start, in the doctor's zone. */
import { type Lang, t } from "../../i18n/messages.ts";
import type { AppointmentView } from "../../booking/views.ts";
import { formatDate, formatTime, shortId } from "./format.ts";
import { Layout } from "./layout.tsx";

export interface AgendaItem {
  appointment: AppointmentView;
  patientName: string | null;
}

export function patientLabel(lang: Lang, item: { patientName: string | null; patientId: string }) {
  return item.patientName ?? t(lang, "patient.anonymous", { id: shortId(item.patientId) });
}

function AppointmentList(p: { lang: Lang; timeZone: string; items: AgendaItem[] }) {
  const { lang } = p;
  if (p.items.length === 0) return <p class="empty">{t(lang, "agenda.empty")}</p>;
  return (
    <ol class="agenda">
      {p.items.map(({ appointment: a, patientName }) => (
        <li class={`appt status-${a.status}`}>
          <time datetime={a.start} class="when">{formatTime(a.start, p.timeZone, lang)}</time>
          <a href={`/doctor/appointments/${a.id}`} class="who">
            {patientLabel(lang, { patientName, patientId: a.patientId })}
          </a>
          <span class="why">{a.reason ?? t(lang, "appt.noReason")}</span>
          <span class={`badge ${a.status}`}>{t(lang, `status.${a.status}`)}</span>
        </li>
      ))}
    </ol>
  );
}

/**
 * Shown while an admin has the doctor deactivated: a status region (announced politely), named
 * by its own heading, saying what that means for them.
 */
function InactiveBanner(p: { lang: Lang }) {
  return (
    <section class="notice warn" role="status" aria-labelledby="inactive-title">
      <h2 id="inactive-title">{t(p.lang, "agenda.inactiveTitle")}</h2>
      <p>{t(p.lang, "agenda.inactive")}</p>
    </section>
  );
}

export function DayPage(
  p: {
    lang: Lang;
    csrfToken: string;
    timeZone: string;
    date: string;
    prev: string;
    next: string;
    items: AgendaItem[];
    /** The doctor is deactivated: not taking new bookings. */
    inactive?: boolean;
  },
) {
  const { lang } = p;
  const title = t(lang, "agenda.title", { date: formatDate(p.date, lang) });
  return (
    <Layout
      lang={lang}
      title={title}
      here={`/doctor?date=${p.date}`}
      csrfToken={p.csrfToken}
      nav="today"
    >
      <h1>{title}</h1>
      {p.inactive ? <InactiveBanner lang={lang} /> : null}
      <p class="hint">{t(lang, "agenda.timeZone", { zone: p.timeZone })}</p>
      <nav class="pager" aria-label={title}>
        <a href={`/doctor?date=${p.prev}`}>← {t(lang, "agenda.prev")}</a>
        <a href={`/doctor?date=${p.next}`}>{t(lang, "agenda.next")} →</a>
      </nav>
      <AppointmentList lang={lang} timeZone={p.timeZone} items={p.items} />
    </Layout>
  );
}

export function WeekPage(
  p: {
    lang: Lang;
    csrfToken: string;
    timeZone: string;
    start: string;
    prev: string;
    next: string;
    days: { date: string; items: AgendaItem[] }[];
    /** The doctor is deactivated: not taking new bookings. */
    inactive?: boolean;
  },
) {
  const { lang } = p;
  const title = t(lang, "week.title", { date: formatDate(p.start, lang) });
  return (
    <Layout
      lang={lang}
      title={title}
      here={`/doctor/week?start=${p.start}`}
      csrfToken={p.csrfToken}
      nav="week"
    >
      <h1>{title}</h1>
      {p.inactive ? <InactiveBanner lang={lang} /> : null}
      <p class="hint">{t(lang, "agenda.timeZone", { zone: p.timeZone })}</p>
      <nav class="pager" aria-label={title}>
        <a href={`/doctor/week?start=${p.prev}`}>← {t(lang, "week.prev")}</a>
        <a href={`/doctor/week?start=${p.next}`}>{t(lang, "week.next")} →</a>
      </nav>
      {p.days.map((d) => (
        <section class="day" aria-labelledby={`d-${d.date}`}>
          <h2 id={`d-${d.date}`}>
            <a href={`/doctor?date=${d.date}`}>{formatDate(d.date, lang)}</a>
          </h2>
          <AppointmentList lang={lang} timeZone={p.timeZone} items={d.items} />
        </section>
      ))}
    </Layout>
  );
}
