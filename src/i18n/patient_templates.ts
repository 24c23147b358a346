/**
 * Texts of the messages patients receive (SMS or WhatsApp), in the languages of our regions, in
 * native script. A message names the doctor and the time only: it must never carry the reason for
 * a visit, notes, or any other medical text, nor a code (the messages that carry one-time codes
 * are in code_templates.ts).
 * Times are formatted in the patient's time zone with the patient's locale (patient_dates.ts).
 */
import { bestLanguage } from "./messages.ts";
import { patientDateFormat } from "./patient_dates.ts";
import type { MessageTemplate } from "../notify/message_sender.ts";

export const PATIENT_LANGUAGES = [
  "en",
  "hi",
  "ta",
  "te",
  "kn",
  "ml",
  "bn",
  "mr",
  "gu",
  "pa",
  "or",
] as const;
export type PatientLanguage = typeof PATIENT_LANGUAGES[number];

export const MESSAGE_KINDS = [
  "confirmed",
  "cancelled",
  "rescheduled",
  "reminder_24h",
  "reminder_1h",
  "waitlist_open",
] as const;
export type MessageKind = typeof MESSAGE_KINDS[number];

type Texts = Record<MessageKind, string>;

/** `{doctor}` is the doctor's name, `{when}` the local start, `{date}` a calendar day. */
const TEMPLATES: Record<PatientLanguage, Texts> = {
  en: {
    confirmed: "Vaidya: Your consultation with {doctor} is confirmed for {when}.",
    cancelled: "Vaidya: Your consultation with {doctor} on {when} is cancelled.",
    rescheduled: "Vaidya: Your consultation with {doctor} is moved to {when}.",
    reminder_24h: "Vaidya: Reminder: your consultation with {doctor} is at {when} (in 24 hours).",
    reminder_1h: "Vaidya: Reminder: your consultation with {doctor} starts at {when}, in 1 hour.",
    waitlist_open: "Vaidya: A slot opened with {doctor} on {date}. Open the app to book it.",
  },
  hi: {
    confirmed: "Vaidya: {doctor} के साथ आपका परामर्श {when} के लिए पक्का हो गया है।",
    cancelled: "Vaidya: {doctor} के साथ {when} का आपका परामर्श रद्द कर दिया गया है।",
    rescheduled: "Vaidya: {doctor} के साथ आपका परामर्श अब {when} को है।",
    reminder_24h: "Vaidya: याद दिलाना: {doctor} के साथ आपका परामर्श {when} को है (24 घंटे बाद)।",
    reminder_1h: "Vaidya: याद दिलाना: {doctor} के साथ आपका परामर्श {when} को, 1 घंटे में शुरू होगा।",
    waitlist_open: "Vaidya: {doctor} के साथ {date} को एक स्लॉट खाली हुआ है। बुक करने के लिए ऐप खोलें।",
  },
  ta: {
    confirmed: "Vaidya: {doctor} உடனான உங்கள் ஆலோசனை {when} அன்று உறுதி செய்யப்பட்டது.",
    cancelled: "Vaidya: {doctor} உடனான {when} ஆலோசனை ரத்து செய்யப்பட்டது.",
    rescheduled: "Vaidya: {doctor} உடனான உங்கள் ஆலோசனை {when} க்கு மாற்றப்பட்டது.",
    reminder_24h: "Vaidya: நினைவூட்டல்: {doctor} உடனான ஆலோசனை {when} (24 மணி நேரத்தில்).",
    reminder_1h: "Vaidya: நினைவூட்டல்: {doctor} உடனான ஆலோசனை {when}, 1 மணி நேரத்தில் தொடங்கும்.",
    waitlist_open:
      "Vaidya: {doctor} உடன் {date} அன்று ஒரு நேரம் காலியானது. முன்பதிவுக்கு செயலியைத் திறக்கவும்.",
  },
  te: {
    confirmed: "Vaidya: {doctor} తో మీ సంప్రదింపు {when}కు ఖరారైంది.",
    cancelled: "Vaidya: {doctor} తో {when} మీ సంప్రదింపు రద్దు చేయబడింది.",
    rescheduled: "Vaidya: {doctor} తో మీ సంప్రదింపు {when}కు మార్చబడింది.",
    reminder_24h: "Vaidya: గుర్తు: {doctor} తో మీ సంప్రదింపు {when}కు (24 గంటల్లో).",
    reminder_1h: "Vaidya: గుర్తు: {doctor} తో మీ సంప్రదింపు {when}కు, 1 గంటలో ప్రారంభం.",
    waitlist_open: "Vaidya: {doctor} వద్ద {date}న ఒక స్లాట్ ఖాళీ అయింది. బుక్ చేయడానికి యాప్ తెరవండి.",
  },
  kn: {
    confirmed: "Vaidya: {doctor} ಅವರೊಂದಿಗೆ ನಿಮ್ಮ ಸಮಾಲೋಚನೆ {when}ಕ್ಕೆ ದೃಢಪಟ್ಟಿದೆ.",
    cancelled: "Vaidya: {doctor} ಅವರೊಂದಿಗೆ {when}ರ ನಿಮ್ಮ ಸಮಾಲೋಚನೆ ರದ್ದಾಗಿದೆ.",
    rescheduled: "Vaidya: {doctor} ಅವರೊಂದಿಗೆ ನಿಮ್ಮ ಸಮಾಲೋಚನೆ {when}ಕ್ಕೆ ಬದಲಾಗಿದೆ.",
    reminder_24h: "Vaidya: ಜ್ಞಾಪನೆ: {doctor} ಅವರೊಂದಿಗೆ ಸಮಾಲೋಚನೆ {when} (24 ಗಂಟೆಗಳಲ್ಲಿ).",
    reminder_1h: "Vaidya: ಜ್ಞಾಪನೆ: {doctor} ಅವರೊಂದಿಗೆ ಸಮಾಲೋಚನೆ {when}, 1 ಗಂಟೆಯಲ್ಲಿ ಆರಂಭ.",
    waitlist_open: "Vaidya: {doctor} ಅವರಲ್ಲಿ {date} ರಂದು ಒಂದು ಸಮಯ ಖಾಲಿಯಾಗಿದೆ. ಬುಕ್ ಮಾಡಲು ಆ್ಯಪ್ ತೆರೆಯಿರಿ.",
  },
  ml: {
    confirmed: "Vaidya: {doctor} ഉമായുള്ള നിങ്ങളുടെ കൺസൾട്ടേഷൻ {when}ന് ഉറപ്പായി.",
    cancelled: "Vaidya: {doctor} ഉമായുള്ള {when}ലെ കൺസൾട്ടേഷൻ റദ്ദാക്കി.",
    rescheduled: "Vaidya: {doctor} ഉമായുള്ള കൺസൾട്ടേഷൻ {when}ലേക്ക് മാറ്റി.",
    reminder_24h: "Vaidya: ഓർമ്മപ്പെടുത്തൽ: {doctor} ഉമായുള്ള കൺസൾട്ടേഷൻ {when}ന് (24 മണിക്കൂറിനുള്ളിൽ).",
    reminder_1h: "Vaidya: ഓർമ്മപ്പെടുത്തൽ: {doctor} ഉമായുള്ള കൺസൾട്ടേഷൻ {when}ന്, 1 മണിക്കൂറിനുള്ളിൽ.",
    waitlist_open: "Vaidya: {doctor} ഉമായി {date}ന് ഒരു സമയം ഒഴിവുണ്ട്. ബുക്ക് ചെയ്യാൻ ആപ്പ് തുറക്കുക.",
  },
  bn: {
    confirmed: "Vaidya: {doctor}-এর সাথে আপনার পরামর্শ {when}-এ নিশ্চিত হয়েছে।",
    cancelled: "Vaidya: {doctor}-এর সাথে {when}-এর পরামর্শ বাতিল হয়েছে।",
    rescheduled: "Vaidya: {doctor}-এর সাথে আপনার পরামর্শ {when}-এ সরানো হয়েছে।",
    reminder_24h: "Vaidya: মনে করিয়ে দিচ্ছি: {doctor}-এর সাথে পরামর্শ {when}-এ (২৪ ঘণ্টা পরে)।",
    reminder_1h: "Vaidya: মনে করিয়ে দিচ্ছি: {doctor}-এর সাথে পরামর্শ {when}-এ, ১ ঘণ্টার মধ্যে।",
    waitlist_open: "Vaidya: {doctor}-এর কাছে {date}-এ একটি সময় খালি হয়েছে। বুক করতে অ্যাপ খুলুন।",
  },
  mr: {
    confirmed: "Vaidya: {doctor} यांच्यासोबत तुमचा सल्ला {when} साठी निश्चित झाला आहे.",
    cancelled: "Vaidya: {doctor} यांच्यासोबतचा {when} चा सल्ला रद्द झाला आहे.",
    rescheduled: "Vaidya: {doctor} यांच्यासोबतचा तुमचा सल्ला आता {when} ला आहे.",
    reminder_24h: "Vaidya: आठवण: {doctor} यांच्यासोबत सल्ला {when} ला आहे (24 तासांनी).",
    reminder_1h: "Vaidya: आठवण: {doctor} यांच्यासोबत सल्ला {when} ला, 1 तासात सुरू होईल.",
    waitlist_open:
      "Vaidya: {doctor} यांच्याकडे {date} रोजी एक वेळ मोकळी झाली आहे. बुक करण्यासाठी ॲप उघडा.",
  },
  gu: {
    confirmed: "Vaidya: {doctor} સાથે તમારો પરામર્શ {when} માટે નક્કી થઈ ગયો છે.",
    cancelled: "Vaidya: {doctor} સાથે {when}નો તમારો પરામર્શ રદ કરવામાં આવ્યો છે.",
    rescheduled: "Vaidya: {doctor} સાથેનો તમારો પરામર્શ {when} પર ખસેડવામાં આવ્યો છે.",
    reminder_24h: "Vaidya: યાદ રાખો: {doctor} સાથે તમારો પરામર્શ {when} છે (24 કલાક પછી).",
    reminder_1h: "Vaidya: યાદ રાખો: {doctor} સાથે તમારો પરામર્શ {when}, 1 કલાકમાં શરૂ થશે.",
    waitlist_open: "Vaidya: {doctor} પાસે {date}ના રોજ એક સમય ખાલી થયો છે. બુક કરવા માટે ઍપ ખોલો.",
  },
  pa: {
    confirmed: "Vaidya: {doctor} ਨਾਲ ਤੁਹਾਡਾ ਸਲਾਹ-ਮਸ਼ਵਰਾ {when} ਲਈ ਪੱਕਾ ਹੋ ਗਿਆ ਹੈ।",
    cancelled: "Vaidya: {doctor} ਨਾਲ {when} ਦਾ ਤੁਹਾਡਾ ਸਲਾਹ-ਮਸ਼ਵਰਾ ਰੱਦ ਕਰ ਦਿੱਤਾ ਗਿਆ ਹੈ।",
    rescheduled: "Vaidya: {doctor} ਨਾਲ ਤੁਹਾਡਾ ਸਲਾਹ-ਮਸ਼ਵਰਾ ਹੁਣ {when} ਨੂੰ ਹੈ।",
    reminder_24h: "Vaidya: ਯਾਦ ਰਹੇ: {doctor} ਨਾਲ ਤੁਹਾਡਾ ਸਲਾਹ-ਮਸ਼ਵਰਾ {when} ਨੂੰ ਹੈ (24 ਘੰਟਿਆਂ ਬਾਅਦ)।",
    reminder_1h: "Vaidya: ਯਾਦ ਰਹੇ: {doctor} ਨਾਲ ਤੁਹਾਡਾ ਸਲਾਹ-ਮਸ਼ਵਰਾ {when} ਨੂੰ, 1 ਘੰਟੇ ਵਿੱਚ ਸ਼ੁਰੂ ਹੋਵੇਗਾ।",
    waitlist_open: "Vaidya: {doctor} ਕੋਲ {date} ਨੂੰ ਇੱਕ ਸਮਾਂ ਖਾਲੀ ਹੋਇਆ ਹੈ। ਬੁੱਕ ਕਰਨ ਲਈ ਐਪ ਖੋਲ੍ਹੋ।",
  },
  or: {
    confirmed: "Vaidya: {doctor}ଙ୍କ ସହ ଆପଣଙ୍କ ପରାମର୍ଶ {when} ପାଇଁ ନିଶ୍ଚିତ ହୋଇଛି।",
    cancelled: "Vaidya: {doctor}ଙ୍କ ସହ {when}ର ଆପଣଙ୍କ ପରାମର୍ଶ ବାତିଲ ହୋଇଛି।",
    rescheduled: "Vaidya: {doctor}ଙ୍କ ସହ ଆପଣଙ୍କ ପରାମର୍ଶ {when}କୁ ଘୁଞ୍ଚାଯାଇଛି।",
    reminder_24h: "Vaidya: ମନେ ପକାଉଛୁ: {doctor}ଙ୍କ ସହ ଆପଣଙ୍କ ପରାମର୍ଶ {when}ରେ ଅଛି (24 ଘଣ୍ଟା ପରେ)।",
    reminder_1h: "Vaidya: ମନେ ପକାଉଛୁ: {doctor}ଙ୍କ ସହ ଆପଣଙ୍କ ପରାମର୍ଶ {when}ରେ, 1 ଘଣ୍ଟା ପରେ ଆରମ୍ଭ ହେବ।",
    waitlist_open: "Vaidya: {doctor}ଙ୍କ ପାଖରେ {date}ରେ ଗୋଟିଏ ସମୟ ଖାଲି ହୋଇଛି। ବୁକ୍ କରିବାକୁ ଆପ୍ ଖୋଲନ୍ତୁ।",
  },
};

