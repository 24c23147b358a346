/**
 * The prakriti (constitution) questionnaire and its scoring. Pure.
 *
 * The 24 items are the bodily, physiological and mental traits by which the classical texts
 * describe the three dosha prakritis, in the form used by published assessment questionnaires:
 * - Charaka Samhita, Vimana Sthana 8 (the features of vata, pitta and kapha prakriti), and
 *   Sushruta Samhita, Sharira Sthana 4 (the same, with dreams and temperament);
 * - S. Shilpa and C. G. Venkatesha Murthy, "Development and standardization of Mysore Tridosha
 *   Scale", AYU 32(3), 2011 (self-report items on body, digestion, sleep, mind);
 * - S. Rastogi, "Development and validation of a prototype Prakriti Analysis Tool (PPAT)",
 *   AYU 33(2), 2012 (physical and physiological items with one choice per dosha).
 * The wording here is ours and kept to lay terms. Each item has one option per dosha, shown in
 * an order that differs between items, and option ids that do not name the dosha, so neither
 * position nor id tells the patient which answer "means" what.
 *
 * Scoring: each answer counts one for its dosha; the result is each dosha's share. The type is
 * the leading dosha, or two doshas (dual prakriti, e.g. vata-pitta) when the second is within
 * DUAL_MARGIN of the first, or "sama" (all three balanced) when the third is too. There is no
 * tie-break towards any dosha: an exact tie is a dual or sama type.
 *
 * What it is used for: shown to the patient and kept with their profile (erased with it). It does
 * NOT change doctor recommendations: no published work links a constitution type to the
 * specialization that should treat a symptom, so the earlier +0.05 ranking bonus was removed.
 */
export type Dosha = "vata" | "pitta" | "kapha";
export const DOSHAS: readonly Dosha[] = ["vata", "pitta", "kapha"];

export type PrakritiType =
  | Dosha
  | "vata-pitta"
  | "pitta-kapha"
  | "vata-kapha"
  | "sama";

/** The second dosha's share may trail the first by at most this and still make a dual type. */
export const DUAL_MARGIN = 0.1;

export const SOURCES = [
  "Charaka Samhita, Vimana Sthana 8",
  "Sushruta Samhita, Sharira Sthana 4",
  "Shilpa S, Venkatesha Murthy CG. Development and standardization of Mysore Tridosha Scale. AYU 2011;32(3)",
  "Rastogi S. Development and validation of a prototype Prakriti Analysis Tool (PPAT). AYU 2012;33(2)",
] as const;

interface Text {
  en: string;
  hi: string;
}

export interface Question {
  id: string;
  text: Text;
  options: { id: string; dosha: Dosha; text: Text }[];
}

type Option = [Dosha, string, string];

const q = (id: string, en: string, hi: string, options: [Option, Option, Option]): Question => ({
  id,
  text: { en, hi },
  options: options.map(([dosha, oEn, oHi], i) => ({
    id: `${id}.${"abc"[i]}`,
    dosha,
    text: { en: oEn, hi: oHi },
  })),
});

