/**
 * Features of a symptom text for the trained model: each folded word (normalize.ts) as a whole,
 * plus its character n-grams of 2 to 4 code points inside word boundaries ("<" and ">" mark the
 * ends), so inflections, misspellings and spelling variants share most features. Each feature
 * remembers the word it came from, so a prediction can be explained in the patient's own words.
 */
import { type Word, words } from "./normalize.ts";

export const MIN_GRAM = 2;
export const MAX_GRAM = 4;

export interface TextFeatures {
  words: Word[];
  /** Feature → index of the first word that produced it. */
  features: Map<string, number>;
}

export function featuresOf(text: string): TextFeatures {
  const ws = words(text);
  const features = new Map<string, number>();
  ws.forEach((w, i) => {
    const add = (f: string) => {
      if (!features.has(f)) features.set(f, i);
    };
    add(`w:${w.folded}`);
    const chars = [...`<${w.folded}>`];
    for (let n = MIN_GRAM; n <= MAX_GRAM; n++) {
      for (let s = 0; s + n <= chars.length; s++) add(chars.slice(s, s + n).join(""));
    }
  });
  return { words: ws, features };
}
