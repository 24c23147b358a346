import assert from "node:assert/strict";
import { langFromAcceptLanguage, t } from "../../src/i18n/messages.ts";
import { localizeProblem } from "../../src/i18n/problems.ts";
import { patientLanguageFromAcceptLanguage } from "../../src/i18n/patient_templates.ts";

Deno.test("langFromAcceptLanguage() honours q-values and region tags, else English", () => {
  assert.equal(langFromAcceptLanguage("hi-IN,hi;q=0.9,en;q=0.8"), "hi");
  assert.equal(langFromAcceptLanguage("en;q=0.5, hi;q=0.9"), "hi");
  assert.equal(langFromAcceptLanguage("fr, hi;q=0.1"), "hi");
  assert.equal(langFromAcceptLanguage("hi;q=0"), "en", "q=0 means not acceptable");
  assert.equal(langFromAcceptLanguage("ta, fr"), "en");
  assert.equal(langFromAcceptLanguage(undefined), "en");
});

Deno.test("localizeProblem() keeps English as raised and uses the catalogue otherwise", () => {
  const english = { title: "Conflict", detail: "That slot is held by someone else" };
  assert.deepEqual(localizeProblem("en", "slot_unavailable", english), english);
  assert.deepEqual(localizeProblem("hi", "slot_unavailable", english), {
    title: t("hi", "problem.slot_unavailable.title"),
    detail: t("hi", "problem.slot_unavailable.detail"),
  });
  assert.equal(localizeProblem("hi", "no_such_code", english).title, "अनुरोध पूरा नहीं हुआ");
});

Deno.test("patientLanguageFromAcceptLanguage() picks among the patient languages", () => {
  assert.equal(patientLanguageFromAcceptLanguage("ta-IN,ta;q=0.9,en;q=0.8"), "ta");
  assert.equal(patientLanguageFromAcceptLanguage("fr, bn;q=0.2"), "bn");
  assert.equal(patientLanguageFromAcceptLanguage("gu-IN"), "gu");
  assert.equal(patientLanguageFromAcceptLanguage("pa-Guru-IN,pa;q=0.9,hi;q=0.8"), "pa");
  assert.equal(patientLanguageFromAcceptLanguage("fr, or;q=0.3, en;q=0.2"), "or");
  assert.equal(patientLanguageFromAcceptLanguage("as-IN"), "en", "Assamese is not offered");
  assert.equal(patientLanguageFromAcceptLanguage(null), "en");
});

Deno.test("patientLanguageFromAcceptLanguage() gives Gurmukhi Punjabi only to readers of Gurmukhi", () => {
  // Shahmukhi (Punjabi in Arabic script, Pakistan's) readers cannot read our Gurmukhi texts.
  assert.equal(patientLanguageFromAcceptLanguage("pa-Arab"), "en");
  assert.equal(patientLanguageFromAcceptLanguage("pa-Arab-PK,en;q=0.5"), "en");
  assert.equal(patientLanguageFromAcceptLanguage("pa-PK, hi;q=0.4"), "hi", "pa-PK is Shahmukhi");
  assert.equal(patientLanguageFromAcceptLanguage("pa-Guru-PK"), "pa", "Gurmukhi asked by name");
  assert.equal(patientLanguageFromAcceptLanguage("pa-Guru-IN"), "pa");
  assert.equal(patientLanguageFromAcceptLanguage("pa-IN;q=0.5,en-US;q=0.9"), "en");
});

Deno.test("patientLanguageFromAcceptLanguage() reads CLDR's aliases of a language", () => {
  assert.equal(patientLanguageFromAcceptLanguage("ory-IN"), "or", "ory is CLDR's alias of or");
  assert.equal(patientLanguageFromAcceptLanguage("ory"), "or");
  assert.equal(patientLanguageFromAcceptLanguage("*, ta;q=0.5"), "ta");
  assert.equal(patientLanguageFromAcceptLanguage("x-klingon, hi_IN, bn;q=0.5"), "bn");
  assert.equal(langFromAcceptLanguage("hi-IN,hi;q=0.9,en;q=0.8"), "hi");
});

Deno.test("bestLanguage() takes the optional whitespace before a range's ';q='", () => {
  // RFC 9110: weight = OWS ";" OWS "q=" qvalue
  assert.equal(patientLanguageFromAcceptLanguage("gu ;q=0.9, en;q=0.8"), "gu");
  assert.equal(langFromAcceptLanguage("hi ; q=0.9, en;q=0.8"), "hi");
});

Deno.test("bestLanguage() reads only a header's first 32 ranges, so a long one costs no more", () => {
  // Each unseen range with subtags is read through Intl.Locale (~10 µs); browsers send under ten.
  const filler = Array.from({ length: 32 }, (_, i) => `x${i}-${i}`).join(",");
  assert.equal(patientLanguageFromAcceptLanguage(`${filler},gu`), "en");
  assert.equal(patientLanguageFromAcceptLanguage(`gu;q=0.1,${filler}`), "gu");
  const long = Array.from({ length: 2000 }, (_, i) => `pa-x-${i.toString(36)}`).join(",");
  assert.equal(langFromAcceptLanguage(long), "en");
});
