/**
 * What the patient reads beside the ranking, in their language: the advice for an emergency
 * (call 112, or 108 for an ambulance, now) or an urgent complaint, and the notice that this is
 * guidance, not a diagnosis. The language is the one the request names when we have texts for
 * it, else the one the text is written in (by script; Devanagari and Latin by a few common words).
 */
import { type Language, LANGUAGES } from "./languages.ts";
import type { Triage } from "./triage.ts";

export const ADVICE_LANGUAGES = LANGUAGES;
export type AdviceLanguage = Language;

interface Texts {
  emergency: string;
  urgent: string;
  disclaimer: string;
}

const TEXTS: Record<AdviceLanguage, Texts> = {
  en: {
    emergency: "This may be an emergency. Call 112 now (or 108 for an ambulance), or go to the " +
      "nearest hospital. Do not wait for an online consultation.",
    urgent: "Please see a doctor today. If it gets worse, call 112 (or 108 for an ambulance).",
    disclaimer: "This is guidance to find the right kind of doctor, not a diagnosis.",
  },
  hi: {
    emergency: "यह आपातकाल हो सकता है। अभी 112 पर कॉल करें (या एम्बुलेंस के लिए 108), या नज़दीकी " +
      "अस्पताल जाएं। ऑनलाइन परामर्श का इंतज़ार न करें।",
    urgent: "कृपया आज ही डॉक्टर को दिखाएं। हालत बिगड़े तो 112 (या एम्बुलेंस के लिए 108) पर कॉल करें।",
    disclaimer: "यह सही डॉक्टर चुनने के लिए मार्गदर्शन है, निदान नहीं।",
  },
  "hi-Latn": {
    emergency: "Yeh emergency ho sakti hai. Abhi 112 par call karein (ya ambulance ke liye 108), " +
      "ya nazdeeki hospital jaayein. Online consultation ka intezaar na karein.",
    urgent: "Kripya aaj hi doctor ko dikhayein. Haalat bigde to 112 (ya ambulance ke liye 108) " +
      "par call karein.",
    disclaimer: "Yeh sahi doctor chunne ke liye margdarshan hai, diagnosis nahi.",
  },
  bn: {
    emergency: "এটি জরুরি অবস্থা হতে পারে। এখনই 112-এ ফোন করুন (বা অ্যাম্বুলেন্সের জন্য 108), " +
      "অথবা নিকটতম হাসপাতালে যান। অনলাইন পরামর্শের জন্য অপেক্ষা করবেন না।",
    urgent: "আজই ডাক্তার দেখান। অবস্থা খারাপ হলে 112 (বা অ্যাম্বুলেন্সের জন্য 108)-এ ফোন করুন।",
    disclaimer: "এটি সঠিক ডাক্তার খোঁজার নির্দেশনা, রোগনির্ণয় নয়।",
  },
  te: {
    emergency: "ఇది అత్యవసర పరిస్థితి కావచ్చు. వెంటనే 112కి కాల్ చేయండి (లేదా అంబులెన్స్ కోసం 108), " +
      "లేదా దగ్గరలోని ఆసుపత్రికి వెళ్ళండి. ఆన్‌లైన్ సంప్రదింపుల కోసం ఆగకండి.",
    urgent: "దయచేసి ఈరోజే డాక్టర్‌ని కలవండి. పరిస్థితి విషమిస్తే 112 (లేదా అంబులెన్స్ కోసం 108)కి కాల్ చేయండి.",
    disclaimer: "ఇది సరైన డాక్టర్‌ని ఎంచుకోవడానికి మార్గదర్శనం మాత్రమే, రోగనిర్ధారణ కాదు.",
  },
  mr: {
    emergency: "ही आणीबाणी असू शकते. आत्ताच 112 वर कॉल करा (किंवा रुग्णवाहिकेसाठी 108), किंवा " +
      "जवळच्या रुग्णालयात जा. ऑनलाइन सल्ल्याची वाट पाहू नका.",
    urgent: "कृपया आजच डॉक्टरांना दाखवा. त्रास वाढला तर 112 (किंवा रुग्णवाहिकेसाठी 108) वर कॉल करा.",
    disclaimer: "हे योग्य डॉक्टर शोधण्यासाठी मार्गदर्शन आहे, निदान नाही.",
  },
  ta: {
    emergency: "இது அவசர நிலையாக இருக்கலாம். உடனே 112-ஐ அழைக்கவும் (அல்லது ஆம்புலன்ஸுக்கு 108), " +
      "அல்லது அருகிலுள்ள மருத்துவமனைக்குச் செல்லவும். ஆன்லைன் ஆலோசனைக்காகக் காத்திருக்க வேண்டாம்.",
    urgent: "இன்றே மருத்துவரைப் பாருங்கள். நிலை மோசமானால் 112 (அல்லது ஆம்புலன்ஸுக்கு 108) அழைக்கவும்.",
    disclaimer: "இது சரியான மருத்துவரைத் தேர்ந்தெடுக்க ஒரு வழிகாட்டல், நோயறிதல் அல்ல.",
  },
  gu: {
    emergency: "આ ઇમરજન્સી હોઈ શકે છે. હમણાં જ 112 પર કૉલ કરો (અથવા એમ્બ્યુલન્સ માટે 108), અથવા " +
      "નજીકની હોસ્પિટલમાં જાઓ. ઑનલાઇન સલાહની રાહ ન જુઓ.",
    urgent: "કૃપા કરીને આજે જ ડૉક્ટરને બતાવો. તકલીફ વધે તો 112 (અથવા એમ્બ્યુલન્સ માટે 108) પર કૉલ કરો.",
    disclaimer: "આ યોગ્ય ડૉક્ટર શોધવા માટેનું માર્ગદર્શન છે, નિદાન નથી.",
  },
  kn: {
    emergency: "ಇದು ತುರ್ತು ಪರಿಸ್ಥಿತಿ ಆಗಿರಬಹುದು. ಈಗಲೇ 112ಕ್ಕೆ ಕರೆ ಮಾಡಿ (ಅಥವಾ ಆಂಬ್ಯುಲೆನ್ಸ್‌ಗಾಗಿ 108), " +
      "ಅಥವಾ ಹತ್ತಿರದ ಆಸ್ಪತ್ರೆಗೆ ಹೋಗಿ. ಆನ್‌ಲೈನ್ ಸಮಾಲೋಚನೆಗಾಗಿ ಕಾಯಬೇಡಿ.",
    urgent: "ದಯವಿಟ್ಟು ಇಂದೇ ವೈದ್ಯರನ್ನು ಕಾಣಿ. ತೊಂದರೆ ಹೆಚ್ಚಾದರೆ 112 (ಅಥವಾ ಆಂಬ್ಯುಲೆನ್ಸ್‌ಗಾಗಿ 108)ಕ್ಕೆ ಕರೆ ಮಾಡಿ.",
    disclaimer: "ಇದು ಸರಿಯಾದ ವೈದ್ಯರನ್ನು ಹುಡುಕಲು ಮಾರ್ಗದರ್ಶನ, ರೋಗನಿರ್ಣಯವಲ್ಲ.",
  },
  ml: {
    emergency: "ഇത് അടിയന്തിര സാഹചര്യമാകാം. ഉടൻ 112-ൽ വിളിക്കുക (അല്ലെങ്കിൽ ആംബുലൻസിന് 108), " +
      "അല്ലെങ്കിൽ അടുത്തുള്ള ആശുപത്രിയിൽ പോകുക. ഓൺലൈൻ കൺസൾട്ടേഷനായി കാത്തിരിക്കരുത്.",
    urgent: "ദയവായി ഇന്നുതന്നെ ഡോക്ടറെ കാണുക. വഷളായാൽ 112 (അല്ലെങ്കിൽ ആംബുലൻസിന് 108) വിളിക്കുക.",
    disclaimer: "ഇത് ശരിയായ ഡോക്ടറെ കണ്ടെത്താനുള്ള മാർഗ്ഗനിർദ്ദേശമാണ്, രോഗനിർണ്ണയമല്ല.",
  },
  pa: {
    emergency: "ਇਹ ਐਮਰਜੈਂਸੀ ਹੋ ਸਕਦੀ ਹੈ। ਹੁਣੇ 112 ਤੇ ਕਾਲ ਕਰੋ (ਜਾਂ ਐਂਬੂਲੈਂਸ ਲਈ 108), ਜਾਂ ਨੇੜਲੇ " +
      "ਹਸਪਤਾਲ ਜਾਓ। ਆਨਲਾਈਨ ਸਲਾਹ ਦੀ ਉਡੀਕ ਨਾ ਕਰੋ।",
    urgent: "ਕਿਰਪਾ ਕਰਕੇ ਅੱਜ ਹੀ ਡਾਕਟਰ ਨੂੰ ਦਿਖਾਓ। ਹਾਲਤ ਵਿਗੜੇ ਤਾਂ 112 (ਜਾਂ ਐਂਬੂਲੈਂਸ ਲਈ 108) ਤੇ ਕਾਲ ਕਰੋ।",
    disclaimer: "ਇਹ ਸਹੀ ਡਾਕਟਰ ਲੱਭਣ ਲਈ ਸੇਧ ਹੈ, ਨਿਦਾਨ ਨਹੀਂ।",
  },
  or: {
    emergency: "ଏହା ଜରୁରୀକାଳୀନ ଅବସ୍ଥା ହୋଇପାରେ। ଏବେ 112କୁ କଲ କରନ୍ତୁ (କିମ୍ବା ଆମ୍ବୁଲାନ୍ସ ପାଇଁ 108), " +
      "କିମ୍ବା ନିକଟତମ ହସ୍ପିଟାଲ ଯାଆନ୍ତୁ। ଅନଲାଇନ ପରାମର୍ଶ ପାଇଁ ଅପେକ୍ଷା କରନ୍ତୁ ନାହିଁ।",
    urgent: "ଦୟାକରି ଆଜି ହିଁ ଡାକ୍ତର ଦେଖାନ୍ତୁ। ଅବସ୍ଥା ଖରାପ ହେଲେ 112 (କିମ୍ବା ଆମ୍ବୁଲାନ୍ସ ପାଇଁ 108)କୁ କଲ କରନ୍ତୁ।",
    disclaimer: "ଏହା ଠିକ୍ ଡାକ୍ତର ଖୋଜିବା ପାଇଁ ମାର୍ଗଦର୍ଶନ, ରୋଗ ନିର୍ଣ୍ଣୟ ନୁହେଁ।",
  },
  ur: {
    emergency: "یہ ایمرجنسی ہو سکتی ہے۔ ابھی 112 پر کال کریں (یا ایمبولینس کے لیے 108)، یا قریبی " +
      "اسپتال جائیں۔ آن لائن مشورے کا انتظار نہ کریں۔",
    urgent:
      "براہ کرم آج ہی ڈاکٹر کو دکھائیں۔ حالت بگڑے تو 112 (یا ایمبولینس کے لیے 108) پر کال کریں۔",
    disclaimer: "یہ صحیح ڈاکٹر تلاش کرنے کے لیے رہنمائی ہے، تشخیص نہیں۔",
  },
};