export const QUESTIONNAIRE: Question[] = [
  q("frame", "Your body build", "आपकी शारीरिक बनावट", [
    ["kapha", "Broad, solid, heavy", "चौड़ी, गठीली, भारी"],
    ["vata", "Thin, light, bones show", "पतली, हल्की, हड्डियाँ दिखती हैं"],
    ["pitta", "Medium, well proportioned", "मध्यम, सुगठित"],
  ]),
  q("weight", "Your weight", "आपका वज़न", [
    ["pitta", "Gain and lose it fairly easily", "आसानी से बढ़ता और घटता है"],
    ["kapha", "Gain easily, lose with difficulty", "आसानी से बढ़ता है, मुश्किल से घटता है"],
    ["vata", "Hard to put on", "मुश्किल से बढ़ता है"],
  ]),
  q("skin", "Your skin", "आपकी त्वचा", [
    ["vata", "Dry, rough, cracks in winter", "रूखी, खुरदरी, सर्दी में फटती है"],
    ["kapha", "Thick, smooth, cool, oily", "मोटी, चिकनी, ठंडी, तैलीय"],
    ["pitta", "Warm, soft, prone to rashes or acne", "गर्म, मुलायम, दाने या मुँहासे जल्दी"],
  ]),
  q("hair", "Your hair", "आपके बाल", [
    ["pitta", "Fine, greying or thinning early", "पतले, जल्दी सफ़ेद या कम होते हैं"],
    ["vata", "Dry, thin, frizzy", "रूखे, पतले, उलझे हुए"],
    ["kapha", "Thick, glossy, wavy", "घने, चमकदार, लहरदार"],
  ]),
  q("eyes", "Your eyes", "आपकी आँखें", [
    ["kapha", "Large, calm, moist", "बड़ी, शांत, नम"],
    ["pitta", "Sharp, sensitive to bright light", "तेज़, तेज़ रोशनी से चुभती हैं"],
    ["vata", "Small, dry, restless", "छोटी, सूखी, चंचल"],
  ]),
  q("nails", "Your nails", "आपके नाखून", [
    ["vata", "Brittle, rough, break easily", "भुरभुरे, खुरदरे, जल्दी टूटते हैं"],
    ["pitta", "Soft, pink, bend easily", "मुलायम, गुलाबी, आसानी से मुड़ते हैं"],
    ["kapha", "Thick, strong, smooth", "मोटे, मज़बूत, चिकने"],
  ]),
  q("joints", "Your joints", "आपके जोड़", [
    ["kapha", "Large and well padded", "बड़े और भरे हुए"],
    ["vata", "Prominent, often crack", "उभरे हुए, अक्सर चटकते हैं"],
    ["pitta", "Medium, flexible", "मध्यम, लचीले"],
  ]),
  q("warmth", "Your body warmth", "आपके शरीर की गर्मी", [
    ["pitta", "You feel warm; hands are warm", "गर्मी लगती है; हाथ गर्म रहते हैं"],
    ["vata", "Hands and feet are often cold", "हाथ-पैर अक्सर ठंडे रहते हैं"],
    ["kapha", "Cool but comfortable", "ठंडा पर आरामदायक"],
  ]),
  q("sweat", "How much you sweat", "आपको पसीना", [
    ["kapha", "Moderately, steadily", "मध्यम, लगातार"],
    ["pitta", "A lot, with a strong smell", "बहुत, तेज़ गंध के साथ"],
    ["vata", "Little", "कम"],
  ]),
  q("appetite", "Your appetite", "आपकी भूख", [
    ["vata", "Irregular: sometimes strong, sometimes none", "अनियमित: कभी तेज़, कभी नहीं"],
    ["kapha", "Steady but low; you can skip a meal", "स्थिर पर कम; भोजन छोड़ सकते हैं"],
    ["pitta", "Strong; you get irritable if a meal is late", "तेज़; भोजन में देर हो तो चिड़चिड़ापन"],
  ]),
  q("bowels", "Your bowel habit", "आपकी मल-त्याग की आदत", [
    ["pitta", "Frequent, loose", "बार-बार, पतला"],
    ["vata", "Irregular, tends to constipation", "अनियमित, कब्ज़ की प्रवृत्ति"],
    ["kapha", "Regular, slow, heavy", "नियमित, धीमा, भारी"],
  ]),
  q("thirst", "Your thirst", "आपकी प्यास", [
    ["kapha", "Seldom thirsty", "कम ही प्यास लगती है"],
    ["vata", "Varies from day to day", "दिन-ब-दिन बदलती है"],
    ["pitta", "Often thirsty", "अक्सर प्यास लगती है"],
  ]),
  q("food", "Food and drink you like best", "आपको सबसे अच्छा लगने वाला भोजन", [
    ["pitta", "Cool food and cold drinks", "ठंडा भोजन और ठंडे पेय"],
    ["kapha", "Light, dry, spicy food", "हल्का, सूखा, मसालेदार भोजन"],
    ["vata", "Warm, moist, oily food", "गर्म, नम, घी-तेल वाला भोजन"],
  ]),
  q("sleep", "Your sleep", "आपकी नींद", [
    ["vata", "Light, easily broken", "हल्की, जल्दी टूटती है"],
    ["pitta", "Moderate; you fall asleep easily", "मध्यम; जल्दी नींद आ जाती है"],
    ["kapha", "Deep and long; hard to wake", "गहरी और लंबी; उठना कठिन"],
  ]),
  q("dreams", "Your dreams are mostly", "आपके सपने ज़्यादातर", [
    ["kapha", "Calm: water, gardens, people you love", "शांत: पानी, बगीचे, प्रियजन"],
    ["vata", "Restless: flying, running, falling", "बेचैन: उड़ना, दौड़ना, गिरना"],
    ["pitta", "Vivid: fire, quarrels, bright colours", "तीव्र: आग, झगड़े, चटकीले रंग"],
  ]),
  q("weather", "Weather you find hardest", "कौन-सा मौसम सबसे कठिन लगता है", [
    ["pitta", "Heat and strong sun", "गर्मी और तेज़ धूप"],
    ["kapha", "Cold and damp", "ठंडा और नम"],
    ["vata", "Cold and wind", "ठंड और हवा"],
  ]),
  q("speech", "Your way of speaking", "आपके बोलने का ढंग", [
    ["vata", "Fast, a lot, jumping between topics", "तेज़, बहुत, विषय बदलते हुए"],
    ["kapha", "Slow, soft, measured", "धीमा, कोमल, नपा-तुला"],
    ["pitta", "Clear, precise, convincing", "स्पष्ट, सटीक, प्रभावशाली"],
  ]),
  q("voice", "Your voice", "आपकी आवाज़", [
    ["kapha", "Deep, pleasant", "गहरी, मधुर"],
    ["pitta", "Sharp, carries far", "तीखी, दूर तक जाती है"],
    ["vata", "Thin, sometimes hoarse", "पतली, कभी-कभी भारी"],
  ]),
  q("pace", "How you walk and move", "आप कैसे चलते-फिरते हैं", [
    ["pitta", "Purposeful, at a steady pace", "उद्देश्य से, सधी चाल से"],
    ["vata", "Quickly, lightly, restlessly", "तेज़, हल्के, बेचैनी से"],
    ["kapha", "Slowly, steadily", "धीरे, स्थिर"],
  ]),
  q("stamina", "Your stamina", "आपकी सहनशक्ति", [
    ["kapha", "Strong; you keep going for long", "अच्छी; देर तक टिके रहते हैं"],
    ["vata", "Low; you tire quickly", "कम; जल्दी थक जाते हैं"],
    ["pitta", "Moderate; you push hard, then stop", "मध्यम; ज़ोर लगाते हैं, फिर रुकते हैं"],
  ]),
  q("memory", "How you learn and remember", "आप कैसे सीखते और याद रखते हैं", [
    ["vata", "Learn fast, forget fast", "जल्दी सीखते, जल्दी भूलते हैं"],
    ["pitta", "Learn fast, remember well", "जल्दी सीखते, अच्छी तरह याद रखते हैं"],
    ["kapha", "Learn slowly, hardly ever forget", "धीरे सीखते, शायद ही भूलते हैं"],
  ]),
  q("stress", "Under stress you become", "तनाव में आप", [
    ["pitta", "Irritable, angry", "चिड़चिड़े, क्रोधित"],
    ["kapha", "Withdrawn, stubborn", "चुप, ज़िद्दी"],
    ["vata", "Anxious, worried", "चिंतित, परेशान"],
  ]),
  q("decisions", "How you make decisions", "आप निर्णय कैसे लेते हैं", [
    ["kapha", "Slowly, after long thought", "धीरे, बहुत सोचकर"],
    ["pitta", "Quickly and firmly", "जल्दी और दृढ़ता से"],
    ["vata", "Quickly, but change your mind often", "जल्दी, पर अक्सर बदल देते हैं"],
  ]),
  q("temperament", "Your usual temperament", "आपका सामान्य स्वभाव", [
    ["vata", "Lively, enthusiastic, changeable", "जीवंत, उत्साही, बदलता हुआ"],
    ["kapha", "Calm, affectionate, patient", "शांत, स्नेही, धैर्यवान"],
    ["pitta", "Driven, ambitious, competitive", "लगनशील, महत्वाकांक्षी, प्रतिस्पर्धी"],
  ]),
];

