import assert from "node:assert/strict";
import {
  courseCodeMessage,
  holdCodeMessage,
  loginCodeMessage,
} from "../../src/i18n/code_templates.ts";
import { isGsm7, maxLength, PATIENT_LANGUAGES } from "../../src/i18n/patient_templates.ts";
import { SCRIPT_OF } from "./_scripts.ts";

const START = Date.parse("2026-12-01T03:30:00.000Z");
const LONG_NAME = "Dr. Venkatanarasimharajuvaripeta Subrahmanya Lakshminarayana Sastry";
const ZONES = ["Asia/Kolkata", "America/Los_Angeles", "Asia/Kathmandu"];

Deno.test("code messages render in every language, carry the code, and fit three SMS segments", () => {
  let rendered = 0;
  for (const lang of PATIENT_LANGUAGES) {
    for (const timeZone of ZONES) {
      const bodies = {
        login: loginCodeMessage(lang, { code: "123456", validSeconds: 300 }).body,
        hold: holdCodeMessage(lang, {
          code: "123456",
          validSeconds: 600,
          doctorName: LONG_NAME,
          startMs: START,
          timeZone,
        }).body,
        course: courseCodeMessage(lang, {
          code: "123456",
          validSeconds: 600,
          doctorName: LONG_NAME,
          sessions: 14,
        }).body,
      };
      for (const [kind, body] of Object.entries(bodies)) {
        assert.ok(!/[{}]/.test(body), `${lang}/${kind} left a placeholder: ${body}`);
        assert.ok(body.startsWith("Vaidya:"), `${lang}/${kind}`);
        assert.ok(body.includes("123456"), `${lang}/${kind} lost the code`);
        assert.ok(
          body.length <= maxLength("sms", body),
          `${lang}/${kind}/${timeZone} is ${body.length} chars, over the SMS limit`,
        );
        if (lang !== "en") {
          assert.ok(!isGsm7(body), `${lang}/${kind} should be in native script`);
          assert.match(body, SCRIPT_OF[lang], `${lang}/${kind} is not in its own script`);
          assert.ok(body.length <= 201, `${lang}/${kind}/${timeZone} over 3 UCS-2 segments`);
        }
        rendered++;
      }
    }
  }
  assert.equal(rendered, PATIENT_LANGUAGES.length * 3 * ZONES.length);
});

Deno.test("holdCodeMessage() shows the start in the patient's zone and falls back to English", () => {
  const p = { code: "654321", validSeconds: 600, doctorName: "Dr. Asha", startMs: START };
  assert.match(
    holdCodeMessage("en", { ...p, timeZone: "Asia/Kolkata" }).body,
    /9:00\s?am.*10 min/i,
  );
  assert.match(
    holdCodeMessage("en", { ...p, timeZone: "America/Los_Angeles" }).body,
    /7:30\s?pm GMT-8/i,
  );
  assert.match(
    holdCodeMessage("fr-FR", { ...p, timeZone: "Asia/Kolkata" }).body,
    /^Vaidya: code 654321 confirms your visit with Dr\. Asha/,
  );
  assert.match(holdCodeMessage("hi-IN", { ...p, timeZone: "Asia/Kolkata" }).body, /पक्का करें/);
  assert.match(
    holdCodeMessage("pa-IN", { ...p, timeZone: "Asia/Kolkata" }).body,
    /^Vaidya: Dr\. Asha ਨਾਲ ਮੰਗਲ, 1 ਦਸੰ, 9:00 ਪੂ\.ਦੁ\. ਦਾ ਸਲਾਹ-ਮਸ਼ਵਰਾ ਪੱਕਾ ਕਰਨ ਲਈ ਕੋਡ 654321।/,
  );
});

Deno.test("loginCodeMessage() states the validity in whole minutes, at least one", () => {
  assert.match(loginCodeMessage("en", { code: "111111", validSeconds: 300 }).body, /in 5 minutes/);
  assert.match(loginCodeMessage("en", { code: "111111", validSeconds: 20 }).body, /in 1 minute/);
});