const SCRIPTS: [RegExp, AdviceLanguage][] = [
  [/[\u0980-\u09ff]/gu, "bn"],
  [/[\u0a00-\u0a7f]/gu, "pa"],
  [/[\u0a80-\u0aff]/gu, "gu"],
  [/[\u0b00-\u0b7f]/gu, "or"],
  [/[\u0b80-\u0bff]/gu, "ta"],
  [/[\u0c00-\u0c7f]/gu, "te"],
  [/[\u0c80-\u0cff]/gu, "kn"],
  [/[\u0d00-\u0d7f]/gu, "ml"],
  [/[\u0600-\u06ff]/gu, "ur"],
];
const MARATHI = new RegExp(
  "(^|\\s)(आहे|आहेत|नाही|आणि|मला|माझ्या|माझा|माझी|होतंय|होतो|येतो|येते|झाले|झाला|झाली|" +
    "झालं|दुखतं|दुखतो|वाटतं|खूप|आजोबा|आजी)(\\s|$)|\\S(च्या|चं)(\\s|$)",
  "u",
);
const HINGLISH =
  /\b(hai|hain|nahi|nahin|mujhe|mera|meri|mere|ho|raha|rahi|rahe|se|ki|ka|ke|ne|liya|gaya|gayi|bahut|dard|aur|mein|me)\b/g;

/** The advice language for a request: its `language` if we have texts for it, else detected. */
export function adviceLanguage(text: string, requested?: string): AdviceLanguage {
  const want = requested?.trim().toLowerCase();
  const named = ADVICE_LANGUAGES.find((l) => l.toLowerCase() === want);
  if (named) return named;
  let best: AdviceLanguage | null = null;
  let most = 0;
  for (const [re, lang] of SCRIPTS) {
    const n = text.match(re)?.length ?? 0;
    if (n > most) [best, most] = [lang, n];
  }
  const devanagari = text.match(/[\u0900-\u097f]/gu)?.length ?? 0;
  if (devanagari > most) return MARATHI.test(text) ? "mr" : "hi";
  if (best) return best;
  if (want?.startsWith("hi")) return "hi-Latn";
  return (text.toLowerCase().match(HINGLISH)?.length ?? 0) >= 2 ? "hi-Latn" : "en";
}

export function adviceFor(triage: Triage, lang: AdviceLanguage): string | null {
  return triage === "routine" ? null : TEXTS[lang][triage];
}

export function disclaimerIn(lang: AdviceLanguage): string {
  return TEXTS[lang].disclaimer;
}
