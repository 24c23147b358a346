import assert from "node:assert/strict";
import {
  isGsm7,
  maxLength,
  MESSAGE_KINDS,
  PATIENT_LANGUAGES,
  patientLanguage,
  patientMessage,
  renderPatientMessage,
} from "../../../src/i18n/patient_templates.ts";
import { whatsappContent } from "../../../src/notify/whatsapp_templates.ts";
import { holdCodeMessage } from "../../../src/i18n/code_templates.ts";
import { formatDate, formatWhen } from "../../../src/i18n/patient_templates.ts";
import { hasLocaleData, patientDateFormat } from "../../../src/i18n/patient_dates.ts";
import { formatClock } from "../../../src/ui/views/book/format.ts";
import { SCRIPT_OF } from "../_scripts.ts";

const START = Date.parse("2026-12-01T03:30:00.000Z"); // 09:00 in Asia/Kolkata
const LONG_NAME = "Dr. Venkatanarasimharajuvaripeta Subrahmanya Lakshminarayana Sastry";
const ZONES = ["Asia/Kolkata", "America/Los_Angeles", "Asia/Kathmandu"];

Deno.test("renderPatientMessage() renders every kind in every language within channel limits", () => {
  assert.deepEqual(
    [...PATIENT_LANGUAGES],
    ["en", "hi", "ta", "te", "kn", "ml", "bn", "mr", "gu", "pa", "or"],
  );
  let rendered = 0;
  for (const lang of PATIENT_LANGUAGES) {
    for (const kind of MESSAGE_KINDS) {
      for (const timeZone of ZONES) {
        const body = renderPatientMessage(kind, lang, {
          doctorName: LONG_NAME,
          startMs: START,
          date: "2026-12-01",
          timeZone,
        });
        assert.ok(!/[{}]/.test(body), `${lang}/${kind} left a placeholder: ${body}`);
        assert.ok(body.startsWith("Vaidya:"), `${lang}/${kind}`);
        for (const channel of ["sms", "whatsapp"] as const) {
          assert.ok(
            body.length <= maxLength(channel, body),
            `${lang}/${kind}/${timeZone} is ${body.length} chars, over the ${channel} limit`,
          );
        }
        if (lang !== "en") {
          assert.ok(!isGsm7(body), `${lang}/${kind} should be in native script`);
          assert.match(body, SCRIPT_OF[lang], `${lang}/${kind} is not in its own script`);
          assert.ok(body.length <= 201, `${lang}/${kind} over 3 UCS-2 segments`);
        }
        rendered++;
      }
    }
  }
  assert.equal(rendered, PATIENT_LANGUAGES.length * MESSAGE_KINDS.length * ZONES.length);
});

Deno.test("formatWhen(), formatDate() and formatClock() name days, months and am/pm in Gujarati, Punjabi and Odia", () => {
  const la = "America/Los_Angeles";
  const expected = {
    gu: { when: /^મંગળ, 1 ડિસે.* 9:00/, la: /^સોમ, 30 નવે.* 7:30 .*GMT-8$/, date: /^બુધ, 16 સપ્ટે$/ },
    pa: {
      when: /^ਮੰਗਲ, 1 ਦਸੰ, 9:00 ਪੂ\.ਦੁ\.$/,
      la: /^ਸੋਮ, 30 ਨਵੰ, 7:30 ਬਾ\.ਦੁ\. GMT-8$/,
      date: /^ਬੁੱਧ, 16 ਸਤੰ$/,
    },
    or: {
      when: /^ମଙ୍ଗଳ, 1 ଡିସେମ୍ବର, 9:00 AM$/,
      la: /^ସୋମ, 30 ନଭେମ୍ବର, 7:30 PM GMT-8$/,
      date: /^ବୁଧ, 16 ସେପ୍ଟେମ୍ବର$/,
    },
  } as const;
  for (
    const [lang, want] of Object.entries(expected) as [
      keyof typeof expected,
      typeof expected[keyof typeof expected],
    ][]
  ) {
    const texts = {
      when: formatWhen(START, lang, "Asia/Kolkata"),
      la: formatWhen(START, lang, la),
      date: formatDate("2026-09-16", lang),
    };
    for (const [k, text] of Object.entries(texts) as [keyof typeof texts, string][]) {
      assert.match(text, want[k], `${lang} ${k}: ${text}`);
      assert.doesNotMatch(text, /\bM\d|Mon|Tue|Wed|Nov|Dec|Sep/, `${lang} ${k}: ${text}`);
    }
  }
  assert.match(formatClock(START, "pa", "Asia/Kolkata"), /^9:00 ਪੂ\.ਦੁ\.$/);
  assert.equal(formatClock(START + 9 * 3600_000, "or", "Asia/Kolkata"), "6:00 PM");
});

Deno.test("patientDateFormat() is Intl's own formatter where the runtime has the locale's data", () => {
  const options = {
    timeZone: "Asia/Kolkata",
    weekday: "short",
    day: "numeric",
    month: "short",
  } as const;
  for (const lang of PATIENT_LANGUAGES.filter(hasLocaleData)) {
    assert.equal(
      patientDateFormat(lang, options).format(START),
      new Intl.DateTimeFormat(`${lang}-IN`, options).format(START),
      lang,
    );
  }
  assert.ok(hasLocaleData("gu") && hasLocaleData("hi") && hasLocaleData("bn"));
});

