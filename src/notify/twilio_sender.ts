/**
 * The production `MessageSender`: sends SMS and WhatsApp messages through the official `twilio` SDK
 * (Messages API) and owns the retry policy and the error mapping for those calls.
 *
 * It retries only when Twilio certainly did not accept the message (connection refused, DNS failure,
 * HTTP 429, HTTP 503), because a second send after an ambiguous failure can text a patient twice.
 * It must never log, or put into an error, the phone number, the body (it carries one-time codes)
 * or the auth token. That is why Twilio's own error text (it echoes the number) and the SDK's
 * network errors (they hold the request, form data and Authorization header) are never kept as
 * message or `cause`: errors carry only the HTTP status, the Twilio error code and a reason.
 */

import twilio from "twilio";
import { PhoneUndeliverableError, ServiceUnavailableError } from "../errors.ts";
import type { Channel, MessageSender, OutgoingMessage, SendResult } from "./message_sender.ts";
import { whatsappContent, type WhatsAppTemplates } from "./whatsapp_templates.ts";

export interface TwilioSenderOptions {
  /** `AC` followed by 32 hex digits. */
  accountSid: string;
  authToken: string;
  /** E.164 sender number; give exactly one of `from` and `messagingServiceSid`. */
  from?: string;
  /** `MG` followed by 32 hex digits. */
  messagingServiceSid?: string;
  /** E.164 WhatsApp sender; without it, messages for the whatsapp channel go out as SMS. */
  whatsappFrom?: string;
  /**
   * Approved Content templates for WhatsApp (whatsapp_templates.ts). A WhatsApp message goes out
   * as its template, never as free-form text; without a template for its kind it goes by SMS.
   */
  whatsappTemplates?: WhatsAppTemplates;
  /** Public URL of the status callback route; Twilio posts delivery states there. */
  statusCallbackUrl?: string;
  /** Per attempt; default 10000. */
  timeoutMs?: number;
  /** Attempts per message, counting the first; default 3. */
  maxAttempts?: number;
  /** Tests only: an origin such as `http://127.0.0.1:8080` that replaces `https://api.twilio.com`. */
  apiBaseUrl?: string;
}

type RequestOptions = Parameters<twilio.RequestClient["request"]>[0];
type CreateParams = Parameters<twilio.Twilio["messages"]["create"]>[0];

interface Failure {
  retryable: boolean;
  undeliverableCode?: number;
  reason: string;
}

const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;
const MESSAGING_SERVICE_SID = /^MG[0-9a-fA-F]{32}$/;
const E164 = /^\+[1-9][0-9]{6,14}$/;
// The recipient cannot take the message (replied STOP, not a valid number, not a mobile):
// retrying or paging on-call will not help. Errors an operator can fix (21408, the region is not
// enabled on the account) stay 503s.
const UNDELIVERABLE_CODES = new Set([21211, 21610, 21614]);
const RETRYABLE_STATUSES = new Set([429, 503]);
// Raised before a connection exists, so Twilio never saw the request.
const RETRYABLE_NETWORK_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN"]);
const TIMEOUT_CODES = new Set(["ECONNABORTED", "ETIMEDOUT"]);
const BACKOFF_BASE_MS = 100;

/**
 * Creates the Twilio sender. Options are checked here, once; a bad option throws a `TypeError`
 * naming it. A WhatsApp message without `whatsappFrom` or without an approved template for its kind
 * is sent as SMS rather than failing, because the one-time code must reach the patient either way
 * and WhatsApp is an optional channel for us (free-form WhatsApp text would be accepted by the API
 * and then dropped outside the 24-hour window).
 */
