/**
 * The port every outgoing patient/doctor message goes through (SMS or WhatsApp).
 * Adapters: the console sender with a dev outbox (embedded default) and Twilio (production).
 * A sender must never log the phone number or the body: bodies carry one-time codes.
 */

export type Channel = "sms" | "whatsapp";

export interface OutgoingMessage {
  /** E.164 phone number, e.g. +919812345678 (no `whatsapp:` prefix; the adapter adds it). */
  to: string;
  body: string;
  channel: Channel;
  /** The one-time code inside the body, if any; only the dev outbox keeps it (for tests). */
  code?: string;
}

export interface SendResult {
  /** The provider's message id (Twilio SID), or a local id. */
  providerId: string;
}

export interface MessageSender {
  readonly name: string;
  /**
   * Sends one message. Throws `ServiceUnavailableError` (from src/errors.ts) when the provider could
   * not take it (network error, timeout, 5xx, 429, or an account/number error that a retry cannot fix
   * is also a 503 for the caller, with a distinct log line).
   */
  send(message: OutgoingMessage): Promise<SendResult>;
}
