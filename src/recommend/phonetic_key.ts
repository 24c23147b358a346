/**
 * A script-independent sound key for a folded word (normalize.ts), so that romanised Hindi meets
 * the Devanagari words it spells: बुखार and "bukhaar" both key to "bukar", पेट में दर्द and
 * "pait mein dard" to "pet men dard". Native words (every Brahmic script is already folded onto
 * Devanagari) are romanised letter by letter with Hindi's inherent vowel and its deletion (final
 * and between a vowel-bearing syllable and the next vowel: कमजोरी → kamjori, धड़कन → dhadkan); the
 * result and Latin words then fold alike: foldLatin's variants (aspirates, sh, w/v, z/j, long
 * vowels, doubled letters), the diphthongs romanisers spell either way (ai/e, au/o, ei/e) and
 * v/b.
 * Arabic-script (Urdu) words have no key. Pure; no table here is tuned to a corpus.
 */
import { foldLatin } from "./normalize.ts";

const CONSONANTS: Record<string, string> = {
  "क": "k",
  "ख": "kh",
  "ग": "g",
  "घ": "gh",
  "ङ": "n",
  "च": "ch",
  "छ": "chh",
  "ज": "j",
  "झ": "jh",
  "ञ": "n",
  "ट": "t",
  "ठ": "th",
  "ड": "d",
  "ढ": "dh",
  "ण": "n",
  "त": "t",
  "थ": "th",
  "द": "d",
  "ध": "dh",
  "न": "n",
  "ऩ": "n", // Tamil ன
  "प": "p",
  "फ": "ph",
  "ब": "b",
  "भ": "bh",
  "म": "m",
  "य": "y",
  "र": "r",
  "ऱ": "r", // Tamil, Telugu, Malayalam alveolar r
  "ल": "l",
  "ळ": "l",
  "ऴ": "l", // Tamil and Malayalam ழ
  "व": "v",
  "श": "sh",
  "ष": "sh",
  "स": "s",
  "ह": "h",
};

/** Independent vowels and vowel signs (matras). */
const VOWELS: Record<string, string> = {
  "अ": "a",
  "आ": "aa",
  "इ": "i",
  "ई": "ii",
  "उ": "u",
  "ऊ": "uu",
  "ऋ": "ri",
  "ऎ": "e",
  "ए": "e",
  "ऐ": "ai",
  "ऑ": "o",
  "ऒ": "o",
  "ओ": "o",
  "औ": "au",
  "ा": "aa",
  "ि": "i",
  "ी": "ii",
  "ु": "u",
  "ू": "uu",
  "ृ": "ri",
  "ॅ": "e",
  "ॆ": "e",
  "े": "e",
  "ै": "ai",
  "ॉ": "o",
  "ॊ": "o",
  "ो": "o",
  "ौ": "au",
};

/** Malayalam chillu letters (a consonant with no vowel), after the fold onto U+097A–U+097F. */
const CHILLU: Record<string, string> = {
  "\u097a": "n",
  "\u097b": "n",
  "\u097c": "r",
  "\u097d": "l",
  "\u097e": "l",
  "\u097f": "k",
};

const VIRAMA = "\u094d";
const NASALS = new Set(["\u0902", "\u0903"]); // anusvara (chandrabindu is folded into it), visarga

interface Syllable {
  consonant: string;
  /** The vowel written after the consonant; null is the inherent vowel, "" a virama. */
  vowel: string | null;
  coda: string;
}

/** The Devanagari (folded) `word` in Latin letters, with Hindi's inherent-vowel deletion. */
export function romanize(word: string): string {
  const syllables: Syllable[] = [];
  for (const ch of word) {
    const last = syllables[syllables.length - 1];
    if (CONSONANTS[ch] !== undefined) {
      syllables.push({ consonant: CONSONANTS[ch], vowel: null, coda: "" });
    } else if (CHILLU[ch] !== undefined) {
      syllables.push({ consonant: CHILLU[ch], vowel: "", coda: "" });
    } else if (VOWELS[ch] !== undefined) {
      const sign = ch.codePointAt(0)! >= 0x093e;
      if (sign && last && last.vowel === null && last.consonant) last.vowel = VOWELS[ch];
      else syllables.push({ consonant: "", vowel: VOWELS[ch], coda: "" });
    } else if (ch === VIRAMA) {
      if (last && last.vowel === null) last.vowel = "";
    } else if (NASALS.has(ch)) {
      if (last) last.coda += ch === "\u0902" ? "n" : "h";
    } else if (/[a-z0-9]/.test(ch)) {
      syllables.push({ consonant: ch, vowel: "", coda: "" });
    }
  }
  const voiced = (s: Syllable | undefined) => !!s && s.vowel !== "";
  // Right to left: a final inherent vowel goes; a medial one goes between a vowel-bearing
  // syllable and a consonant that carries its own vowel (समझना → samajhna, not samjhna).
  for (let i = syllables.length - 1; i >= 0; i--) {
    const s = syllables[i];
    if (s.vowel !== null || !s.consonant) continue;
    const last = i === syllables.length - 1;
    const between = i > 0 && voiced(syllables[i - 1]) && syllables[i - 1].coda === "" &&
      voiced(syllables[i + 1]) && !!syllables[i + 1]?.consonant;
    s.vowel = (last && i > 0 && s.coda === "") || between ? "" : "a";
  }
  return syllables.map((s) => s.consonant + (s.vowel ?? "a") + s.coda).join("");
}

/**
 * What romanisers write either way, folded on top of foldLatin: the diphthongs (ai/e, ei/e,
 * au/o, ou/o) and v for b (the script fold writes Bengali's and Odia's one letter for va and ba
 * as ब, so every व arrives as ब).
 */
function foldSounds(latin: string): string {
  return latin.replace(/ai|ei|ay/g, "e").replace(/au|ou|ow/g, "o").replace(/v/g, "b")
    .replace(/(.)\1+/g, "$1");
}

/**
 * The sound key of a folded word: a Latin word (already through foldLatin) folds its sounds;
 * Devanagari (every Brahmic script after folding) is romanised and folded like Latin first;
 * other scripts (Urdu) have no key ("").
 */
export function phoneticKey(folded: string): string {
  if (/^[a-z0-9]+$/.test(folded)) return foldSounds(folded);
  if (/[\u0900-\u097f]/.test(folded)) return foldSounds(foldLatin(romanize(folded)));
  return "";
}
