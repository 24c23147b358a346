/**
 * The languages the recommender supports, as tags: English, Hindi in Devanagari and romanised
 * (hi-Latn), Bengali, Telugu, Marathi, Tamil, Gujarati, Kannada, Malayalam, Punjabi, Odia and
 * Urdu. The corpus has a file per tag and the advice a text per tag.
 */
export const LANGUAGES = [
  "en",
  "hi",
  "hi-Latn",
  "bn",
  "te",
  "mr",
  "ta",
  "gu",
  "kn",
  "ml",
  "pa",
  "or",
  "ur",
] as const;
export type Language = typeof LANGUAGES[number];
