/**
 * Explainable scoring of free-text symptoms against the lexicon: every matched term adds its
 * weight to its specialization; a term counts once. Scores are then normalised to shares that
 * sum to 1, so a reason can say which terms decided and how strongly. Pure and synchronous.
 */
import { ALIASES, LEXICON, type Specialization } from "./lexicon.ts";
import { containsTerm, foldTerm, tokenize } from "./normalize.ts";

export interface SpecializationScore {
  specialization: Specialization;
  score: number;
  /** Share of all matched weight, 0..1. */
  share: number;
  terms: string[];
}

const FOLDED = LEXICON.flatMap(([spec, weight, terms]) =>
  terms.map((term) => ({ spec, weight, term, folded: foldTerm(term) }))
);

/** Specializations matched by `text`, best first (ties by lexicon order). */
export function scoreSymptoms(text: string): SpecializationScore[] {
  const words = tokenize(text);
  const bySpec = new Map<Specialization, { score: number; terms: string[]; seen: Set<string> }>();
  for (const { spec, weight, term, folded } of FOLDED) {
    const key = folded.join(" ");
    const entry = bySpec.get(spec) ?? { score: 0, terms: [], seen: new Set<string>() };
    if (entry.seen.has(key) || !containsTerm(words, folded)) continue;
    entry.seen.add(key);
    entry.score += weight;
    entry.terms.push(term);
    bySpec.set(spec, entry);
  }
  const total = [...bySpec.values()].reduce((n, e) => n + e.score, 0);
  return [...bySpec.entries()]
    .map(([specialization, e]) => ({
      specialization,
      score: e.score,
      share: total > 0 ? e.score / total : 0,
      terms: e.terms,
    }))
    .sort((a, b) => b.score - a.score);
}

/** The lexicon specialization a doctor's free-text specialization names, if any. */
export function canonicalSpecialization(name: string): Specialization | null {
  const folded = foldTerm(name).join(" ");
  for (const [spec, aliases] of Object.entries(ALIASES) as [Specialization, string[]][]) {
    if (aliases.some((a) => foldTerm(a).join(" ") === folded)) return spec;
  }
  return null;
}