export function createTwilioSender(options: TwilioSenderOptions): MessageSender {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxAttempts = options.maxAttempts ?? 3;
  validateOptions(options, timeoutMs, maxAttempts);

  const client = twilio(options.accountSid, options.authToken, {
    timeout: timeoutMs,
    autoRetry: false, // the loop below owns retries; the SDK's would multiply attempts
    logLevel: "info", // pins it: TWILIO_LOG_LEVEL=debug in the env would print request headers
    httpClient: options.apiBaseUrl
      ? redirectingRequestClient(options.apiBaseUrl, timeoutMs)
      : undefined,
  });

  const callback = options.statusCallbackUrl ? { statusCallback: options.statusCallbackUrl } : {};

  function createParams(message: OutgoingMessage): { params: CreateParams; channel: Channel } {
    const content = message.channel === "whatsapp" && options.whatsappFrom && message.template
      ? whatsappContent(options.whatsappTemplates ?? {}, message.template)
      : null;
    if (content) {
      return {
        channel: "whatsapp",
        params: {
          to: `whatsapp:${message.to}`,
          from: `whatsapp:${options.whatsappFrom}`,
          ...content,
          ...callback,
        },
      };
    }
    const sender = options.messagingServiceSid
      ? { messagingServiceSid: options.messagingServiceSid }
      : { from: options.from };
    return {
      channel: "sms",
      params: { to: message.to, body: message.body, ...sender, ...callback },
    };
  }

  function classify(error: unknown): Failure {
    const { status, code } = (error ?? {}) as { status?: unknown; code?: unknown };
    if (typeof status === "number") {
      const twilioCode = typeof code === "number" ? code : undefined;
      const undeliverable = status >= 400 && status < 500 &&
        UNDELIVERABLE_CODES.has(twilioCode ?? 0);
      return {
        retryable: RETRYABLE_STATUSES.has(status),
        undeliverableCode: undeliverable ? twilioCode : undefined,
        reason: `HTTP ${status}` + (twilioCode ? `, Twilio error ${twilioCode}` : ""),
      };
    }
    if (typeof code === "string" && TIMEOUT_CODES.has(code)) {
      return { retryable: false, reason: `no response within ${timeoutMs} ms (${code})` };
    }
    if (typeof code === "string") {
      return { retryable: RETRYABLE_NETWORK_CODES.has(code), reason: `network error ${code}` };
    }
    const name = error instanceof Error ? error.name : typeof error;
    return { retryable: false, reason: `unexpected ${name} from the Twilio SDK` };
  }

  return {
    name: "twilio",
    send: async function send(message: OutgoingMessage): Promise<SendResult> {
      const { params, channel } = createParams(message);
      for (let attempt = 1;; attempt++) {
        try {
          const created = await client.messages.create(params);
          return { providerId: created.sid, channel };
        } catch (error) {
          const failure = classify(error);
          if (failure.retryable && attempt < maxAttempts) {
            await delay(BACKOFF_BASE_MS * 2 ** (attempt - 1) * (1 + Math.random() / 2));
            continue;
          }
          if (failure.undeliverableCode) {
            throw new PhoneUndeliverableError(message.channel, failure.undeliverableCode);
          }
          // The client learns only that sending failed; which provider, and whether DNS, TLS
          // or the provider broke, goes to the log through `cause`.
          throw new ServiceUnavailableError(
            "Cannot send the message right now; try again shortly",
            {
              cause: new Error(
                `Cannot send ${message.channel} message via Twilio: ${failure.reason} ` +
                  `(attempt ${attempt} of ${maxAttempts})`,
              ),
            },
          );
        }
      }
    },
  };
}

function validateOptions(options: TwilioSenderOptions, timeoutMs: number, maxAttempts: number) {
  const fail = (what: string) => {
    throw new TypeError(`Cannot create Twilio sender: ${what}`);
  };
  if (!ACCOUNT_SID.test(options.accountSid ?? "")) fail("accountSid must be AC + 32 hex digits");
  if (!options.authToken) fail("authToken is empty");
  if (!options.from === !options.messagingServiceSid) {
    fail("give exactly one of from and messagingServiceSid");
  }
  if (options.from && !E164.test(options.from)) fail("from is not an E.164 number like +1415…");
  if (options.messagingServiceSid && !MESSAGING_SERVICE_SID.test(options.messagingServiceSid)) {
    fail("messagingServiceSid must be MG + 32 hex digits");
  }
  if (options.whatsappFrom !== undefined && !E164.test(options.whatsappFrom)) {
    fail("whatsappFrom is not an E.164 number like +1415…");
  }
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) fail("timeoutMs must be a positive integer");
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) fail("maxAttempts must be at least 1");
  if (options.apiBaseUrl !== undefined && !URL.canParse(options.apiBaseUrl)) {
    fail("apiBaseUrl is not a URL");
  }
}

/** The SDK's own client, building and sending every request; only the origin is swapped. */
function redirectingRequestClient(apiBaseUrl: string, timeoutMs: number): twilio.RequestClient {
  const origin = new URL(apiBaseUrl).origin;
  return new class RedirectingRequestClient extends twilio.RequestClient {
    override request<TData>(opts: RequestOptions & { data?: TData }) {
      const url = new URL(opts.uri);
      return super.request<TData>({ ...opts, uri: origin + url.pathname + url.search });
    }
  }({ timeout: timeoutMs });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
