/**
 * The one message catalogue of the doctor web UI and of API problem texts, keyed by message id,
 * one text per language, with the one `Accept-Language` negotiation both use. (Patient SMS and
 * WhatsApp texts live in patient_templates.ts: they cover more languages and carry per-channel
 * length limits.)
 * To add a language, add its code to LANGUAGES: the type then demands a text for every message.
 * `{name}` placeholders are filled by `t()`; texts are plain (JSX escapes them when rendered).
 */
export const LANGUAGES = ["en", "hi"] as const;
export type Lang = typeof LANGUAGES[number];
export const DEFAULT_LANG: Lang = "en";
export const LANGUAGE_NAMES: Record<Lang, string> = { en: "English", hi: "हिन्दी" };

type Catalogue = Record<string, Record<Lang, string>>;

export const messages = {
  "app.title": { en: "Vaidya for doctors", hi: "वैद्य — डॉक्टरों के लिए" },
  "nav.label": { en: "Main", hi: "मुख्य" },
  "nav.today": { en: "Today", hi: "आज" },
  "nav.week": { en: "Week", hi: "सप्ताह" },
  "nav.availability": { en: "Availability", hi: "उपलब्धता" },
  "nav.profile": { en: "Profile", hi: "प्रोफ़ाइल" },
  "nav.logout": { en: "Log out", hi: "लॉग आउट" },
  "nav.language": { en: "Language", hi: "भाषा" },
  "net.offline": {
    en: "Connection lost. Your changes are not saved until you are back online.",
    hi: "कनेक्शन टूट गया। ऑनलाइन होने तक आपके बदलाव सहेजे नहीं जाएँगे।",
  },
  "login.title": { en: "Doctor login", hi: "डॉक्टर लॉगिन" },
  "login.phone": { en: "Mobile number", hi: "मोबाइल नंबर" },
  "login.phoneHint": {
    en: "With country code, e.g. +919812345678",
    hi: "देश कोड के साथ, जैसे +919812345678",
  },
  "login.sendCode": { en: "Send code", hi: "कोड भेजें" },
  "login.codeSent": {
    en: "We sent a 6-digit code by SMS.",
    hi: "हमने SMS से 6 अंकों का कोड भेजा है।",
  },
  "login.code": { en: "One-time code", hi: "एक-बार का कोड" },
  "login.verify": { en: "Log in", hi: "लॉग इन करें" },
  "login.otherPhone": { en: "Use another number", hi: "दूसरा नंबर चुनें" },
  "login.notDoctor": {
    en: "This number is not registered to a doctor. Patients book through the Vaidya app.",
    hi: "यह नंबर किसी डॉक्टर के नाम पंजीकृत नहीं है। मरीज़ वैद्य ऐप से बुक करें।",
  },
  "login.badPhone": {
    en: "Enter the number with country code, e.g. +919812345678.",
    hi: "नंबर देश कोड के साथ लिखें, जैसे +919812345678।",
  },
  "login.badCode": { en: "The code is wrong or has expired.", hi: "कोड गलत है या समाप्त हो गया है।" },
  "login.expired": {
    en: "Your session ended. Please log in again.",
    hi: "आपका सत्र समाप्त हो गया। कृपया फिर से लॉग इन करें।",
  },
  "error.rateLimited": {
    en: "Too many attempts. Try again in {seconds} seconds.",
    hi: "बहुत अधिक प्रयास। {seconds} सेकंड बाद फिर कोशिश करें।",
  },
  "error.csrfTitle": { en: "Request refused", hi: "अनुरोध अस्वीकार" },
  "error.csrf": {
    en: "This form was out of date or not sent by this page. Go back, reload and try again.",
    hi: "यह फ़ॉर्म पुराना था या इस पेज से नहीं भेजा गया। वापस जाएँ, पेज दोबारा लोड करें और फिर कोशिश करें।",
  },
  "error.notFoundTitle": { en: "Not found", hi: "नहीं मिला" },
  "error.notFound": { en: "There is nothing here.", hi: "यहाँ कुछ नहीं है।" },
  "error.failedTitle": { en: "Something went wrong", hi: "कुछ गलत हो गया" },
  "error.failed": {
    en: "We could not do that. Please try again.",
    hi: "हम यह नहीं कर सके। कृपया फिर कोशिश करें।",
  },
  "error.saveFailed": {
    en: "Not saved. Fix the marked fields and save again.",
    hi: "सहेजा नहीं गया। चिह्नित फ़ील्ड ठीक करके फिर सहेजें।",
  },
  "error.stale": {
    en: "This appointment changed meanwhile: {detail}",
    hi: "इस बीच यह अपॉइंटमेंट बदल गया: {detail}",
  },
  "error.back": { en: "Back to today", hi: "आज पर वापस" },
  "error.changedElsewhere": {
    en: "This visit was changed elsewhere (another tab or device) since this page was loaded, " +
      "so nothing was saved. It is shown below as it is now: reload it, check it, and try again.",
    hi: "यह पेज खुलने के बाद यह विज़िट कहीं और (दूसरे टैब या डिवाइस में) बदल दी गई, इसलिए कुछ भी " +
      "सहेजा नहीं गया। नीचे इसकी अभी की स्थिति दिखाई गई है: पेज फिर से लोड करें, जाँचें और दोबारा प्रयास करें।",
  },
  "saved": { en: "Saved.", hi: "सहेजा गया।" },
  "agenda.title": { en: "Appointments on {date}", hi: "{date} के अपॉइंटमेंट" },
  "agenda.empty": { en: "No appointments.", hi: "कोई अपॉइंटमेंट नहीं।" },
  "agenda.prev": { en: "Previous day", hi: "पिछला दिन" },
  "agenda.next": { en: "Next day", hi: "अगला दिन" },
  "agenda.timeZone": { en: "Times in {zone}", hi: "समय {zone} में" },
  "agenda.inactiveTitle": {
    en: "Your account is deactivated",
    hi: "आपका खाता निष्क्रिय है",
  },
  "agenda.inactive": {
    en: "You are not taking new bookings: patients cannot find you or book a time with you. " +
      "Your existing appointments stand; see them here and record their outcomes as usual. " +
      "An administrator can reactivate you.",
    hi: "आप नए अपॉइंटमेंट नहीं ले रहे हैं: मरीज़ आपको खोज या आपके साथ समय बुक नहीं कर सकते। " +
      "आपके पहले से तय अपॉइंटमेंट बने रहेंगे; उन्हें यहाँ देखें और हमेशा की तरह उनका परिणाम दर्ज करें। " +
      "कोई एडमिन आपको फिर से सक्रिय कर सकता है।",
  },
  "week.title": { en: "Week from {date}", hi: "{date} से सप्ताह" },
  "week.prev": { en: "Previous week", hi: "पिछला सप्ताह" },
  "week.next": { en: "Next week", hi: "अगला सप्ताह" },
  "col.time": { en: "Time", hi: "समय" },
  "col.patient": { en: "Patient", hi: "मरीज़" },
  "col.reason": { en: "Reason", hi: "कारण" },
  "col.status": { en: "Status", hi: "स्थिति" },
  "patient.anonymous": { en: "Patient {id}", hi: "मरीज़ {id}" },
  "status.confirmed": { en: "Confirmed", hi: "पक्का" },
  "status.cancelled": { en: "Cancelled", hi: "रद्द" },
  "status.completed": { en: "Completed", hi: "पूरा" },
  "status.no_show": { en: "No-show", hi: "नहीं आए" },
  "appt.title": { en: "Appointment", hi: "अपॉइंटमेंट" },
  "appt.when": { en: "When", hi: "कब" },
  "appt.noReason": { en: "No reason given", hi: "कोई कारण नहीं दिया" },
  "appt.notes": { en: "Consultation notes", hi: "परामर्श नोट्स" },
  "appt.saveNotes": { en: "Save notes", hi: "नोट्स सहेजें" },
  "appt.markCompleted": { en: "Mark completed", hi: "पूरा चिह्नित करें" },
  "appt.markNoShow": { en: "Mark no-show", hi: "नहीं आए चिह्नित करें" },
  "appt.correctCompleted": {
    en: "Correct: the visit took place",
    hi: "सुधारें: परामर्श हुआ",
  },
  "appt.correctNoShow": { en: "Correct: the patient did not come", hi: "सुधारें: रोगी नहीं आए" },
  "appt.cancelReason": { en: "Reason for cancelling", hi: "रद्द करने का कारण" },
  "appt.cancel": { en: "Cancel appointment", hi: "अपॉइंटमेंट रद्द करें" },
  "appt.cancelledBecause": { en: "Cancelled: {reason}", hi: "रद्द: {reason}" },
  "appt.history": { en: "Earlier visits with you", hi: "आपके साथ पिछली मुलाक़ातें" },
  "appt.noHistory": { en: "First visit.", hi: "पहली मुलाक़ात।" },
  "appt.joinVideo": { en: "Join video", hi: "वीडियो से जुड़ें" },
  "appt.notesTooLong": {
    en: "Notes can be at most {max} characters.",
    hi: "नोट्स अधिकतम {max} अक्षर हो सकते हैं।",
  },
  "avail.title": { en: "Availability", hi: "उपलब्धता" },
  "avail.weekly": { en: "Weekly hours", hi: "साप्ताहिक समय" },
  "avail.weeklyHint": {
    en: "Up to three ranges a day; leave a range empty for a break or a day off.",
    hi: "दिन में तीन समय-खंड तक; अवकाश या छुट्टी के लिए खाली छोड़ें।",
  },
  "avail.from": { en: "From, range {n}", hi: "से, खंड {n}" },
  "avail.to": { en: "To, range {n}", hi: "तक, खंड {n}" },
  "avail.overrides": { en: "Dates with other hours or days off", hi: "अलग समय या छुट्टी वाली तारीखें" },
  "avail.date": { en: "Date {n}", hi: "तारीख {n}" },
  "avail.dayOff": { en: "Day off", hi: "छुट्टी" },
  "avail.policy": { en: "Booking rules", hi: "बुकिंग नियम" },
  "avail.slotMinutes": { en: "Slot length (minutes)", hi: "स्लॉट अवधि (मिनट)" },
  "avail.bufferMinutes": {
    en: "Break after each slot (minutes)",
    hi: "हर स्लॉट के बाद विराम (मिनट)",
  },
  "avail.minNoticeMinutes": { en: "Minimum notice (minutes)", hi: "न्यूनतम पूर्व सूचना (मिनट)" },
  "avail.horizonDays": { en: "Bookable up to (days ahead)", hi: "कितने दिन आगे तक बुकिंग" },
  "avail.maxPerDay": {
    en: "Most bookings a day (empty: no limit)",
    hi: "प्रतिदिन अधिकतम बुकिंग (खाली: कोई सीमा नहीं)",
  },
  "avail.preview": { en: "Preview", hi: "पूर्वावलोकन" },
  "avail.save": { en: "Save availability", hi: "उपलब्धता सहेजें" },
  "avail.previewTitle": { en: "Slots in the coming week", hi: "आने वाले सप्ताह के स्लॉट" },
  "avail.previewNone": { en: "No slots.", hi: "कोई स्लॉट नहीं।" },
  "avail.previewCount": { en: "{count} slots", hi: "{count} स्लॉट" },
  "avail.previewUnsaved": {
    en: "Preview of the form as typed; not saved yet.",
    hi: "लिखे गए फ़ॉर्म का पूर्वावलोकन; अभी सहेजा नहीं गया।",
  },
  "field.badTime": { en: "Use a time like 09:30.", hi: "09:30 जैसा समय लिखें।" },
  "field.endAfterStart": { en: "Must be after the start.", hi: "शुरुआत के बाद होना चाहिए।" },
  "field.bothTimes": { en: "Give both start and end.", hi: "शुरुआत और अंत दोनों दें।" },
  "field.badDate": { en: "Use a date like 2026-12-01.", hi: "2026-12-01 जैसी तारीख लिखें।" },
  "field.badNumber": {
    en: "Enter a whole number from {min} to {max}.",
    hi: "{min} से {max} तक पूर्ण संख्या लिखें।",
  },
  "field.invalid": { en: "Check this value: {detail}", hi: "यह मान जाँचें: {detail}" },
  "profile.title": { en: "Your profile", hi: "आपकी प्रोफ़ाइल" },
  "profile.languages": { en: "Languages you consult in", hi: "परामर्श की भाषाएँ" },
  "profile.specializations": { en: "Specializations", hi: "विशेषज्ञताएँ" },
  "profile.listHint": { en: "Separate with commas.", hi: "अल्पविराम से अलग करें।" },
  "profile.fee": { en: "Fee (₹, empty: not shown)", hi: "शुल्क (₹, खाली: नहीं दिखेगा)" },
  "profile.bio": { en: "About you", hi: "आपके बारे में" },
  "profile.save": { en: "Save profile", hi: "प्रोफ़ाइल सहेजें" },
  "profile.needOne": { en: "Give at least one.", hi: "कम से कम एक दें।" },
  "profile.tooLong": { en: "At most {max} characters.", hi: "अधिकतम {max} अक्षर।" },
  "profile.tooMany": { en: "Give at most {max}.", hi: "अधिकतम {max} दें।" },
  // API problem texts, by problem `code` (src/i18n/problems.ts).
  "problem.validation_failed.title": { en: "Validation failed", hi: "अमान्य अनुरोध" },
  "problem.validation_failed.detail": {
    en: "The request has fields that are not valid.",
    hi: "अनुरोध के कुछ फ़ील्ड सही नहीं हैं।",
  },
  "problem.not_found.title": { en: "Not found", hi: "नहीं मिला" },
  "problem.not_found.detail": { en: "This resource does not exist.", hi: "यह संसाधन मौजूद नहीं है।" },
  "problem.unauthenticated.title": { en: "Unauthenticated", hi: "लॉग इन आवश्यक" },
  "problem.unauthenticated.detail": { en: "Please log in again.", hi: "कृपया फिर से लॉग इन करें।" },
  "problem.forbidden.title": { en: "Forbidden", hi: "अनुमति नहीं" },
  "problem.forbidden.detail": {
    en: "Your role may not do this.",
    hi: "आपकी भूमिका यह नहीं कर सकती।",
  },
  "problem.slot_unavailable.title": { en: "Slot unavailable", hi: "स्लॉट उपलब्ध नहीं" },
  "problem.slot_unavailable.detail": {
    en: "That time is no longer available.",
    hi: "यह समय अब उपलब्ध नहीं है।",
  },
  "problem.doctor_inactive.title": { en: "Doctor inactive", hi: "डॉक्टर निष्क्रिय" },
  "problem.doctor_inactive.detail": {
    en: "This doctor is not taking bookings.",
    hi: "यह डॉक्टर अभी बुकिंग नहीं ले रहे हैं।",
  },
  "problem.hold_expired.title": { en: "Hold expired", hi: "होल्ड समाप्त" },
  "problem.hold_expired.detail": {
    en: "The hold has expired; hold the slot again.",
    hi: "होल्ड की समय-सीमा समाप्त हो गई; स्लॉट फिर से होल्ड करें।",
  },
  "problem.invalid_code.title": { en: "Invalid code", hi: "गलत कोड" },
  "problem.invalid_code.detail": {
    en: "The code is wrong or has expired.",
    hi: "कोड गलत है या समाप्त हो गया है।",
  },
  "problem.rate_limited.title": { en: "Too many requests", hi: "बहुत अधिक अनुरोध" },
  "problem.rate_limited.detail": {
    en: "Try again in a little while.",
    hi: "कुछ देर बाद फिर कोशिश करें।",
  },
  "problem.idempotency_conflict.title": { en: "Idempotency key reused", hi: "दोहराई गई कुंजी" },
  "problem.idempotency_conflict.detail": {
    en: "This Idempotency-Key was used with a different request.",
    hi: "यह Idempotency-Key किसी दूसरे अनुरोध के साथ उपयोग हो चुकी है।",
  },
  "problem.course_unavailable.title": { en: "Course unavailable", hi: "कोर्स उपलब्ध नहीं" },
  "problem.course_unavailable.detail": {
    en: "Some sessions of the course are not available; nothing was held. See the alternatives.",
    hi: "कोर्स के कुछ सत्र उपलब्ध नहीं हैं; कुछ भी होल्ड नहीं किया गया। विकल्प देखें।",
  },
  "problem.hold_limit_reached.title": { en: "Hold limit reached", hi: "होल्ड सीमा पूरी" },
  "problem.hold_limit_reached.detail": {
    en: "Confirm or release one of your holds first.",
    hi: "पहले किसी होल्ड की पुष्टि करें या उसे छोड़ें।",
  },
  "problem.waitlist_limit_reached.title": {
    en: "Waitlist limit reached",
    hi: "प्रतीक्षा सूची सीमा पूरी",
  },
  "problem.waitlist_limit_reached.detail": {
    en: "Leave one of the days you are waiting on first.",
    hi: "पहले किसी एक दिन की प्रतीक्षा सूची छोड़ें।",
  },
  "problem.cutoff_passed.title": { en: "Too close to the start", hi: "समय-सीमा निकल गई" },
  "problem.cutoff_passed.detail": {
    en: "This change is not possible this close to the start.",
    hi: "शुरू होने से ठीक पहले यह बदलाव संभव नहीं है।",
  },
  "problem.invalid_state.title": { en: "Invalid state", hi: "अमान्य स्थिति" },
  "problem.invalid_state.detail": {
    en: "This is not possible in the appointment's current state.",
    hi: "इस स्थिति में यह कार्य संभव नहीं है।",
  },
  "problem.precondition_failed.title": { en: "Precondition failed", hi: "पूर्व-शर्त पूरी नहीं हुई" },
  "problem.precondition_failed.detail": {
    en: "The appointment changed since you read it; read it again before changing it.",
    hi: "आपके पढ़ने के बाद अपॉइंटमेंट बदल गया; बदलने से पहले इसे फिर से पढ़ें।",
  },
  "problem.service_unavailable.title": { en: "Service unavailable", hi: "सेवा अनुपलब्ध" },
  "problem.service_unavailable.detail": {
    en: "Please try again in a little while.",
    hi: "कृपया थोड़ी देर बाद फिर कोशिश करें।",
  },
  "problem.internal_error.title": { en: "Internal error", hi: "आंतरिक त्रुटि" },
  "problem.internal_error.detail": {
    en: "Something went wrong on our side; it has been logged.",
    hi: "हमारी ओर से कुछ गलत हुआ; इसे दर्ज कर लिया गया है।",
  },
  "problem.generic.title": { en: "Request not completed", hi: "अनुरोध पूरा नहीं हुआ" },
  "problem.generic.detail": {
    en: "This request could not be completed.",
    hi: "यह अनुरोध पूरा नहीं किया जा सका।",
  },
} as const satisfies Catalogue;

