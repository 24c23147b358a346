/**
 * Text normalisation shared by the lexicon, the red-flag rules and the trained model, so all
 * three see one spelling of a word. Steps: Unicode NFKC and lower case; every Brahmic script
 * (Bengali, Gurmukhi, Gujarati, Odia, Tamil, Telugu, Kannada, Malayalam) mapped onto the
 * Devanagari code points it parallels (Unicode laid these blocks out alike, so জ্বর, ਜ੍ਵਰ and
 * ज्वर meet); nukta dropped, chandrabindu and Gurmukhi tippi folded into anusvara, joiners
 * removed; Arabic-script (Urdu) letter variants unified and vowel marks dropped; every digit
 * becomes 0 and punctuation a word break. Latin words (English and romanised Indian languages)
 * lose diacritics and fold common romanisation variants: aspirates lose their h (kh→k, bh→b),
 * sh→s, zh→l (Tamil), w→v, z→j, q→k, ee→i, oo→u and doubled letters collapse (bukhaar → bukar).
 */

const LATIN = /[a-z]/;
const BRAHMIC_FIRST = 0x0980;
const BRAHMIC_LAST = 0x0d7f;

export function foldLatin(word: string): string {
  return word
    .normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
    .replace(/zh/g, "l").replace(/sh/g, "s").replace(/ee/g, "i").replace(/oo/g, "u")
    .replace(/ph/g, "f").replace(/ck/g, "k")
    .replace(/([bcdfgjklmnpqrstvwxyz])h+/g, "$1")
    .replace(/w/g, "v").replace(/z/g, "j").replace(/q/g, "k").replace(/x/g, "ks")
    .replace(/(.)\1+/g, "$1");
}

/** Maps one code point of an Indic or Arabic script onto its folded form ("" drops it). */
function foldCodePoint(original: number): string {
  // Gurmukhi tippi (ੰ) is a nasal like anusvara; addak (ੱ) doubles the next consonant.
  if (original === 0x0a70) return "\u0902";
  if (original === 0x0a71) return "";
  const brahmic = original >= BRAHMIC_FIRST && original <= BRAHMIC_LAST;
  const cp = brahmic ? 0x0900 + (original & 0x7f) : original;
  switch (cp) {
    case 0x093c: // nukta
    case 0x200c: // zero-width non-joiner
    case 0x200d: // zero-width joiner
    case 0x00ad: // soft hyphen
    case 0x0640: // Arabic tatweel
      return "";
    case 0x0901: // chandrabindu
      return "\u0902";
    case 0x0935: // va: Bengali and Odia write va and ba with one letter
      return "\u092c";
    case 0x064a: // Arabic yeh
    case 0x0649: // alef maksura
      return "\u06cc";
    case 0x0643: // Arabic kaf
      return "\u06a9";
    case 0x0647: // Arabic heh
    case 0x06c1: // heh goal
      return "\u06c1";
    case 0x06c2: // heh goal with hamza
      return "\u06c1";
    case 0x0629: // teh marbuta
      return "\u06c1";
  }
  if (cp >= 0x064b && cp <= 0x065f || cp === 0x0670) return ""; // Arabic vowel marks
  return String.fromCodePoint(cp);
}

function foldNative(word: string): string {
  let out = "";
  for (const ch of word) out += foldCodePoint(ch.codePointAt(0)!);
  // Nukta may sit in a composed letter (ज़ = U+095B); decomposing splits it off for the fold.
  return out.normalize("NFD").replace(/\u093c/g, "").normalize("NFC");
}

export interface Word {
  /** The word as the patient wrote it (NFKC, lower case). */
  surface: string;
  folded: string;
}

/** The words of `text`, each with its folded form; punctuation separates words, digits fold to 0. */
export function words(text: string): Word[] {
  return text.normalize("NFKC").toLowerCase()
    .split(/[^\p{L}\p{M}\p{N}\u200c\u200d]+/u)
    .filter((w) => w.length > 0)
    .map((surface) => {
      const w = surface.replace(/\p{Nd}/gu, "0");
      return { surface, folded: LATIN.test(w) ? foldLatin(w) : foldNative(w) };
    })
    .filter((w) => w.folded.length > 0);
}

/** The folded words of `text`. */
export function tokenize(text: string): string[] {
  return words(text).map((w) => w.folded);
}

/** A lexicon term as folded words. */
export function foldTerm(term: string): string[] {
  return tokenize(term);
}

/** Short words (≤ 3 Latin letters, ≤ 2 native code points) only ever match whole. */
export function isShortWord(word: string): boolean {
  return LATIN.test(word) ? word.length <= 3 : [...word].length <= 2;
}

/**
 * Whether the folded `term` occurs in the folded `words`: each term word must begin the matching
 * text word (so inflections match), except short words (isShortWord), which must match whole.
 * For many terms at once use TermIndex (term_index.ts), which matches the same way.
 */
export function containsTerm(words: string[], term: string[]): boolean {
  if (term.length === 0) return false;
  const fits = (w: string, t: string) => (isShortWord(t) ? w === t : w.startsWith(t));
  for (let i = 0; i + term.length <= words.length; i++) {
    if (term.every((t, j) => fits(words[i + j], t))) return true;
  }
  return false;
}
