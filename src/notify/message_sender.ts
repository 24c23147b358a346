/**
 * The port every outgoing patient/doctor message goes through (SMS or WhatsApp).
 * Adapters: the console sender with a dev outbox (embedded default) and Twilio (production).
 * A sender must never log the phone number or the body: bodies carry one-time codes.
 */

import type { CodeKind } from "../i18n/code_templates.ts";
import type { MessageKind } from "../i18n/patient_templates.ts";

export type Channel = "sms" | "whatsapp";
export type TemplateKind = CodeKind | MessageKind;

/**
 * What a message says, as a template kind and its named values (`{code: "482913", minutes: "5"}`),
 * in the patient's language: WhatsApp business-initiated messages must use a pre-approved
 * template (Twilio Content, see whatsapp_templates.ts), filled from these values.
 */
export interface MessageTemplate {
  kind: TemplateKind;
  language: string;
  values: Record<string, string>;
  /**
   * The values as the English template shows them (times and dates in English), where `language`
   * is another: WhatsApp falls back to the English template when the language has none.
   */
  englishValues?: Record<string, string>;
}

export interface OutgoingMessage {
  /** E.164 phone number, e.g. +919812345678 (no `whatsapp:` prefix; the adapter adds it). */
  to: string;
  body: string;
  channel: Channel;
  /** The one-time code inside the body, if any; only the dev outbox keeps it (for tests). */
  code?: string;
  /** The template the body was rendered from; required to reach WhatsApp. */
  template?: MessageTemplate;
}

export interface SendResult {
  /** The provider's message id (Twilio SID), or a local id. */
  providerId: string;
  /** The channel it really went out on, when the sender chose another (WhatsApp without a template goes by SMS). */
  channel?: Channel;
}

export interface MessageSender {
  readonly name: string;
  /**
   * Sends one message. Throws `ServiceUnavailableError` (from src/errors.ts) when the provider could
   * not take it (network error, timeout, 5xx, 429, or an account error that a retry cannot fix
   * is also a 503 for the caller, with a distinct log line), and `PhoneUndeliverableError` when it
   * refused the recipient for good (replied STOP, not a valid or not a mobile number).
   */
  send(message: OutgoingMessage): Promise<SendResult>;
}
