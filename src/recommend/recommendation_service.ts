/**
 * Doctor recommendations: scores the symptoms (symptom_scorer.ts), keeps doctors whose
 * specializations match and who have a bookable slot in the window, and ranks them by matched
 * share, plus small bonuses for the patient's language and prakriti. Each result carries a
 * one-line reason naming the matched terms. Reads doctors through the public doctor search (at
 * most MAX_PAGES pages) and slots through the booking service, so caches apply.
 */
import type { BookingService } from "../booking/booking_service.ts";
import type { DoctorService } from "../doctors/doctor_service.ts";
import { addDays, localDateOf } from "../domain/zoned_time.ts";
import type { PrakritiAssessment } from "./prakriti_store.ts";
import type { Specialization } from "./lexicon.ts";
import { canonicalSpecialization, scoreSymptoms } from "./symptom_scorer.ts";

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
const PRAKRITI_BONUS = 0.05;
/** Which specializations a dominant dosha leans on (classical: vata → Panchakarma basti, ...). */
const DOSHA_SPECS: Record<PrakritiAssessment["dominant"], Specialization[]> = {
  vata: ["Panchakarma", "Manas Roga"],
  pitta: ["Kayachikitsa", "Shalakya Tantra"],
  kapha: ["Rasayana", "Panchakarma"],
};

export function createRecommendationService(deps: {
  doctors: DoctorService;
  booking: BookingService;
  now: () => number;
}) {
  return {
    async recommend(q: RecommendQuery, prakriti: PrakritiAssessment | null) {
      const matched = scoreSymptoms(q.symptoms);
      const shares = new Map(matched.map((m) => [m.specialization, m]));
      const ranked = [];
      let cursor: string | undefined;
      for (let page = 0; page < MAX_PAGES && shares.size > 0; page++) {
        const res = await deps.doctors.search(q.city ? { city: q.city } : {}, 100, cursor);
        for (const d of res.items) {
          const specs = d.specializations.map(canonicalSpecialization)
            .filter((s): s is Specialization => s !== null && shares.has(s));
          if (specs.length === 0) continue;
          let score = specs.reduce((n, s) => n + shares.get(s)!.share, 0);
          const speaks = !!q.language && d.languages.includes(q.language);
          if (speaks) score += LANGUAGE_BONUS;
          const dosha = prakriti && specs.some((s) => DOSHA_SPECS[prakriti.dominant].includes(s));
          if (dosha) score += PRAKRITI_BONUS;
          ranked.push({ d, specs, score, speaks, dosha });
        }
        if (!res.nextCursor) break;
        cursor = res.nextCursor;
      }
      ranked.sort((a, b) => b.score - a.score || a.d.id.localeCompare(b.d.id));
      const out = [];
      for (const r of ranked) {
        if (out.length >= q.limit) break;
        const from = q.from ?? localDateOf(deps.now(), r.d.timezone);
        const to = q.to ?? addDays(from, 6);
        const { slots } = await deps.booking.listSlots(r.d.id, from, to);
        if (slots.length === 0) continue;
        const terms = r.specs.flatMap((s) => shares.get(s)!.terms);
        const reason = `${r.specs.join(", ")} for "${terms.slice(0, 3).join('", "')}"` +
          (r.speaks ? `; speaks ${q.language}` : "") +
          (r.dosha ? `; suits a ${prakriti!.dominant} prakriti` : "") +
          `; next slot ${slots[0].start}`;
        out.push({
          doctor: { id: r.d.id, name: r.d.name, city: r.d.city, languages: r.d.languages },
          score: Math.round(r.score * 1000) / 1000,
          specializations: r.specs,
          reason,
          nextSlot: slots[0],
        });
      }
      return {
        matched: matched.map((m) => ({
          specialization: m.specialization,
          share: Math.round(m.share * 1000) / 1000,
          terms: m.terms,
        })),
        items: out,
      };
    },
  };
}
