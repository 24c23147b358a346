/**
 * Ranks specializations for free-text symptoms by blending two explainable signals: the trained
 * character n-gram model (linear_model.ts, shipped in model.json) and the curated lexicon
 * (lexicon.ts), where every matched term adds its weight to its specialization. The blend is
 * (1 − LEXICON_WEIGHT)·model + LEXICON_WEIGHT·lexicon share, or the model alone when no term
 * matched. Each score names its evidence: matched terms, or the patient's words that pushed the
 * model most. The lexicon is lexicon.ts plus lexicon_regional.ts. Pure and synchronous; symptom text never leaves this module except as evidence.
 */
import { featuresOf, type TextFeatures } from "./features.ts";
import { ALIASES, LEXICON, type Specialization, SPECIALIZATIONS } from "./lexicon.ts";
import { REGIONAL_LEXICON } from "./lexicon_regional.ts";
import { type LinearModel, loadModel, type ModelFile } from "./linear_model.ts";
import modelFile from "./model.json" with { type: "json" };
import { foldTerm } from "./normalize.ts";
import { TermIndex } from "./term_index.ts";

export interface SpecializationScore {
  specialization: Specialization;
  /** Blended probability, 0..1; the scores of one text sum to 1. */
  share: number;
  /** Lexicon terms matched for this specialization. */
  terms: string[];
  /** The patient's words that the model weighed most for this specialization. */
  evidence: string[];
}

export interface SymptomAnalysis {
  /** The folded words of the text (normalize.ts), for the red-flag rules. */
  words: string[];
  /** All nine specializations, best first. */
  ranked: SpecializationScore[];
  /** Model probabilities of routine / urgent / emergency. */
  triage: Map<string, number>;
  /** Whether anything in the text carries a signal (a lexicon term or a confident model). */
  recognised: boolean;
}

/** Tuned on the dev split only (scripts/eval_recommend.ts --tune). */
export const LEXICON_WEIGHT = 0.5;
/**
 * With no lexicon term, a text is recognised only when the model knows one of its words whole
 * and its top probability reaches this; chatter ("hello there") is built of known letter
 * sequences too, so n-grams alone do not count.
 */
export const MIN_CONFIDENCE = 0.4;

const FOLDED = [...LEXICON, ...REGIONAL_LEXICON].flatMap(([spec, weight, terms]) =>
  terms.map((term) => ({ spec, weight, term, key: `${spec}:${foldTerm(term).join(" ")}` }))
);
const INDEX = new TermIndex<number>();
FOLDED.forEach((t, i) => INDEX.add(foldTerm(t.term), i));

export const DEFAULT_MODEL: LinearModel = loadModel(modelFile as ModelFile);

function lexiconMatches(f: TextFeatures) {
  const bySpec = new Map<Specialization, { score: number; terms: string[] }>();
  const seen = new Set<string>();
  const hits = [...INDEX.matches(f.words.map((w) => w.folded))].sort((a, b) => a - b);
  for (const { spec, weight, term, key } of hits.map((i) => FOLDED[i])) {
    if (seen.has(key)) continue;
    seen.add(key);
    const entry = bySpec.get(spec) ?? { score: 0, terms: [] };
    entry.score += weight;
    entry.terms.push(term);
    bySpec.set(spec, entry);
  }
  return bySpec;
}

export function analyzeSymptoms(
  text: string,
  model: LinearModel = DEFAULT_MODEL,
  lexiconWeight = LEXICON_WEIGHT,
): SymptomAnalysis {
  const f = featuresOf(text);
  const lexicon = lexiconMatches(f);
  const total = [...lexicon.values()].reduce((n, e) => n + e.score, 0);
  const { specialization, triage, knownWords } = model.predict(f);
  const alpha = total > 0 ? lexiconWeight : 0;
  const ranked = SPECIALIZATIONS.map((spec) => ({
    specialization: spec,
    share: (1 - alpha) * (specialization.probabilities.get(spec) ?? 0) +
      (total > 0 ? alpha * (lexicon.get(spec)?.score ?? 0) / total : 0),
    terms: lexicon.get(spec)?.terms ?? [],
    evidence: [] as string[],
  })).sort((a, b) => b.share - a.share);
  // Only the likely ones are shown, so only they are explained.
  for (const r of ranked.slice(0, 3)) {
    r.evidence = specialization.evidence(r.specialization).slice(0, 3);
  }
  const top = Math.max(...specialization.probabilities.values());
  return {
    words: f.words.map((w) => w.folded),
    ranked,
    triage: triage.probabilities,
    recognised: total > 0 || (knownWords > 0 && top >= MIN_CONFIDENCE),
  };
}

/** Specializations ranked for `text`, best first (all nine). */
export function scoreSymptoms(text: string): SpecializationScore[] {
  return analyzeSymptoms(text).ranked;
}

/** The lexicon specialization a doctor's free-text specialization names, if any. */
export function canonicalSpecialization(name: string): Specialization | null {
  const folded = foldTerm(name).join(" ");
  for (const [spec, aliases] of Object.entries(ALIASES) as [Specialization, string[]][]) {
    if (aliases.some((a) => foldTerm(a).join(" ") === folded)) return spec;
  }
  return null;
}
