/**
 * Problem `title`/`detail` texts in Hindi, keyed by the stable problem `code`, and the
 * `Accept-Language` negotiation that picks them. English stays the text the error was raised
 * with (it can name ids and limits); a Hindi reader gets a fixed sentence per code instead, so no
 * id, phone or medical text is ever machine-translated. `code` itself never changes.
 */
import { DEFAULT_LANG, type Lang, LANGUAGES } from "./messages.ts";

type HindiProblem = { title: string; detail: string };

export const HINDI_PROBLEMS: Record<string, HindiProblem> = {
  validation_failed: { title: "अमान्य अनुरोध", detail: "अनुरोध के कुछ फ़ील्ड सही नहीं हैं।" },
  not_found: { title: "नहीं मिला", detail: "यह संसाधन मौजूद नहीं है।" },
  unauthenticated: { title: "लॉग इन आवश्यक", detail: "कृपया फिर से लॉग इन करें।" },
  forbidden: { title: "अनुमति नहीं", detail: "आपकी भूमिका यह नहीं कर सकती।" },
  slot_unavailable: { title: "स्लॉट उपलब्ध नहीं", detail: "यह समय अब उपलब्ध नहीं है।" },
  hold_expired: {
    title: "होल्ड समाप्त",
    detail: "होल्ड की समय-सीमा समाप्त हो गई; स्लॉट फिर से होल्ड करें।",
  },
  invalid_code: { title: "गलत कोड", detail: "कोड गलत है या समाप्त हो गया है।" },
  rate_limited: { title: "बहुत अधिक अनुरोध", detail: "कुछ देर बाद फिर कोशिश करें।" },
  idempotency_conflict: {
    title: "दोहराई गई कुंजी",
    detail: "यह Idempotency-Key किसी दूसरे अनुरोध के साथ उपयोग हो चुकी है।",
  },
  course_unavailable: {
    title: "कोर्स उपलब्ध नहीं",
    detail: "कोर्स के कुछ सत्र उपलब्ध नहीं हैं; कुछ भी होल्ड नहीं किया गया। विकल्प देखें।",
  },
  hold_limit_reached: {
    title: "होल्ड सीमा पूरी",
    detail: "पहले किसी होल्ड की पुष्टि करें या उसे छोड़ें।",
  },
  cutoff_passed: { title: "समय-सीमा निकल गई", detail: "शुरू होने से ठीक पहले यह बदलाव संभव नहीं है।" },
  invalid_state: { title: "अमान्य स्थिति", detail: "इस स्थिति में यह कार्य संभव नहीं है।" },
  service_unavailable: { title: "सेवा अनुपलब्ध", detail: "कृपया थोड़ी देर बाद फिर कोशिश करें।" },
  internal_error: { title: "आंतरिक त्रुटि", detail: "हमारी ओर से कुछ गलत हुआ; इसे दर्ज कर लिया गया है।" },
};

const GENERIC_HI: HindiProblem = {
  title: "अनुरोध पूरा नहीं हुआ",
  detail: "यह अनुरोध पूरा नहीं किया जा सका।",
};

/** The best supported language of an `Accept-Language` header (q-values honoured). */
export function negotiateLanguage(header: string | null | undefined): Lang {
  if (!header) return DEFAULT_LANG;
  const ranked = header.split(",").map((part, i) => {
    const [tag, ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean);
    return { lang: tag.split("-")[0], q: q === undefined ? 1 : Number(q), i };
  }).filter((r) => r.q > 0).sort((a, b) => b.q - a.q || a.i - b.i);
  const hit = ranked.find((r) => (LANGUAGES as readonly string[]).includes(r.lang));
  return (hit?.lang as Lang | undefined) ?? DEFAULT_LANG;
}

/** Title and detail for `code` in `lang`; English keeps the original texts. */
export function localizeProblem(
  lang: Lang,
  code: string,
  english: { title: string; detail: string },
): { title: string; detail: string } {
  if (lang !== "hi") return english;
  return HINDI_PROBLEMS[code] ?? GENERIC_HI;
}
