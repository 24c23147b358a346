/**
 * Doctor recommendations: triages the symptoms (triage.ts), ranks specializations
 * (symptom_scorer.ts), keeps doctors whose specializations are among the likely ones and who have
 * a bookable slot in the window, and ranks them by the specialization's share plus a small bonus
 * for the patient's language (the prakriti does not enter the ranking: see prakriti.ts). An emergency answers with advice to call 112/108 and
 * no doctors, so nothing invites the patient to book instead of getting help. Each result carries
 * a one-line reason naming the matched terms or the words the model weighed most. Reads doctors
 * through the public doctor search (at most MAX_PAGES pages) and slots through the booking
 * service, so caches apply. Never logs or stores the symptom text.
 */
import type { BookingService } from "../booking/booking_service.ts";
import type { DoctorService } from "../doctors/doctor_service.ts";
import { addDays, localDateOf } from "../domain/zoned_time.ts";
import { DoctorInactiveError } from "../errors.ts";
import { adviceFor, adviceLanguage, disclaimerIn } from "./advice.ts";
import type { Specialization } from "./lexicon.ts";
import {
  analyzeSymptoms,
  canonicalSpecialization,
  type SpecializationScore,
} from "./symptom_scorer.ts";
import { assessTriage } from "./triage.ts";

export interface RecommendQuery {
  symptoms: string;
  city?: string;
  language?: string;
  from?: string;
  to?: string;
  limit: number;
}

const MAX_PAGES = 20;
const LANGUAGE_BONUS = 0.1;
/** At most this many specializations are offered, each with at least MIN_SHARE (the top always). */
const MAX_SPECIALIZATIONS = 3;
const MIN_SHARE = 0.1;

const round = (n: number) => Math.round(n * 1000) / 1000;

/** "Kayachikitsa for "fever", "cough"" from lexicon terms, else from the model's evidence. */
function why(s: SpecializationScore): string {
  const words = s.terms.length > 0 ? s.terms : s.evidence;
  return words.length > 0
    ? `${s.specialization} for "${words.slice(0, 3).join('", "')}"`
    : s.specialization;
}

export function createRecommendationService(deps: {
  doctors: DoctorService;
  booking: BookingService;
  now: () => number;
  config: { MAX_SLOT_RANGE_DAYS: number };
}) {
  /**
   * The doctor's free slots, or none once they are deactivated: the search read them active, but
   * an admin may deactivate them before their slots are read. The patient did not ask for that
   * doctor, so they are skipped like one with no free time, never a 409 for the whole answer.
   */
  async function slotsUnlessInactive(doctorId: string, from: string, to: string) {
    try {
      return (await deps.booking.listSlots(doctorId, from, to)).slots;
    } catch (err) {
      if (err instanceof DoctorInactiveError) return [];
      throw err;
    }
  }

  return {
    async recommend(q: RecommendQuery) {
      const analysis = analyzeSymptoms(q.symptoms);
      const { triage, flags } = assessTriage(analysis.words, analysis.triage);
      const language = adviceLanguage(q.symptoms, q.language);
      const likely = analysis.recognised
        ? analysis.ranked.slice(0, MAX_SPECIALIZATIONS).filter((s, i) =>
          i === 0 || s.share >= MIN_SHARE
        )
        : [];
      const shares = new Map(likely.map((m) => [m.specialization, m]));
      const ranked = [];
      let cursor: string | undefined;
      const book = triage !== "emergency";
      for (let page = 0; book && page < MAX_PAGES && shares.size > 0; page++) {
        const res = await deps.doctors.search(q.city ? { city: q.city } : {}, 100, cursor);
        for (const d of res.items) {
          const specs = d.specializations.map(canonicalSpecialization)
            .filter((s): s is Specialization => s !== null && shares.has(s))
            .filter((s, i, all) => all.indexOf(s) === i);
          if (specs.length === 0) continue;
          let score = specs.reduce((n, s) => n + shares.get(s)!.share, 0);
          const speaks = !!q.language && d.languages.includes(q.language);
          if (speaks) score += LANGUAGE_BONUS;
          ranked.push({ d, specs, score, speaks });
        }
        if (!res.nextCursor) break;
        cursor = res.nextCursor;
      }
      ranked.sort((a, b) => b.score - a.score || a.d.id.localeCompare(b.d.id));
      const items = [];
      for (const r of ranked) {
        if (items.length >= q.limit) break;
        // The window of the next slot: `from` (else the doctor's today) to `to` (else a week on).
        // `to` alone looks from today as far as one listing goes (the route refuses a longer
        // range both ends of which the client chose), and one already past has no slot.
        const from = q.from ?? localDateOf(deps.now(), r.d.timezone);
        const furthest = addDays(from, deps.config.MAX_SLOT_RANGE_DAYS - 1);
        const to = q.to === undefined ? addDays(from, 6) : q.to < furthest ? q.to : furthest;
        if (to < from) continue;
        const slots = await slotsUnlessInactive(r.d.id, from, to);
        if (slots.length === 0) continue;
        const reason = r.specs.map((s) => why(shares.get(s)!)).join("; ") +
          (r.speaks ? `; speaks ${q.language}` : "") +
          `; next slot ${slots[0].start}`;
        items.push({
          doctor: { id: r.d.id, name: r.d.name, city: r.d.city, languages: r.d.languages },
          score: round(r.score),
          specializations: r.specs,
          reason,
          nextSlot: slots[0],
        });
      }
      const advice = adviceFor(triage, language);
      return {
        triage,
        ...(advice ? { advice } : {}),
        flags,
        language,
        disclaimer: disclaimerIn(language),
        matched: likely.map((m) => ({
          specialization: m.specialization,
          share: round(m.share),
          terms: m.terms,
          evidence: m.evidence,
        })),
        items,
      };
    },
  };
}
