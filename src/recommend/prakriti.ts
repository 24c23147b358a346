/**
 * The prakriti (constitution) questionnaire and its scoring: each question has one option per
 * dosha; the result is each dosha's share of the answers and the dominant one (ties go
 * vata > pitta > kapha, the classical order). Pure.
 */
export type Dosha = "vata" | "pitta" | "kapha";
const DOSHAS: Dosha[] = ["vata", "pitta", "kapha"];

export interface Question {
  id: string;
  text: { en: string; hi: string };
  options: { id: string; dosha: Dosha; text: { en: string; hi: string } }[];
}

const q = (id: string, en: string, hi: string, opts: [string, string][]): Question => ({
  id,
  text: { en, hi },
  options: opts.map(([oEn, oHi], i) => ({
    id: `${id}.${DOSHAS[i]}`,
    dosha: DOSHAS[i],
    text: { en: oEn, hi: oHi },
  })),
});

export const QUESTIONNAIRE: Question[] = [
  q("frame", "Your body frame", "आपकी शारीरिक बनावट", [
    ["Thin, light", "पतली, हल्की"],
    ["Medium, muscular", "मध्यम, मांसल"],
    ["Broad, heavy", "चौड़ी, भारी"],
  ]),
  q("skin", "Your skin", "आपकी त्वचा", [
    ["Dry, rough", "रूखी, खुरदरी"],
    ["Warm, reddish, oily T-zone", "गर्म, लालिमा लिए"],
    ["Smooth, thick, moist", "चिकनी, मोटी, नम"],
  ]),
  q("appetite", "Your appetite", "आपकी भूख", [
    ["Irregular", "अनियमित"],
    ["Strong, cannot skip meals", "तेज़, भोजन छोड़ नहीं सकते"],
    ["Steady, can skip meals", "स्थिर, भोजन छोड़ सकते हैं"],
  ]),
  q("sleep", "Your sleep", "आपकी नींद", [
    ["Light, broken", "हल्की, टूटती हुई"],
    ["Moderate, sound", "मध्यम, अच्छी"],
    ["Deep, long", "गहरी, लंबी"],
  ]),
  q("weather", "Weather you dislike", "कौन-सा मौसम नापसंद है", [
    ["Cold, windy", "ठंडा, हवादार"],
    ["Hot", "गर्म"],
    ["Damp, cold", "नम, ठंडा"],
  ]),
  q("mind", "Under stress you become", "तनाव में आप", [
    ["Anxious, restless", "चिंतित, बेचैन"],
    ["Irritable, angry", "चिड़चिड़े, क्रोधित"],
    ["Withdrawn, slow", "शांत, सुस्त"],
  ]),
  q("speech", "Your speech", "आपकी बोली", [
    ["Fast, talkative", "तेज़, बातूनी"],
    ["Sharp, precise", "तीखी, सटीक"],
    ["Slow, calm", "धीमी, शांत"],
  ]),
  q("energy", "Your energy through the day", "दिन भर आपकी ऊर्जा", [
    ["Comes in bursts", "रुक-रुक कर"],
    ["Intense, focused", "तीव्र, केंद्रित"],
    ["Steady, enduring", "स्थिर, टिकाऊ"],
  ]),
];

/** Scores answers {questionId: optionId}; throws `RangeError` naming an unknown or missing one. */
export function scorePrakriti(answers: Record<string, string>) {
  const counts: Record<Dosha, number> = { vata: 0, pitta: 0, kapha: 0 };
  for (const question of QUESTIONNAIRE) {
    const chosen = question.options.find((o) => o.id === answers[question.id]);
    if (!chosen) throw new RangeError(`answers.${question.id} must be one of its option ids`);
    counts[chosen.dosha]++;
  }
  const extra = Object.keys(answers).filter((k) => !QUESTIONNAIRE.some((x) => x.id === k));
  if (extra.length > 0) throw new RangeError(`answers.${extra[0]} is not a question`);
  const n = QUESTIONNAIRE.length;
  const scores = {
    vata: counts.vata / n,
    pitta: counts.pitta / n,
    kapha: counts.kapha / n,
  };
  const dominant = DOSHAS.reduce((best, d) => (counts[d] > counts[best] ? d : best), "vata");
  return { scores, dominant };
}