/** Doctor names are cut so every message fits three SMS segments in any script. */
export const MAX_DOCTOR_NAME = 40;

export interface MessageParams {
  doctorName: string;
  /** The appointment start (all kinds but waitlist_open). */
  startMs?: number;
  /** A calendar day `YYYY-MM-DD` (waitlist_open). */
  date?: string;
  /** The patient's IANA time zone. */
  timeZone: string;
}

/** The best patient language of an `Accept-Language` header (q-values honoured), else English. */
export function patientLanguageFromAcceptLanguage(
  header: string | null | undefined,
): PatientLanguage {
  return bestLanguage(header, PATIENT_LANGUAGES, "en");
}

/** "hi-IN", "HI" or "hi" → "hi"; anything we do not speak → English. */
export function patientLanguage(tag: string | null | undefined): PatientLanguage {
  const primary = (tag ?? "").toLowerCase().split(/[-_]/)[0];
  return (PATIENT_LANGUAGES as readonly string[]).includes(primary)
    ? primary as PatientLanguage
    : "en";
}

/** The doctor's name as every patient message shows it: one-spaced, cut at MAX_DOCTOR_NAME. */
export function shortDoctorName(name: string): string {
  const clean = name.replace(/\s+/g, " ").trim();
  return clean.length <= MAX_DOCTOR_NAME ? clean : `${clean.slice(0, MAX_DOCTOR_NAME - 1)}…`;
}

