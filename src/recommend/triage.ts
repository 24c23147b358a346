/**
 * Safety triage of a symptom text: `emergency` when a red-flag rule fires (red_flags.ts),
 * `urgent` when an urgent rule fires or the trained model is nearly sure the text describes an
 * emergency that no rule caught (a safety net: the patient is told to see a doctor today), else
 * `routine`. Rules decide because they are reviewable and do not depend on training data; on the
 * dev split the model's triage head alone raised more false alarms than it caught, so it only
 * ever raises a routine answer to urgent. Pure and synchronous.
 */
import { containsTerm, tokenize } from "./normalize.ts";
import {
  RED_FLAGS,
  type RedFlag,
  RULES,
  URGENT_FLAGS,
  URGENT_RULES,
  type UrgentFlag,
} from "./red_flags.ts";

export type Triage = "emergency" | "urgent" | "routine";

export interface TriageResult {
  triage: Triage;
  /** Rules that fired (empty when only the model decided). */
  flags: (RedFlag | UrgentFlag)[];
}

/** Tuned on the dev split only (scripts/eval_recommend.ts). */
export const MODEL_EMERGENCY_PROBABILITY = 0.95;

interface Alternative {
  words: string[];
  exact: boolean;
}
type Rule = Alternative[][];

function compile(rule: string): Rule {
  return rule.split(" & ").map((group) =>
    group.split("|").map((alt) => ({ words: tokenize(alt), exact: alt.endsWith("=") }))
      .filter((a) => a.words.length > 0)
  );
}

function occurs(words: string[], alt: Alternative): boolean {
  if (!alt.exact) return containsTerm(words, alt.words);
  const n = alt.words.length;
  for (let i = 0; i + n <= words.length; i++) {
    if (alt.words.every((w, j) => words[i + j] === w)) return true;
  }
  return false;
}

const EMERGENCY: [RedFlag, Rule[]][] = RED_FLAGS.map((f) => [f, RULES[f].map(compile)]);
const URGENT: [UrgentFlag, Rule[]][] = URGENT_FLAGS.map((f) => [f, URGENT_RULES[f].map(compile)]);

function fired<F extends string>(table: [F, Rule[]][], words: string[]): F[] {
  return table.filter(([, rules]) =>
    rules.some((groups) => groups.every((alts) => alts.some((alt) => occurs(words, alt))))
  ).map(([flag]) => flag);
}

/** The red flags whose rules fire on the folded `words`. */
export function redFlags(words: string[]): RedFlag[] {
  return fired(EMERGENCY, words);
}

export function assessTriage(words: string[], model: Map<string, number>): TriageResult {
  const flags = redFlags(words);
  if (flags.length > 0) return { triage: "emergency", flags };
  const signs = fired(URGENT, words);
  if (signs.length > 0 || (model.get("emergency") ?? 0) >= MODEL_EMERGENCY_PROBABILITY) {
    return { triage: "urgent", flags: signs };
  }
  return { triage: "routine", flags: [] };
}