export type MessageId = keyof typeof messages;

export function isLang(value: unknown): value is Lang {
  return typeof value === "string" && (LANGUAGES as readonly string[]).includes(value);
}

/** `text` with its `{name}` placeholders filled from `params` (unknown names stay as they are). */
export function fillPlaceholders(text: string, params: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (whole, name) => name in params ? String(params[name]) : whole);
}

/** The text of `id` in `lang` with `{name}` placeholders filled. */
export function t(lang: Lang, id: MessageId, params: Record<string, string | number> = {}) {
  return fillPlaceholders(messages[id][lang], params);
}

/** The best supported language of an `Accept-Language` header (q-values honoured), else the default. */
export function langFromAcceptLanguage(header: string | null | undefined): Lang {
  return bestLanguage(header, LANGUAGES, DEFAULT_LANG);
}

/** The ranges of an `Accept-Language` header that are read; the rest are ignored. */
const MAX_RANGES = 32;

/** Ranges seen so far and their language; bounded, since any client can send new ones. */
const rangeLanguages = new Map<string, string>();

/**
 * The language one `Accept-Language` range asks for, as our texts are written: CLDR's aliases
 * resolved ("ory" is Odia, "or"), and "" when it asks for a script other than the one the
 * language is written in here by default ("pa-Arab", and "pa-PK" whose script that is: Shahmukhi
 * readers cannot read our Gurmukhi Punjabi).
 */
