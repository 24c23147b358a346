/**
 * Finds which of many folded terms (lexicon terms, red-flag alternatives) occur in a folded text
 * in one pass: terms are indexed by their first word, and each text word looks up only its own
 * prefixes, so the cost grows with the text, not with the number of terms. Matching follows
 * `containsTerm` in normalize.ts: every term word must begin the matching text word, except
 * short words (and terms marked exact), which must match whole, and words must be consecutive.
 */
import { isShortWord } from "./normalize.ts";

interface Indexed<T> {
  words: string[];
  whole: boolean[];
  value: T;
}

export class TermIndex<T> {
  #byFirst = new Map<string, Indexed<T>[]>();

  /** Adds a folded term; `exact` makes every word match whole. */
  add(words: string[], value: T, exact = false): void {
    if (words.length === 0) return;
    const entry = { words, whole: words.map((w) => exact || isShortWord(w)), value };
    const list = this.#byFirst.get(words[0]) ?? [];
    list.push(entry);
    this.#byFirst.set(words[0], list);
  }

  /** The values of every term occurring in the folded `text` words, in first-occurrence order. */
  matches(text: string[]): Set<T> {
    const found = new Set<T>();
    const fits = (word: string | undefined, term: string, whole: boolean) =>
      word !== undefined && (whole ? word === term : word.startsWith(term));
    for (let i = 0; i < text.length; i++) {
      const w = text[i];
      for (let n = 1; n <= w.length; n++) {
        const list = this.#byFirst.get(w.slice(0, n));
        if (!list) continue;
        for (const e of list) {
          if (e.whole[0] && n !== w.length) continue;
          let ok = true;
          for (let j = 1; ok && j < e.words.length; j++) {
            ok = fits(text[i + j], e.words[j], e.whole[j]);
          }
          if (ok) found.add(e.value);
        }
      }
    }
    return found;
  }
}
