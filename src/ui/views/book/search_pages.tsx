/**
 * The first steps of booking: the start page (describe symptoms for suggested doctors, or pick a
 * specialization, language and city) and the list of doctors.
 */
import type { DoctorView } from "../../../booking/views.ts";
import { type BookLang, bt } from "../../../i18n/book_messages.ts";
import { BOOK_LANGUAGE_NAMES, BOOK_LANGUAGES } from "../../../i18n/book_messages.ts";
import { SPECIALIZATIONS } from "../../../recommend/lexicon.ts";
import type { RedFlag, UrgentFlag } from "../../../recommend/red_flags.ts";
import { BookLayout } from "./layout.tsx";
import { formatWhen, languageNames } from "./format.ts";

export interface DoctorFilters {
  specialization?: string;
  language?: string;
  city?: string;
}

/** What the recommendation service answered, as the page shows it. */
export interface Suggestion {
  triage: "emergency" | "urgent" | "routine";
  /** Call 112/108 now, or see a doctor today: the service's words, in the patient's language. */
  advice?: string;
  /** The red-flag or urgent rules that fired. */
  flags: (RedFlag | UrgentFlag)[];
  /** The service's "guidance, not a diagnosis" notice, in the patient's language. */
  disclaimer: string;
  items: {
    doctor: { id: string; name: string; city: string; languages: string[] };
    specializations: string[];
    nextSlot: { start: string };
  }[];
}

interface PageBase {
  lang: BookLang;
  csrfToken: string;
  loggedIn: boolean;
  timeZone: string;
}

function FilterForm(props: { lang: BookLang; filters: DoctorFilters }) {
  const { lang, filters } = props;
  return (
    <form method="get" action="/book/doctors" class="card">
      <div class="field">
        <label for="f-spec">{bt(lang, "search.specialization")}</label>
        <select id="f-spec" name="specialization">
          <option value="">{bt(lang, "search.any")}</option>
          {SPECIALIZATIONS.map((s) => (
            <option value={s} selected={filters.specialization === s}>{s}</option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="f-lang">{bt(lang, "search.language")}</label>
        <select id="f-lang" name="language">
          <option value="">{bt(lang, "search.any")}</option>
          {BOOK_LANGUAGES.map((l) => (
            <option value={l} lang={l} selected={filters.language === l}>
              {BOOK_LANGUAGE_NAMES[l]}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="f-city">{bt(lang, "search.city")}</label>
        <input id="f-city" name="city" value={filters.city ?? ""} autocomplete="address-level2" />
      </div>
      <button type="submit">{bt(lang, "search.find")}</button>
    </form>
  );
}

function FlagItem(props: { lang: BookLang; flag: RedFlag | UrgentFlag }) {
  return <li data-flag={props.flag}>{bt(props.lang, `flag.${props.flag}`)}</li>;
}

/**
 * Urgent or emergency advice first, in the service's own words (the patient's language), then the
 * warning signs that made it so, in the page's language.
 */
function TriageNotice(props: { lang: BookLang; suggestion: Suggestion }) {
  const { lang, suggestion: { triage, advice, flags } } = props;
  if (triage === "routine") return null;
  return (
    <div class={`notice ${triage === "emergency" ? "error" : "warn"}`} role="alert" id="triage">
      <p>{advice ?? bt(lang, triage === "emergency" ? "triage.emergency" : "triage.urgent")}</p>
      {flags.length > 0 && (
        <>
          <p>{bt(lang, "triage.flags")}</p>
          <ul id="triage-flags">
            {flags.map((flag) => FlagItem({ lang, flag }))}
          </ul>
        </>
      )}
    </div>
  );
}

export function HomePage(
  props: PageBase & {
    symptoms?: string;
    symptomsError?: string;
    suggestion?: Suggestion;
    filters: DoctorFilters;
  },
) {
  const { lang, suggestion } = props;
  const title = bt(lang, "home.title");
  return (
    <BookLayout
      lang={lang}
      title={title}
      here="/book"
      csrfToken={props.csrfToken}
      loggedIn={props.loggedIn}
      nav="find"
    >
      <h1>{title}</h1>
      <form method="post" action="/book/suggest" class="card">
        <input type="hidden" name="_csrf" value={props.csrfToken} />
        <div class={props.symptomsError ? "field has-error" : "field"}>
          <label for="f-symptoms">{bt(lang, "home.symptoms")}</label>
          <textarea
            id="f-symptoms"
            name="symptoms"
            rows={3}
            maxlength={1000}
            required
            aria-describedby="f-symptoms-hint"
            aria-invalid={props.symptomsError ? "true" : undefined}
          >
            {props.symptoms ?? ""}
          </textarea>
          <span id="f-symptoms-hint" class="hint">{bt(lang, "home.symptomsHint")}</span>
        </div>
        <button type="submit">{bt(lang, "home.suggest")}</button>
      </form>
      {suggestion && (
        <section aria-labelledby="rec-title">
          <h2 id="rec-title">{bt(lang, "rec.title")}</h2>
          <TriageNotice lang={lang} suggestion={suggestion} />
          <p class="guidance" id="disclaimer">{suggestion.disclaimer}</p>
          {suggestion.items.length === 0
            ? suggestion.triage !== "emergency" && <p>{bt(lang, "rec.none")}</p>
            : (
              <ul class="cards">
                {suggestion.items.map((r) => (
                  <li class="card">
                    <h3>
                      <a href={`/book/doctors/${r.doctor.id}`}>{r.doctor.name}</a>
                    </h3>
                    <p>{r.specializations.join(", ")} · {r.doctor.city}</p>
                    <p>
                      {bt(lang, "rec.next", {
                        when: formatWhen(Date.parse(r.nextSlot.start), lang, props.timeZone),
                      })}
                    </p>
                  </li>
                ))}
              </ul>
            )}
        </section>
      )}
      <h2>{bt(lang, "home.choose")}</h2>
      <FilterForm lang={lang} filters={props.filters} />
    </BookLayout>
  );
}

export type DoctorCard = Pick<
  DoctorView,
  "id" | "name" | "specializations" | "languages" | "city" | "timezone" | "fee"
>;

export function DoctorsPage(
  props: PageBase & { filters: DoctorFilters; doctors: DoctorCard[]; here: string },
) {
  const { lang } = props;
  const title = bt(lang, "doctors.title");
  return (
    <BookLayout
      lang={lang}
      title={title}
      here={props.here}
      csrfToken={props.csrfToken}
      loggedIn={props.loggedIn}
      nav="find"
    >
      <h1>{title}</h1>
      {props.doctors.length === 0 ? <p>{bt(lang, "doctors.none")}</p> : (
        <ul class="cards">
          {props.doctors.map((d) => (
            <li class="card">
              <h2>
                <a href={`/book/doctors/${d.id}`}>{d.name}</a>
              </h2>
              <p>{d.specializations.join(", ")} · {d.city}</p>
              <p>{bt(lang, "doctors.speaks", { languages: languageNames(d.languages) })}</p>
              {d.fee !== null && <p>{bt(lang, "doctors.fee", { fee: d.fee })}</p>}
            </li>
          ))}
        </ul>
      )}
      <FilterForm lang={lang} filters={props.filters} />
    </BookLayout>
  );
}
