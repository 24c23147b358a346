/**
 * Features of a symptom text for the trained model. Each folded word (normalize.ts) gives its
 * whole form, its sound key (phonetic_key.ts: the same Latin spelling for बुखार, "bukhaar" and
 * "bukhar"), the key's consonant skeleton (so SMS spellings without vowels, "drd" for "dard",
 * meet the full word) and the character n-grams of 2 to 4 letters of the key inside word
 * boundaries ("<" and ">" mark the ends). So romanised Hindi shares its n-grams with the
 * Devanagari words it spells, and inflections and misspellings share most features. A word with
 * no key (Urdu's Arabic script) gives the n-grams of its folded form. Each feature remembers the
 * word it came from, so a prediction can be explained in the patient's own words.
 */
import { type Word, words } from "./normalize.ts";
import { phoneticKey } from "./phonetic_key.ts";

export const MIN_GRAM = 2;
export const MAX_GRAM = 4;

export interface TextFeatures {
  words: Word[];
  /** Feature → index of the first word that produced it. */
  features: Map<string, number>;
}

/** The key without its vowels after the first letter: "dard" → "drd", "kamar" → "kmr". */
export function skeleton(key: string): string {
  return key.length > 1 ? key[0] + key.slice(1).replace(/[aeiouy]/g, "") : key;
}

export function featuresOf(text: string): TextFeatures {
  const ws = words(text);
  const features = new Map<string, number>();
  ws.forEach((w, i) => {
    const add = (f: string) => {
      if (!features.has(f)) features.set(f, i);
    };
    add(`w:${w.folded}`);
    const key = phoneticKey(w.folded);
    if (key) {
      add(`k:${key}`);
      const bones = skeleton(key);
      if (bones.length >= 2) add(`s:${bones}`);
    }
    const chars = [...`<${key || w.folded}>`];
    for (let n = MIN_GRAM; n <= MAX_GRAM; n++) {
      for (let s = 0; s + n <= chars.length; s++) add(chars.slice(s, s + n).join(""));
    }
  });
  return { words: ws, features };
}