/** Building an Intl formatter costs far more than using one: one per language and zone. */
const whenFormatters = new Map<string, { format(ms: number): string }>();

/**
 * India's time under its IANA name and the older one phones and browsers may still report; other
 * spellings a zone check takes ("IST", lower case) are recognised by the zone they resolve to.
 */
const INDIA_TIME_ZONES = new Set(["Asia/Kolkata", "Asia/Calcutta"]);

function isIndiaTime(timeZone: string): boolean {
  return INDIA_TIME_ZONES.has(timeZone) ||
    INDIA_TIME_ZONES.has(new Intl.DateTimeFormat("en", { timeZone }).resolvedOptions().timeZone);
}

export function formatWhen(startMs: number, lang: PatientLanguage, timeZone: string): string {
  const key = `${lang}|${timeZone}`;
  let formatter = whenFormatters.get(key);
  if (!formatter) {
    formatter = patientDateFormat(lang, {
      timeZone,
      weekday: "short",
      day: "numeric",
      month: "short",
      hour: "numeric",
      minute: "2-digit",
      timeZoneName: isIndiaTime(timeZone) ? undefined : "short",
    });
    whenFormatters.set(key, formatter);
  }
  return formatter.format(startMs);
}

export function formatDate(date: string, lang: PatientLanguage): string {
  return patientDateFormat(lang, {
    timeZone: "UTC",
    weekday: "short",
    day: "numeric",
    month: "short",
  }).format(Date.parse(`${date}T12:00:00Z`));
}

