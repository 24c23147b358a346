/**
 * A local stand-in for Twilio's Messages API, for the real SDK (`TWILIO_API_BASE_URL`): it checks
 * the account's basic auth, keeps every message it was asked to send, and answers 201, or a 500
 * for the next `failOnce()` sends, or a 400 with Twilio's error code for a phone it was told to
 * `refuse(phone, code)` (21610: the person replied STOP). `latestCode(phone)` reads the one-time code of the last message
 * to a phone, the way `Api.latestCode` reads the dev outbox.
 */
export const TWILIO_SID = "AC" + "0123456789abcdef".repeat(2);
export const TWILIO_TOKEN = "test-auth-token-123";

export interface SentMessage {
  to: string;
  from: string;
  body: string;
}

/** The six-digit code in a message's text ("" when it has none). */
export const codeIn = (body: string) => /\b(\d{6})\b/.exec(body)?.[1] ?? "";

export function fakeTwilio() {
  const sent: SentMessage[] = [];
  let failNext = 0;
  const refused = new Map<string, number>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const form = new URLSearchParams(await req.text());
    const auth = req.headers.get("authorization");
    if (auth !== `Basic ${btoa(`${TWILIO_SID}:${TWILIO_TOKEN}`)}`) {
      return new Response("{}", { status: 401 });
    }
    const entry = {
      to: form.get("To") ?? "",
      from: form.get("From") ?? "",
      body: form.get("Body") ?? "",
    };
    sent.push(entry);
    const refusal = refused.get(entry.to.replace(/^whatsapp:/, ""));
    if (refusal) {
      const message = `Cannot send to ${entry.to} (error ${refusal})`;
      return Response.json({ code: refusal, message, status: 400 }, { status: 400 });
    }
    if (failNext > 0) {
      failNext--;
      return Response.json({ code: 20500, message: "Internal Server Error", status: 500 }, {
        status: 500,
      });
    }
    return Response.json({ sid: `SM${crypto.randomUUID().replace(/-/g, "")}`, status: "queued" }, {
      status: 201,
    });
  });
  const url = `http://127.0.0.1:${server.addr.port}`;
  return {
    url,
    sent,
    /** The server's settings for sending through this fake (SMS and WhatsApp senders). */
    env: {
      TWILIO_ACCOUNT_SID: TWILIO_SID,
      TWILIO_AUTH_TOKEN: TWILIO_TOKEN,
      TWILIO_FROM: "+15005550006",
      TWILIO_WHATSAPP_FROM: "+14155238886",
      TWILIO_API_BASE_URL: url,
    },
    failOnce: () => void (failNext = 1),
    /** Every later message to `phone` is refused with Twilio error `code` (400). */
    refuse: (phone: string, code: number) => void refused.set(phone, code),
    latestCode(phone: string): Promise<string> {
      const message = sent.findLast((m) => m.to === phone && codeIn(m.body));
      if (!message) throw new Error(`no code message to ${phone}`);
      return Promise.resolve(codeIn(message.body));
    },
    close: () => server.shutdown(),
  };
}
