/**
 * A doctor's free times on one day of the patient's calendar (in the patient's zone), with day
 * navigation that works without JavaScript. Each time is a submit button of one form, so a tap
 * holds it. The same page serves booking, rescheduling (another form action), the "someone was
 * faster" retry (a notice with the next free times) and the embed (links open a new tab).
 */
import { addDays } from "../../../domain/zoned_time.ts";
import { type BookLang, bt } from "../../../i18n/book_messages.ts";
import { BookLayout } from "./layout.tsx";
import { formatClock, formatDate, formatWhen, languageNames } from "./format.ts";
import type { DoctorCard } from "./search_pages.tsx";

export interface SlotTime {
  start: string;
}

export interface SlotsPageProps {
  lang: BookLang;
  csrfToken: string;
  loggedIn: boolean;
  timeZone: string;
  doctor: DoctorCard & { bio: string | null };
  /** The patient's calendar day shown. */
  date: string;
  slots: SlotTime[];
  /** Where a chosen time is posted: /book/hold, or an appointment's reschedule. */
  action: string;
  /** The GET path of this page without `date` (day links add it). */
  basePath: string;
  title?: string;
  /** Set after a lost race: the next free times, on any day. */
  taken?: SlotTime[];
  embed?: boolean;
  /** A time chosen in the embed, offered for booking at once. */
  selected?: string;
  status?: number;
  /** Moving a visit: the version of it the patient was shown, sent with the chosen time. */
  version?: number;
}

function dayHref(basePath: string, date: string): string {
  return `${basePath}${basePath.includes("?") ? "&" : "?"}date=${date}`;
}

export function SlotsPage(p: SlotsPageProps) {
  const { lang, timeZone } = p;
  const title = p.title ?? p.doctor.name;
  const here = dayHref(p.basePath, p.date);
  const newTab = p.embed ? { target: "_blank", rel: "noopener" } : {};
  const Version = () =>
    p.version === undefined
      ? null
      : <input type="hidden" name="version" value={String(p.version)} />;
  const SlotButtons = (props: { times: SlotTime[]; withDay: boolean }) => (
    <div class="slots">
      {props.times.map((s) => {
        const ms = Date.parse(s.start);
        return (
          <button type="submit" name={p.embed ? "slot" : "start"} value={s.start}>
            {props.withDay ? formatWhen(ms, lang, timeZone) : formatClock(ms, lang, timeZone)}
          </button>
        );
      })}
    </div>
  );
  const slotForm = (times: SlotTime[], withDay: boolean, legend: string) =>
    p.embed
      ? (
        <form method="get" action={`/book/doctors/${p.doctor.id}`} {...newTab}>
          <fieldset>
            <legend>
              {legend} <span class="hint">({bt(lang, "embed.open")})</span>
            </legend>
            <SlotButtons times={times} withDay={withDay} />
          </fieldset>
        </form>
      )
      : (
        <form method="post" action={p.action}>
          <input type="hidden" name="_csrf" value={p.csrfToken} />
          <input type="hidden" name="doctorId" value={p.doctor.id} />
          <Version />
          <fieldset>
            <legend>{legend}</legend>
            <SlotButtons times={times} withDay={withDay} />
          </fieldset>
        </form>
      );
  return (
    <BookLayout
      lang={lang}
      title={title}
      here={here}
      csrfToken={p.csrfToken}
      loggedIn={p.loggedIn}
      nav="find"
      embed={p.embed}
    >
      <h1>{title}</h1>
      <p>{p.doctor.specializations.join(", ")} · {p.doctor.city}</p>
      <p>{bt(lang, "doctors.speaks", { languages: languageNames(p.doctor.languages) })}</p>
      {p.doctor.fee !== null && <p>{bt(lang, "doctors.fee", { fee: p.doctor.fee })}</p>}
      {p.doctor.bio && <p>{p.doctor.bio}</p>}
      {p.taken && (
        <div class="notice error" role="alert" id="taken">
          <p>{bt(lang, "slots.taken")}</p>
          {p.taken.length === 0 && <p>{bt(lang, "slots.noneLeft")}</p>}
        </div>
      )}
      {p.taken && p.taken.length > 0 && slotForm(p.taken, true, bt(lang, "slots.pick"))}
      {p.selected && (
        <form method="post" action={p.action} class="card">
          <input type="hidden" name="_csrf" value={p.csrfToken} />
          <input type="hidden" name="doctorId" value={p.doctor.id} />
          <Version />
          <button type="submit" name="start" value={p.selected}>
            {bt(lang, "slots.hold", { time: formatWhen(Date.parse(p.selected), lang, timeZone) })}
          </button>
        </form>
      )}
      <h2>{bt(lang, "slots.title", { date: formatDate(p.date, lang) })}</h2>
      <p class="hint" data-zone={timeZone}>{bt(lang, "slots.zone", { zone: timeZone })}</p>
      <nav class="pager" aria-label={bt(lang, "slots.day")}>
        <a href={dayHref(p.basePath, addDays(p.date, -1))} rel="prev">
          {bt(lang, "slots.prev")}
        </a>
        <a href={dayHref(p.basePath, addDays(p.date, 1))} rel="next">{bt(lang, "slots.next")}</a>
      </nav>
      <form method="get" action={p.basePath.split("?")[0]} class="dayform">
        {p.basePath.includes("doctor=") && (
          <input
            type="hidden"
            name="doctor"
            value={p.doctor.id}
          />
        )}
        <Version />
        <label for="f-date">{bt(lang, "slots.day")}</label>
        <input id="f-date" type="date" name="date" value={p.date} required />
        <button type="submit" class="secondary">{bt(lang, "slots.show")}</button>
      </form>
      {p.slots.length === 0
        ? <p>{bt(lang, "slots.none")}</p>
        : slotForm(p.slots, false, bt(lang, "slots.pick"))}
    </BookLayout>
  );
}
