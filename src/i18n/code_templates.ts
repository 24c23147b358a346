/**
 * Texts of the messages that carry a one-time code: the login code, the code that confirms a held
 * slot and the code that confirms a held course. One function per kind, each in every
 * language of patient_templates.ts, with the doctor's name and time rendered the same way as the
 * booking notices (patient's language and time zone). The code itself stays in ASCII digits, the
 * way it is typed back. Like every patient text: no reason for a visit, no notes, no medical text.
 */
import {
  formatWhen,
  type PatientLanguage,
  patientLanguage,
  shortDoctorName,
} from "./patient_templates.ts";
import type { MessageTemplate } from "../notify/message_sender.ts";

export const CODE_KINDS = ["login_code", "hold_code", "course_code"] as const;
export type CodeKind = typeof CODE_KINDS[number];

/**
 * `{code}` the code, `{minutes}` how long it is valid, `{doctor}` the doctor's name, `{when}` the
 * local start of the held slot, `{sessions}` the number of sessions of a course.
 */
const TEMPLATES: Record<PatientLanguage, Record<CodeKind, string>> = {
  en: {
    login_code:
      "Vaidya: your login code is {code}. It expires in {minutes} minutes. Never share it.",
    hold_code:
      "Vaidya: code {code} confirms your visit with {doctor} on {when}. Valid {minutes} min.",
    course_code:
      "Vaidya: code {code} confirms your course of {sessions} sessions with {doctor}. Valid {minutes} min.",
  },
  hi: {
    login_code:
      "Vaidya: आपका लॉगिन कोड {code} है। यह {minutes} मिनट में समाप्त होगा। इसे किसी को न बताएँ।",
    hold_code: "Vaidya: कोड {code} से {doctor} के साथ {when} का परामर्श पक्का करें। {minutes} मिनट मान्य।",
    course_code:
      "Vaidya: कोड {code} से {doctor} के साथ {sessions} सत्रों का कोर्स पक्का करें। {minutes} मिनट मान्य।",
  },
  ta: {
    login_code:
      "Vaidya: உங்கள் உள்நுழைவு குறியீடு {code}. இது {minutes} நிமிடங்களில் காலாவதியாகும். யாருடனும் பகிர வேண்டாம்.",
    hold_code:
      "Vaidya: {doctor} உடனான {when} ஆலோசனையை உறுதி செய்ய குறியீடு {code}. {minutes} நிமிடம் செல்லும்.",
    course_code:
      "Vaidya: {doctor} உடனான {sessions} அமர்வுகளை உறுதி செய்ய குறியீடு {code}. {minutes} நிமிடம் செல்லும்.",
  },
  te: {
    login_code: "Vaidya: మీ లాగిన్ కోడ్ {code}. ఇది {minutes} నిమిషాల్లో ముగుస్తుంది. ఎవరితోనూ పంచుకోవద్దు.",
    hold_code:
      "Vaidya: {doctor} తో {when} సంప్రదింపును ఖరారు చేయడానికి కోడ్ {code}. {minutes} నిమిషాలు చెల్లుతుంది.",
    course_code:
      "Vaidya: {doctor} తో {sessions} సెషన్ల కోర్సును ఖరారు చేయడానికి కోడ్ {code}. {minutes} నిమిషాలు చెల్లుతుంది.",
  },
  kn: {
    login_code: "Vaidya: ನಿಮ್ಮ ಲಾಗಿನ್ ಕೋಡ್ {code}. ಇದು {minutes} ನಿಮಿಷಗಳಲ್ಲಿ ಮುಗಿಯುತ್ತದೆ. ಯಾರೊಂದಿಗೂ ಹಂಚಿಕೊಳ್ಳಬೇಡಿ.",
    hold_code: "Vaidya: {doctor} ಅವರೊಂದಿಗೆ {when}ರ ಸಮಾಲೋಚನೆ ದೃಢಪಡಿಸಲು ಕೋಡ್ {code}. {minutes} ನಿಮಿಷ ಮಾನ್ಯ.",
    course_code:
      "Vaidya: {doctor} ಅವರೊಂದಿಗೆ {sessions} ಅವಧಿಗಳ ಕೋರ್ಸ್ ದೃಢಪಡಿಸಲು ಕೋಡ್ {code}. {minutes} ನಿಮಿಷ ಮಾನ್ಯ.",
  },
  ml: {
    login_code:
      "Vaidya: നിങ്ങളുടെ ലോഗിൻ കോഡ് {code}. ഇത് {minutes} മിനിറ്റിൽ കാലഹരണപ്പെടും. ആരുമായും പങ്കിടരുത്.",
    hold_code:
      "Vaidya: {doctor} ഉമായുള്ള {when}ലെ കൺസൾട്ടേഷൻ ഉറപ്പാക്കാൻ കോഡ് {code}. {minutes} മിനിറ്റ് സാധുത.",
    course_code:
      "Vaidya: {doctor} ഉമായുള്ള {sessions} സെഷനുകൾ ഉറപ്പാക്കാൻ കോഡ് {code}. {minutes} മിനിറ്റ് സാധുത.",
  },
  bn: {
    login_code: "Vaidya: আপনার লগইন কোড {code}। এটি {minutes} মিনিটে মেয়াদ শেষ হবে। কাউকে জানাবেন না।",
    hold_code:
      "Vaidya: {doctor}-এর সাথে {when}-এর পরামর্শ নিশ্চিত করতে কোড {code}। {minutes} মিনিট বৈধ।",
    course_code:
      "Vaidya: {doctor}-এর সাথে {sessions}টি সেশনের কোর্স নিশ্চিত করতে কোড {code}। {minutes} মিনিট বৈধ।",
  },
  mr: {
    login_code: "Vaidya: तुमचा लॉगिन कोड {code} आहे. तो {minutes} मिनिटांत संपेल. कोणालाही सांगू नका.",
    hold_code:
      "Vaidya: {doctor} यांच्यासोबत {when} चा सल्ला निश्चित करण्यासाठी कोड {code}. {minutes} मिनिटे वैध.",
    course_code:
      "Vaidya: {doctor} यांच्यासोबत {sessions} सत्रांचा कोर्स निश्चित करण्यासाठी कोड {code}. {minutes} मिनिटे वैध.",
  },
  gu: {
    login_code:
      "Vaidya: તમારો લૉગિન કોડ {code} છે. તે {minutes} મિનિટમાં સમાપ્ત થશે. તે કોઈને જણાવશો નહીં.",
    hold_code:
      "Vaidya: {doctor} સાથે {when}નો પરામર્શ નક્કી કરવા માટે કોડ {code}. {minutes} મિનિટ માન્ય.",
    course_code:
      "Vaidya: {doctor} સાથે {sessions} સત્રોનો કોર્સ નક્કી કરવા માટે કોડ {code}. {minutes} મિનિટ માન્ય.",
  },
  pa: {
    login_code:
      "Vaidya: ਤੁਹਾਡਾ ਲੌਗਇਨ ਕੋਡ {code} ਹੈ। ਇਹ {minutes} ਮਿੰਟਾਂ ਵਿੱਚ ਖ਼ਤਮ ਹੋ ਜਾਵੇਗਾ। ਇਹ ਕਿਸੇ ਨੂੰ ਨਾ ਦੱਸੋ।",
    hold_code:
      "Vaidya: {doctor} ਨਾਲ {when} ਦਾ ਸਲਾਹ-ਮਸ਼ਵਰਾ ਪੱਕਾ ਕਰਨ ਲਈ ਕੋਡ {code}। {minutes} ਮਿੰਟ ਲਈ ਵੈਧ।",
    course_code:
      "Vaidya: {doctor} ਨਾਲ {sessions} ਸੈਸ਼ਨਾਂ ਦਾ ਕੋਰਸ ਪੱਕਾ ਕਰਨ ਲਈ ਕੋਡ {code}। {minutes} ਮਿੰਟ ਲਈ ਵੈਧ।",
  },
  or: {
    login_code: "Vaidya: ଆପଣଙ୍କ ଲଗଇନ୍ କୋଡ୍ {code}। ଏହା {minutes} ମିନିଟରେ ସମାପ୍ତ ହେବ। ଏହାକୁ କାହାକୁ କୁହନ୍ତୁ ନାହିଁ।",
    hold_code: "Vaidya: {doctor}ଙ୍କ ସହ {when}ର ପରାମର୍ଶ ନିଶ୍ଚିତ କରିବାକୁ କୋଡ୍ {code}। {minutes} ମିନିଟ ପାଇଁ ବୈଧ।",
    course_code:
      "Vaidya: {doctor}ଙ୍କ ସହ {sessions}ଟି ସେସନର କୋର୍ସ ନିଶ୍ଚିତ କରିବାକୁ କୋଡ୍ {code}। {minutes} ମିନିଟ ପାଇଁ ବୈଧ।",
  },
};

