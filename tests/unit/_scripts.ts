/**
 * The script each patient language is written in, so a test can tell a text in its own script
 * from English or from a neighbour's (Hindi pasted into the Punjabi catalogue, say). Typed
 * against PATIENT_LANGUAGES: a new language does not compile here until its script is named.
 */
import type { PatientLanguage } from "../../src/i18n/patient_templates.ts";

export const SCRIPT_OF: Record<Exclude<PatientLanguage, "en">, RegExp> = {
  hi: /\p{Script=Devanagari}/u,
  mr: /\p{Script=Devanagari}/u,
  ta: /\p{Script=Tamil}/u,
  te: /\p{Script=Telugu}/u,
  kn: /\p{Script=Kannada}/u,
  ml: /\p{Script=Malayalam}/u,
  bn: /\p{Script=Bengali}/u,
  gu: /\p{Script=Gujarati}/u,
  pa: /\p{Script=Gurmukhi}/u,
  or: /\p{Script=Oriya}/u,
};