function rangeLanguage(range: string): string {
  const primary = range.split("-")[0];
  if (range === primary && primary.length === 2) return primary;
  let found = rangeLanguages.get(range);
  if (found === undefined) {
    try {
      const locale = new Intl.Locale(range);
      const ownScript = new Intl.Locale(locale.language).maximize().script;
      found = locale.maximize().script === ownScript ? locale.language : "";
    } catch {
      found = primary; // "*", or not a language tag
    }
    if (rangeLanguages.size >= 1000) rangeLanguages.clear();
    rangeLanguages.set(range, found);
  }
  return found;
}

/**
 * The best of `supported` in an `Accept-Language` header (q-values honoured, region ignored but
 * for the script it implies), else `fallback`. Shared by the doctor UI (two languages) and the patient pages (all of PATIENT_LANGUAGES).
 */
export function bestLanguage<L extends string>(
  header: string | null | undefined,
  supported: readonly L[],
  fallback: L,
): L {
  if (!header) return fallback;
  // Browsers send a few ranges; reading thousands would cost an Intl.Locale each.
  const ranked = header.split(",", MAX_RANGES).map((part, i) => {
    const [tag, ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean);
    return { lang: rangeLanguage(tag.trim()), q: q === undefined ? 1 : Number(q), i };
  }).filter((r) => r.q > 0).sort((a, b) => b.q - a.q || a.i - b.i);
  return ranked.map((r) => r.lang).find((l): l is L =>
    (supported as readonly string[]).includes(l)
  ) ??
    fallback;
}