Deno.test("renderPatientMessage() shows the time in the patient's zone and locale", () => {
  const en = renderPatientMessage("confirmed", "en", {
    doctorName: "Dr. Asha",
    startMs: START,
    timeZone: "Asia/Kolkata",
  });
  assert.match(en, /9:00\s?am/i);
  const la = renderPatientMessage("confirmed", "en", {
    doctorName: "Dr. Asha",
    startMs: START,
    timeZone: "America/Los_Angeles",
  });
  assert.match(
    la,
    /30 Nov.*7:30\s?pm GMT-8/i,
    "the evening before, in Los Angeles, with the zone named",
  );
  const hi = renderPatientMessage("confirmed", "hi-IN", {
    doctorName: "Dr. Asha",
    startMs: START,
    timeZone: "Asia/Kolkata",
  });
  assert.match(hi, /पूर्वाह्न|AM|am/);
  assert.match(hi, /पक्का/);
});

Deno.test("patientLanguage() picks the primary subtag and falls back to English", () => {
  assert.equal(patientLanguage("ta-IN"), "ta");
  assert.equal(patientLanguage("ML"), "ml");
  assert.equal(patientLanguage("pa-Guru-IN"), "pa");
  assert.equal(patientLanguage("or"), "or");
  assert.equal(patientLanguage("gu_IN"), "gu");
  assert.equal(patientLanguage("fr"), "en");
  assert.equal(patientLanguage(undefined), "en");
});

Deno.test("maxLength() allows three GSM-7 or three UCS-2 segments for SMS, 1024 on WhatsApp", () => {
  assert.equal(maxLength("sms", "plain text"), 459);
  assert.equal(maxLength("sms", "हिन्दी"), 201);
  assert.equal(maxLength("whatsapp", "हिन्दी"), 1024);
});

Deno.test("whatsappContent() fills an English fallback template with English values, not the patient's script", () => {
  const params = { doctorName: "Dr. Asha Menon", startMs: Date.UTC(2026, 11, 9, 4, 30) };
  const templates = {
    confirmed: { en: { contentSid: "HX" + "3".repeat(32), variables: ["doctor", "when"] } },
  };
  const english = patientMessage("confirmed", "en", { ...params, timeZone: "Asia/Kolkata" });
  for (const language of ["hi", "ta", "bn"]) {
    const { template } = patientMessage("confirmed", language, {
      ...params,
      timeZone: "Asia/Kolkata",
    });
    const content = whatsappContent(templates, template);
    assert.ok(content, "the English template is used");
    const vars = JSON.parse(content.contentVariables);
    assert.equal(vars["2"], english.template.values.when, `${language}: an English sentence`);
    assert.equal(vars["1"], "Dr. Asha Menon");
  }
});

Deno.test("whatsappContent() fills the English fallback of a hold code with an English time", () => {
  const p = {
    code: "482913",
    validSeconds: 300,
    doctorName: "Dr. Asha Menon",
    startMs: Date.UTC(2026, 11, 9, 4, 30),
    timeZone: "Asia/Kolkata",
  };
  const templates = {
    hold_code: {
      en: { contentSid: "HX" + "4".repeat(32), variables: ["code", "minutes", "doctor", "when"] },
    },
  };
  const content = whatsappContent(templates, holdCodeMessage("ta", p).template);
  const vars = JSON.parse(content!.contentVariables);
  assert.equal(vars["4"], holdCodeMessage("en", p).template.values.when);
  assert.equal(vars["1"], "482913");
});

Deno.test("renderPatientMessage() puts a doctor's name in as written, '$' and braces included", () => {
  const params = { startMs: START, date: "2026-12-01", timeZone: "Asia/Kolkata" };
  for (const lang of PATIENT_LANGUAGES) {
    for (const doctorName of ["Dr. A$'", "Dr. $`Rao", "Dr. $& {when}"]) {
      const body = renderPatientMessage("confirmed", lang, { doctorName, ...params });
      assert.ok(body.includes(doctorName), `${lang}: ${body}`);
      assert.ok(body.includes(formatWhen(START, lang, "Asia/Kolkata")), `${lang}: ${body}`);
      assert.equal(body.split("Vaidya:").length, 2, `${lang}: ${body}`);
    }
  }
});

Deno.test("formatWhen() names no zone for India's time under either of its IANA names", () => {
  for (const lang of ["en", "hi", "gu"] as const) {
    assert.equal(
      formatWhen(START, lang, "Asia/Calcutta"),
      formatWhen(START, lang, "Asia/Kolkata"),
      `${lang}: Asia/Calcutta (the older name a phone may report) reads like Asia/Kolkata`,
    );
  }
  assert.match(formatWhen(START, "en", "Asia/Dubai"), /GST|GMT\+4/, "other zones still say which");
});

Deno.test("formatWhen() names no zone for India's time under any spelling the zone check takes", () => {
  // PUT /v1/me takes any name Intl resolves: "IST" and lower case are India's zone too.
  for (const zone of ["IST", "asia/kolkata", "ASIA/CALCUTTA"]) {
    assert.equal(formatWhen(START, "en", zone), formatWhen(START, "en", "Asia/Kolkata"), zone);
  }
});
