import assert from "node:assert/strict";
import { BOOK_LANGUAGE_NAMES, BOOK_LANGUAGES, bt } from "../../src/i18n/book_messages.ts";
import { en } from "../../src/i18n/book/en.ts";
import { SCRIPT_OF } from "./_scripts.ts";

const placeholders = (text: string) => [...text.matchAll(/\{\w+\}/g)].map((m) => m[0]).sort();

Deno.test("bt() has every /book text in every language, in its own script, with English's placeholders", () => {
  assert.deepEqual(
    [...BOOK_LANGUAGES],
    ["en", "hi", "ta", "te", "kn", "ml", "bn", "mr", "gu", "pa", "or"],
  );
  let checked = 0;
  for (const lang of BOOK_LANGUAGES) {
    for (const id of Object.keys(en) as (keyof typeof en)[]) {
      const text = bt(lang, id);
      assert.equal(typeof text, "string", `${lang}/${id} is missing`);
      assert.ok(text.trim().length > 0, `${lang}/${id} is empty`);
      assert.deepEqual(placeholders(text), placeholders(en[id]), `${lang}/${id} placeholders`);
      if (lang !== "en") {
        assert.match(text, SCRIPT_OF[lang], `${lang}/${id} is not in its script: ${text}`);
      }
      checked++;
    }
    if (lang !== "en") assert.match(BOOK_LANGUAGE_NAMES[lang], SCRIPT_OF[lang]);
  }
  assert.equal(checked, BOOK_LANGUAGES.length * Object.keys(en).length);
});