/** A patient notice: its text and the template it came from (for WhatsApp). */
export function patientMessage(
  kind: MessageKind,
  language: string,
  params: MessageParams,
): { body: string; template: MessageTemplate } {
  const lang = patientLanguage(language);
  const values = valuesIn(lang, params);
  // One pass with a function: a doctor's name is put in as written, not read for "$&" or "{when}".
  const body = TEMPLATES[lang][kind].replace(
    /\{(doctor|when|date)\}/g,
    (_, name: "doctor" | "when" | "date") => values[name],
  );
  const template = { kind, language: lang, values };
  return {
    body,
    template: lang === "en" ? template : { ...template, englishValues: valuesIn("en", params) },
  };
}

function valuesIn(lang: PatientLanguage, params: MessageParams): Record<string, string> {
  return {
    doctor: shortDoctorName(params.doctorName),
    when: params.startMs === undefined ? "" : formatWhen(params.startMs, lang, params.timeZone),
    date: params.date ? formatDate(params.date, lang) : "",
  };
}

export function renderPatientMessage(
  kind: MessageKind,
  language: string,
  params: MessageParams,
): string {
  return patientMessage(kind, language, params).body;
}

const GSM_7 =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

export function isGsm7(text: string): boolean {
  for (const ch of text) if (!GSM_7.includes(ch)) return false;
  return true;
}

/** The longest body we send: three concatenated SMS segments, or WhatsApp's 1024. */
export function maxLength(channel: "sms" | "whatsapp", body: string): number {
  if (channel === "whatsapp") return 1024;
  return isGsm7(body) ? 3 * 153 : 3 * 67;
}
