/**
 * Safety triage of a symptom text: `emergency` when a red-flag rule fires (red_flags.ts),
 * `urgent` when an urgent rule fires or the trained model is nearly sure the text describes an
 * emergency that no rule caught (a safety net: the patient is told to see a doctor today), else
 * `routine`. Rules decide because they are reviewable and do not depend on training data; on the
 * dev split the model's triage head alone raised more false alarms than it caught, so it only
 * ever raises a routine answer to urgent. Pure and synchronous.
 */
import { tokenize } from "./normalize.ts";
import {
  RED_FLAGS,
  type RedFlag,
  RULES,
  URGENT_FLAGS,
  URGENT_RULES,
  type UrgentFlag,
} from "./red_flags.ts";
import { TermIndex } from "./term_index.ts";

export type Triage = "emergency" | "urgent" | "routine";

export interface TriageResult {
  triage: Triage;
  /** Rules that fired (empty when only the model decided). */
  flags: (RedFlag | UrgentFlag)[];
}

/** Tuned on the dev split only (scripts/eval_recommend.ts). */
export const MODEL_EMERGENCY_PROBABILITY = 0.95;

/** Every alternative of every rule group in one index; a group is satisfied when one matches. */
const INDEX = new TermIndex<number>();
let groups = 0;

/** Compiles "a|b & c|d" into the ids of its groups. */
function compile(rule: string): number[] {
  return rule.split(" & ").map((group) => {
    const id = groups++;
    for (const alt of group.split("|")) INDEX.add(tokenize(alt), id, alt.endsWith("="));
    return id;
  });
}

const EMERGENCY: [RedFlag, number[][]][] = RED_FLAGS.map((f) => [f, RULES[f].map(compile)]);
const URGENT: [UrgentFlag, number[][]][] = URGENT_FLAGS.map((f) => [
  f,
  URGENT_RULES[f].map(compile),
]);

function fired<F extends string>(table: [F, number[][]][], matched: Set<number>): F[] {
  return table.filter(([, rules]) => rules.some((ids) => ids.every((id) => matched.has(id))))
    .map(([flag]) => flag);
}

/** The red flags whose rules fire on the folded `words`. */
export function redFlags(words: string[]): RedFlag[] {
  return fired(EMERGENCY, INDEX.matches(words));
}

export function assessTriage(words: string[], model: Map<string, number>): TriageResult {
  const matched = INDEX.matches(words);
  const flags = fired(EMERGENCY, matched);
  if (flags.length > 0) return { triage: "emergency", flags };
  const signs = fired(URGENT, matched);
  if (signs.length > 0 || (model.get("emergency") ?? 0) >= MODEL_EMERGENCY_PROBABILITY) {
    return { triage: "urgent", flags: signs };
  }
  return { triage: "routine", flags: [] };
}