/** A code message: its text and the template it came from (for WhatsApp). */
export interface RenderedCodeMessage {
  body: string;
  template: MessageTemplate;
}

function message(
  kind: CodeKind,
  language: string,
  values: Record<string, string>,
  /** The values for the English template (WhatsApp's fallback) where they read differently. */
  englishValues?: Record<string, string>,
): RenderedCodeMessage {
  const lang = patientLanguage(language);
  const text = TEMPLATES[lang][kind];
  const template = { kind, language: lang, values };
  return {
    body: text.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole),
    template: englishValues && lang !== "en" ? { ...template, englishValues } : template,
  };
}

const minutes = (seconds: number) => String(Math.max(1, Math.round(seconds / 60)));

/** The login code message; `language` any tag (`hi-IN`, `ta`), unknown ones get English. */
export function loginCodeMessage(
  language: string,
  p: { code: string; validSeconds: number },
): RenderedCodeMessage {
  return message("login_code", language, { code: p.code, minutes: minutes(p.validSeconds) });
}

/** The code that confirms one held slot, its start in the patient's zone and locale. */
export function holdCodeMessage(
  language: string,
  p: { code: string; validSeconds: number; doctorName: string; startMs: number; timeZone: string },
): RenderedCodeMessage {
  const lang = patientLanguage(language);
  const values = {
    code: p.code,
    minutes: minutes(p.validSeconds),
    doctor: shortDoctorName(p.doctorName),
    when: formatWhen(p.startMs, lang, p.timeZone),
  };
  // The English fallback's time is formatted only for a patient who reads another language: every
  // hold sends this, and most go to English readers.
  const english = lang === "en"
    ? undefined
    : { ...values, when: formatWhen(p.startMs, "en", p.timeZone) };
  return message("hold_code", language, values, english);
}

/** The code that confirms a held course of `sessions` sessions. */
export function courseCodeMessage(
  language: string,
  p: { code: string; validSeconds: number; doctorName: string; sessions: number },
): RenderedCodeMessage {
  return message("course_code", language, {
    code: p.code,
    minutes: minutes(p.validSeconds),
    doctor: shortDoctorName(p.doctorName),
    sessions: String(p.sessions),
  });
}
