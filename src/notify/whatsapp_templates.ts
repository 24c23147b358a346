/**
 * WhatsApp templates (Twilio Content): business-initiated WhatsApp messages (codes, notices,
 * reminders) must use a template approved by WhatsApp; free-form text is refused outside the
 * 24-hour window after the patient last wrote to us (Twilio error 63016, reported only later, in
 * the status callback). `TWILIO_WHATSAPP_TEMPLATES` maps each message kind and language to a
 * Content SID and to the named values that fill its `{{1}}`, `{{2}}`, ... in order:
 *
 *   {"login_code": {"en": {"contentSid": "HX…", "variables": ["code", "minutes"]}}, …}
 *
 * A kind without a template in the patient's language uses the English one; with neither the
 * message goes out by SMS.
 */
import { z } from "zod";
import { CODE_KINDS } from "../i18n/code_templates.ts";
import { MESSAGE_KINDS } from "../i18n/patient_templates.ts";
import type { MessageTemplate, TemplateKind } from "./message_sender.ts";

export const TEMPLATE_KINDS = [...CODE_KINDS, ...MESSAGE_KINDS] as const;

/** The named values each kind's text has (code_templates.ts, patient_templates.ts). */
export const TEMPLATE_VALUES: Record<TemplateKind, readonly string[]> = {
  login_code: ["code", "minutes"],
  hold_code: ["code", "minutes", "doctor", "when"],
  course_code: ["code", "minutes", "doctor", "sessions"],
  confirmed: ["doctor", "when"],
  cancelled: ["doctor", "when"],
  rescheduled: ["doctor", "when"],
  reminder_24h: ["doctor", "when"],
  reminder_1h: ["doctor", "when"],
  waitlist_open: ["doctor", "date"],
};

const Template = z.object({
  contentSid: z.string().regex(/^HX[0-9a-fA-F]{32}$/, "must be HX followed by 32 hex digits"),
  variables: z.array(z.string()).min(1).max(10),
});

const Templates = z.partialRecord(
  z.enum(TEMPLATE_KINDS),
  z.record(z.string().regex(/^[a-z]{2}$/, "language must be a two-letter code"), Template),
).superRefine((all, ctx) => {
  for (const [kind, byLang] of Object.entries(all)) {
    const known = TEMPLATE_VALUES[kind as TemplateKind];
    for (const [lang, t] of Object.entries(byLang ?? {})) {
      for (const v of t.variables) {
        if (!known.includes(v)) {
          ctx.addIssue({
            code: "custom",
            path: [kind, lang, "variables"],
            message: `"${v}" is not a value of ${kind} (one of ${known.join(", ")})`,
          });
        }
      }
    }
  }
});

export type WhatsAppTemplates = z.infer<typeof Templates>;

/** The config value: JSON text, validated. */
export const WhatsAppTemplatesJson = z.string().transform((text, ctx) => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    ctx.addIssue({ code: "custom", message: "is not valid JSON" });
    return z.NEVER;
  }
}).pipe(Templates);

/** Twilio's `contentSid` and `contentVariables` for `t`, or null when no template fits. */
export function whatsappContent(
  templates: WhatsAppTemplates,
  t: MessageTemplate,
): { contentSid: string; contentVariables: string } | null {
  const byLang = templates[t.kind];
  const own = byLang?.[t.language];
  const chosen = own ?? byLang?.en;
  if (!chosen) return null;
  // The English template reads its times and dates in English, not in the patient's script.
  const values = own ? t.values : t.englishValues ?? t.values;
  const variables = Object.fromEntries(
    chosen.variables.map((name, i) => [String(i + 1), values[name] ?? ""]),
  );
  return { contentSid: chosen.contentSid, contentVariables: JSON.stringify(variables) };
}
