/**
 * Erasure and a WhatsApp message still in flight: the delivery tracker keeps the message sealed
 * (phone and text) until Twilio reports it delivered or failed, to send it again by SMS on
 * failure. Once the patient has erased themself, that copy must be gone and a late "undelivered"
 * callback must send nothing to the erased phone.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { randomPhone } from "../_harness/api.ts";
import { startApp } from "../_harness/app.ts";
import { deliveryKey } from "../../src/stores/kv/keys.ts";
import type { DeliveryRecord } from "../../src/notify/delivery_tracker.ts";

const SID = "AC" + "0123456789abcdef".repeat(2);
const TOKEN = "test-auth-token-erasure";
const PUBLIC = "https://vaidya.example";
const CALLBACK = `${PUBLIC}/webhooks/twilio/status`;
const TEMPLATES = {
  login_code: { en: { contentSid: "HX" + "1".repeat(32), variables: ["code", "minutes"] } },
};

type Form = Record<string, string>;

function fakeTwilio() {
  const sent: (Form & { sid: string })[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const form = Object.fromEntries(new URLSearchParams(await req.text()));
    const sid = `SM${crypto.randomUUID().replace(/-/g, "")}`;
    sent.push({ ...form, sid });
    return Response.json({ sid, status: "queued" }, { status: 201 });
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, sent, close: () => server.shutdown() };
}

/** Twilio's documented scheme: base64 HMAC-SHA1 of the URL followed by each sorted key and value. */
function twilioSignature(url: string, params: Form): string {
  const data = url + Object.keys(params).sort().map((k) => k + params[k]).join("");
  return createHmac("sha1", TOKEN).update(data).digest("base64");
}

Deno.test("DELETE /v1/me drops a WhatsApp message kept for an SMS fallback; a late failure sends nothing", async () => {
  const twilio = fakeTwilio();
  try {
    await using app = await startApp({
      TWILIO_ACCOUNT_SID: SID,
      TWILIO_AUTH_TOKEN: TOKEN,
      TWILIO_FROM: "+15005550006",
      TWILIO_WHATSAPP_FROM: "+14155238886",
      TWILIO_API_BASE_URL: twilio.url,
      TWILIO_WHATSAPP_TEMPLATES: JSON.stringify(TEMPLATES),
      PUBLIC_BASE_URL: PUBLIC,
      OTP_RESEND_COOLDOWN_SECONDS: "0",
    });
    const { api, runtime } = app;
    const phone = randomPhone();
    const login = async () => {
      assert.equal((await api.request("POST", "/v1/auth/otp", { body: { phone } })).status, 202);
      const code = /\b(\d{6})\b/.exec(JSON.stringify(twilio.sent.at(-1)))![1];
      const res = await api.request<{ accessToken: string }>("POST", "/v1/auth/verify", {
        body: { phone, code },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.accessToken;
    };
    const token = await login();
    const pref = await api.request("PUT", "/v1/me", { token, body: { channel: "whatsapp" } });
    assert.equal(pref.status, 200, JSON.stringify(pref.body));
    // A second device logs in: its code goes by WhatsApp and is still "sent", not delivered.
    await login();
    const wa = twilio.sent.at(-1)!;
    assert.equal(wa.To, `whatsapp:${phone}`);
    const kept = await runtime.kv.get<DeliveryRecord>(deliveryKey(wa.sid));
    assert.ok(kept.value?.resendSealed, "the message is kept for a fallback");

    const erased = await api.request("DELETE", "/v1/me", { token });
    assert.equal(erased.status, 204, JSON.stringify(erased.body));
    const after = await runtime.kv.get<DeliveryRecord>(deliveryKey(wa.sid));
    assert.equal(after.value?.resendSealed ?? null, null, "no copy of the message stays");

    const failed: Form = {
      MessageSid: wa.sid,
      MessageStatus: "undelivered",
      ErrorCode: "63016",
      AccountSid: SID,
      To: `whatsapp:${phone}`,
    };
    const sendsBefore = twilio.sent.length;
    const res = await app.fetch(
      new Request(`${api.baseUrl}/webhooks/twilio/status`, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "x-twilio-signature": twilioSignature(CALLBACK, failed),
        },
        body: new URLSearchParams(failed),
      }),
    );
    assert.equal(res.status, 204, await res.text());
    assert.deepEqual(
      twilio.sent.slice(sendsBefore).map((m) => m.To),
      [],
      "nothing is sent to the erased patient",
    );
  } finally {
    await twilio.close();
  }
});
