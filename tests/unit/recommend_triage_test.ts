/**
 * Safety triage in every supported language: red-flag descriptions (phrased afresh here, not
 * copied from the corpus) answer `emergency` with advice to call 112/108 in the patient's
 * language; everyday complaints stay routine. Pure functions, no server.
 */
import assert from "node:assert/strict";
import { adviceFor, adviceLanguage, disclaimerIn } from "../../src/recommend/advice.ts";
import { analyzeSymptoms } from "../../src/recommend/symptom_scorer.ts";
import { assessTriage, redFlags } from "../../src/recommend/triage.ts";
import { tokenize } from "../../src/recommend/normalize.ts";

function triage(text: string) {
  const a = analyzeSymptoms(text);
  return assessTriage(a.words, a.triage);
}

const CASES: Record<string, { emergency: [string, string][]; routine: string[] }> = {
  en: {
    emergency: [
      ["chest_pain", "pain in the middle of my chest since an hour, now my left arm feels heavy"],
      ["stroke", "grandpa's face is drooping on one side and his words are slurred"],
      ["breathing", "my wife cannot breathe properly and her lips look blue"],
      ["suicidal", "i feel like ending my life tonight"],
      ["snake_bite", "a snake bit my uncle on the ankle near the well"],
      ["poisoning", "my toddler swallowed rat poison from the shelf"],
      ["heavy_bleeding", "8 months pregnant and bleeding heavily since morning"],
      ["seizure", "he is having fits and there is froth at his mouth"],
      ["infant_fever", "2 months old baby with high fever, not feeding"],
    ],
    routine: ["mild acidity after dinner", "knees ache in winter", "dandruff and itchy scalp"],
  },
  hi: {
    emergency: [
      ["chest_pain", "छाती में दबाव सा दर्द है और बाएं हाथ में जा रहा है"],
      ["stroke", "मां का मुंह अचानक टेढ़ा हो गया"],
      ["suicidal", "मैं आत्महत्या करने की सोच रहा हूं"],
      ["snake_bite", "खेत में काम करते हुए सांप ने काटा"],
      ["seizure", "भाई को दौरा पड़ा है, मुंह से झाग निकल रहा है"],
    ],
    routine: ["कमर में हल्का दर्द रहता है", "बाल झड़ रहे हैं"],
  },
  "hi-Latn": {
    emergency: [
      ["chest_pain", "seene me dard hai jo baayein haath tak ja raha hai"],
      ["breathing", "dadi ke honth neele ho rahe hain saans nahi le pa rahi"],
      ["poisoning", "chacha ne zehar kha liya hai"],
      ["heavy_bleeding", "chot lagi hai khoon ruk nahi raha"],
    ],
    routine: ["pet me gas banti hai", "aankhon me jalan hoti hai"],
  },
  bn: {
    emergency: [
      ["chest_pain", "বুকে ব্যথা, বাঁ হাতে নামছে, খুব ঘাম হচ্ছে"],
      ["snake_bite", "পুকুর পাড়ে সাপে কামড় দিয়েছে"],
      ["suicidal", "আমি আত্মহত্যা করতে চাই"],
    ],
    routine: ["অনেক দিন ধরে কোমরে ব্যথা", "মাথায় খুশকি"],
  },
  te: {
    emergency: [
      ["breathing", "అమ్మకి ఊపిరి ఆడట్లేదు, పెదాలు నీలంగా ఉన్నాయి"],
      ["poisoning", "తాత పురుగుమందు తాగేశాడు"],
      ["seizure", "అక్కకి మూర్ఛ వచ్చింది, నోట్లో నురగ"],
    ],
    routine: ["మోకాళ్ళ నొప్పి ఎక్కువగా ఉంది", "జుట్టు రాలుతోంది"],
  },
  mr: {
    emergency: [
      ["stroke", "आजोबांचं तोंड अचानक वाकडं झालं"],
      ["snake_bite", "भाताच्या शेतात साप चावला"],
      ["heavy_bleeding", "गरोदर आहे आणि खूप रक्त जातंय"],
    ],
    routine: ["पित्ताचा त्रास होतो", "गुडघे दुखतात"],
  },
  ta: {
    emergency: [
      ["chest_pain", "நெஞ்சு வலி இடது கைக்கு போகுது"],
      ["suicidal", "தற்கொலை பண்ணிக்கணும்னு தோணுது"],
      ["infant_fever", "ரெண்டு மாச குழந்தைக்கு அதிக காய்ச்சல்"],
    ],
    routine: ["முதுகு வலி இருக்கு", "தலையில பொடுகு"],
  },
  gu: {
    emergency: [
      ["snake_bite", "વાડીમાં સાપ કરડી ગયો"],
      ["poisoning", "બાળક કેરોસીન પી ગયું"],
      ["breathing", "શ્વાસ લઈ શકાતો નથી, હોઠ ભૂરા છે"],
    ],
    routine: ["પેટમાં ગેસ થાય છે", "વાળ ખરે છે"],
  },
  kn: {
    emergency: [
      ["chest_pain", "ಎದೆ ನೋವು ಎಡ ಕೈಗೆ ಹರಡ್ತಿದೆ"],
      ["snake_bite", "ತೋಟದಲ್ಲಿ ಹಾವು ಕಚ್ಚಿತು"],
      ["suicidal", "ಆತ್ಮಹತ್ಯೆ ಮಾಡಿಕೊಳ್ಳುವ ಯೋಚನೆ ಬರ್ತಿದೆ"],
    ],
    routine: ["ಸೊಂಟ ನೋವು", "ಹೊಟ್ಟೆ ಉಬ್ಬರ"],
  },
  ml: {
    emergency: [
      ["snake_bite", "പറമ്പിൽ വെച്ച് പാമ്പ് കടിച്ചു"],
      ["suicidal", "ആത്മഹത്യ ചെയ്യാൻ തോന്നുന്നു"],
      ["breathing", "ശ്വാസം കിട്ടുന്നില്ല, ചുണ്ട് നീല നിറം"],
    ],
    routine: ["മുട്ടുവേദന ഉണ്ട്", "മുടി കൊഴിച്ചിൽ"],
  },
  pa: {
    emergency: [
      ["chest_pain", "ਛਾਤੀ ਵਿੱਚ ਦਰਦ ਖੱਬੀ ਬਾਂਹ ਵੱਲ ਜਾਂਦਾ, ਪਸੀਨਾ ਆ ਰਿਹਾ"],
      ["poisoning", "ਮਾਮਾ ਜੀ ਨੇ ਜ਼ਹਿਰ ਖਾ ਲਿਆ"],
      ["snake_bite", "ਖੇਤ ਵਿੱਚ ਸੱਪ ਨੇ ਡੱਸ ਲਿਆ"],
    ],
    routine: ["ਗੋਡਿਆਂ ਵਿੱਚ ਦਰਦ", "ਪੇਟ ਵਿੱਚ ਗੈਸ"],
  },
  or: {
    emergency: [
      ["snake_bite", "ବିଲରେ ସାପ କାମୁଡ଼ି ଦେଲା"],
      ["suicidal", "ଆତ୍ମହତ୍ୟା କରିବା କଥା ଭାବୁଛି"],
      ["chest_pain", "ଛାତିରେ ଯନ୍ତ୍ରଣା, ବାମ ହାତକୁ ଯାଉଛି"],
    ],
    routine: ["ଆଣ୍ଠୁ ବିନ୍ଧା", "ପେଟ ଫୁଲୁଛି"],
  },
  ur: {
    emergency: [
      ["chest_pain", "سینے میں درد بائیں بازو تک جا رہا ہے"],
      ["suicidal", "خودکشی کرنے کو دل کرتا ہے"],
      ["snake_bite", "کھیت میں سانپ نے کاٹ لیا"],
    ],
    routine: ["کمر میں درد رہتا ہے", "پیٹ میں گیس"],
  },
};