export interface PrakritiResult {
  /** Shares of the answers, 0..1, summing to 1. */
  scores: Record<Dosha, number>;
  type: PrakritiType;
  /** The doshas of the type, highest share first. */
  doshas: Dosha[];
}

const DUAL_NAMES: Record<string, PrakritiType> = {
  "pitta,vata": "vata-pitta",
  "kapha,pitta": "pitta-kapha",
  "kapha,vata": "vata-kapha",
};

/** The type for given shares (see the module header). */
export function prakritiType(scores: Record<Dosha, number>): Omit<PrakritiResult, "scores"> {
  const order = [...DOSHAS].sort((a, b) => scores[b] - scores[a]);
  const [first, second, third] = order;
  // A hair of tolerance so 0.1 from sums of 1/24 still counts as "within the margin".
  const within = (a: Dosha, b: Dosha) => scores[a] - scores[b] <= DUAL_MARGIN + 1e-9;
  if (within(first, third)) return { type: "sama", doshas: order };
  if (within(first, second)) {
    return { type: DUAL_NAMES[[first, second].sort().join(",")], doshas: [first, second] };
  }
  return { type: first, doshas: [first] };
}

/** Scores answers {questionId: optionId}; throws `RangeError` naming an unknown or missing one. */
export function scorePrakriti(answers: Record<string, string>): PrakritiResult {
  const counts: Record<Dosha, number> = { vata: 0, pitta: 0, kapha: 0 };
  for (const question of QUESTIONNAIRE) {
    const chosen = question.options.find((o) => o.id === answers[question.id]);
    if (!chosen) throw new RangeError(`answers.${question.id} must be one of its option ids`);
    counts[chosen.dosha]++;
  }
  const extra = Object.keys(answers).filter((k) => !QUESTIONNAIRE.some((x) => x.id === k));
  if (extra.length > 0) throw new RangeError(`answers.${extra[0]} is not a question`);
  const n = QUESTIONNAIRE.length;
  const scores = { vata: counts.vata / n, pitta: counts.pitta / n, kapha: counts.kapha / n };
  return { scores, ...prakritiType(scores) };
}
