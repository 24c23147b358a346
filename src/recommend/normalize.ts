/**
 * Text normalisation for symptom matching. Native scripts: NFC, nukta dropped (ज़ = ज) and
 * chandrabindu folded into anusvara (आँख = आंख). Latin script (English and romanised Hindi, Tamil,
 * Marathi): lower case, diacritics removed and transliteration folded so common spellings of one
 * word meet: aspirates lose their h (kh→k, bh→b, chh→c), sh→s, zh→l (Tamil), w→v, z→j, q→k, and
 * doubled letters collapse (bukhaar → bukar, kuzhandhai → kulandai, mootu → mutu).
 */

const LATIN = /[a-z]/;

export function foldLatin(word: string): string {
  return word
    .normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
    .replace(/zh/g, "l").replace(/sh/g, "s").replace(/ee/g, "i").replace(/oo/g, "u")
    .replace(/([bcdfgjklmnpqrstvwxyz])h/g, "$1")
    .replace(/w/g, "v").replace(/z/g, "j").replace(/q/g, "k").replace(/x/g, "ks")
    .replace(/(.)\1+/g, "$1");
}

function foldNative(word: string): string {
  return word.normalize("NFC").replace(/\u093c/g, "").replace(/\u0901/g, "\u0902");
}

/** The words of `text`, each folded; punctuation separates words. */
export function tokenize(text: string): string[] {
  return text.toLowerCase().normalize("NFC")
    .split(/[\s.,;:!?'"()[\]{}\/\\|\-–—_।॥]+/u)
    .filter((w) => w.length > 0)
    .map((w) => (LATIN.test(w) ? foldLatin(w) : foldNative(w)));
}

/** A lexicon term as folded words. */
export function foldTerm(term: string): string[] {
  return tokenize(term);
}

/**
 * Whether the folded `term` occurs in the folded `words`: each term word must begin the matching
 * text word (so inflections match), except short Latin words (≤ 3 letters) and short native
 * words (≤ 2 code points), which must match whole.
 */
export function containsTerm(words: string[], term: string[]): boolean {
  if (term.length === 0) return false;
  const fits = (w: string, t: string) => {
    const short = LATIN.test(t) ? t.length <= 3 : [...t].length <= 2;
    return short ? w === t : w.startsWith(t);
  };
  for (let i = 0; i + term.length <= words.length; i++) {
    if (term.every((t, j) => fits(words[i + j], t))) return true;
  }
  return false;
}