for (const [lang, { emergency, routine }] of Object.entries(CASES)) {
  Deno.test(`assessTriage() flags red flags in ${lang} and advises calling 112 in ${lang}`, () => {
    for (const [flag, text] of emergency) {
      const t = triage(text);
      assert.equal(t.triage, "emergency", `${text}: ${JSON.stringify(t)}`);
      assert.ok(t.flags.includes(flag as never), `${text}: expected ${flag}, got ${t.flags}`);
      assert.equal(adviceLanguage(text), lang, text);
      const advice = adviceFor("emergency", adviceLanguage(text))!;
      assert.match(advice, /112/);
      assert.match(advice, /108/);
    }
    for (const text of routine) {
      assert.equal(triage(text).triage, "routine", text);
      assert.equal(adviceFor("routine", adviceLanguage(text)), null);
    }
  });
}

Deno.test("assessTriage() answers urgent for signs that need a doctor today", () => {
  for (const text of ["fever for four days and not going down", "scorpion stung my foot"]) {
    assert.equal(triage(text).triage, "urgent", text);
  }
});

Deno.test("redFlags() needs the risky context, not one shared word", () => {
  for (
    const text of [
      "food poisoning after a party, loose motions", // poisoning of food is not a poison taken
      "heartburn in my chest after spicy food",
      "old stroke two years back, want physiotherapy",
      "मेरी बेटी बोलती नहीं है ज्यादा, शर्मीली है",
      "పని ఒత్తిడి వల్ల చిన్న విషయాలకే కోపం", // విషయం (matter) is not విషం (poison)
      "heavy periods every month with clots",
    ]
  ) {
    assert.deepEqual(redFlags(tokenize(text)), [], text);
  }
});

Deno.test("adviceLanguage() prefers a named language we have texts for, else the script", () => {
  assert.equal(adviceLanguage("chest pain", "ta"), "ta");
  assert.equal(adviceLanguage("chest pain", "fr"), "en");
  assert.equal(adviceLanguage("mujhe bahut tez sar dard ho raha hai"), "hi-Latn");
  assert.equal(adviceLanguage("मला खूप ताप आहे"), "mr");
  assert.equal(adviceLanguage("मुझे बुखार है"), "hi");
  assert.match(disclaimerIn("en"), /not a diagnosis/);
});
