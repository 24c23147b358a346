/**
 * WhatsApp through Twilio Content templates, with delivery tracking: the app (in-process, real
 * twilio SDK) sends a WhatsApp-preferring patient's login code as its approved template to a local
 * fake Twilio; Twilio's status callback, signed here with an HMAC-SHA1 written in this test (not
 * the SDK), reports it undelivered (error 63016), and the app sends the same code by SMS once; a
 * callback with a bad signature is refused and changes nothing; operators see the state in
 * `GET /v1/admin/messages` and in /metrics.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { randomPhone } from "../_harness/api.ts";
import { startApp } from "../_harness/app.ts";

const SID = "AC" + "0123456789abcdef".repeat(2);
const TOKEN = "test-auth-token-whatsapp";
const PUBLIC = "https://vaidya.example";
const CALLBACK = `${PUBLIC}/webhooks/twilio/status`;
const LOGIN_EN = "HX" + "1".repeat(32);
const LOGIN_HI = "HX" + "2".repeat(32);
const TEMPLATES = {
  login_code: {
    en: { contentSid: LOGIN_EN, variables: ["code", "minutes"] },
    hi: { contentSid: LOGIN_HI, variables: ["minutes", "code"] },
  },
};

type Form = Record<string, string>;

function fakeTwilio() {
  const sent: (Form & { sid: string })[] = [];
  let failNext = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const form = Object.fromEntries(new URLSearchParams(await req.text()));
    if (failNext > 0) {
      failNext--;
      return Response.json({ code: 20500, message: "Internal Server Error", status: 500 }, {
        status: 500,
      });
    }
    const sid = `SM${crypto.randomUUID().replace(/-/g, "")}`;
    sent.push({ ...form, sid });
    return Response.json({ sid, status: "queued" }, { status: 201 });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    sent,
    failOnce: () => void (failNext = 1),
    close: () => server.shutdown(),
  };
}

/** Twilio's documented scheme: base64 HMAC-SHA1 of the URL followed by each sorted key and value. */
function twilioSignature(url: string, params: Form, token = TOKEN): string {
  const data = url + Object.keys(params).sort().map((k) => k + params[k]).join("");
  return createHmac("sha1", token).update(data).digest("base64");
}

Deno.test("WhatsApp codes go out as Content templates; an undelivered one falls back to SMS once", async () => {
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
    const { api } = app;
    const phone = randomPhone();
    assert.equal((await api.request("POST", "/v1/auth/otp", { body: { phone } })).status, 202);
    const first = twilio.sent.at(-1)!;
    const code1 = /\b(\d{6})\b/.exec(first.Body)![1];
    const login = await api.request<{ accessToken: string }>("POST", "/v1/auth/verify", {
      body: { phone, code: code1 },
    });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    const pref = await api.request("PUT", "/v1/me", {
      token: login.body.accessToken,
      body: { channel: "whatsapp", language: "hi" },
    });
    assert.equal(pref.status, 200, JSON.stringify(pref.body));

    assert.equal((await api.request("POST", "/v1/auth/otp", { body: { phone } })).status, 202);
    const wa = twilio.sent.at(-1)!;
    assert.equal(wa.To, `whatsapp:${phone}`);
    assert.equal(wa.From, "whatsapp:+14155238886");
    assert.equal(wa.ContentSid, LOGIN_HI, "the template of the patient's language");
    assert.equal(wa.Body, undefined, "no free-form text to WhatsApp");
    const vars = JSON.parse(wa.ContentVariables);
    assert.match(vars["2"], /^\d{6}$/, "variables in the template's own order");
    assert.equal(vars["1"], "5");
    assert.equal(wa.StatusCallback, CALLBACK);
    const code2 = vars["2"];

    const callback = (params: Form, signature = twilioSignature(CALLBACK, params)) =>
      app.fetch(
        new Request(`${api.baseUrl}/webhooks/twilio/status`, {
          method: "POST",
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            "x-twilio-signature": signature,
          },
          body: new URLSearchParams(params),
        }),
      );
    const failed: Form = {
      MessageSid: wa.sid,
      MessageStatus: "undelivered",
      ErrorCode: "63016",
      AccountSid: SID,
      To: `whatsapp:${phone}`,
    };
    const sendsBefore = twilio.sent.length;
    const forged = await callback(failed, twilioSignature(CALLBACK, failed, "not-the-token"));
    assert.equal(forged.status, 403, await forged.text());
    const tampered = await callback(
      { ...failed, ErrorCode: "63017" },
      twilioSignature(CALLBACK, failed),
    );
    assert.equal(tampered.status, 403, await tampered.text());
    assert.equal(twilio.sent.length, sendsBefore, "a refused callback sends nothing");

    const ok = await callback(failed);
    assert.equal(ok.status, 204, await ok.text());
    const sms = twilio.sent.at(-1)!;
    assert.equal(twilio.sent.length, sendsBefore + 1);
    assert.equal(sms.To, phone);
    assert.equal(sms.From, "+15005550006");
    assert.ok(sms.Body.includes(code2), "the same code, by SMS");
    const again = await callback(failed);
    assert.equal(again.status, 204);
    assert.equal(twilio.sent.length, sendsBefore + 1, "a repeated callback does not send again");

    const admin = await api.request<{ accessToken: string }>("POST", "/v1/auth/otp", {
      body: { phone: "+919900000001" },
    });
    assert.equal(admin.status, 202);
    const adminCode = /\b(\d{6})\b/.exec(twilio.sent.at(-1)!.Body)![1];
    const adminLogin = await api.request<{ accessToken: string }>("POST", "/v1/auth/verify", {
      body: { phone: "+919900000001", code: adminCode },
    });
    const view = await api.request<{ items: Record<string, unknown>[] }>(
      "GET",
      "/v1/admin/messages?status=undelivered",
      { token: adminLogin.body.accessToken },
    );
    assert.equal(view.status, 200, JSON.stringify(view.body));
    const row = view.body.items.find((r) => r.sid === wa.sid)!;
    assert.equal(row.channel, "whatsapp");
    assert.equal(row.kind, "login_code");
    assert.equal(row.errorCode, 63016);
    assert.equal(row.fallbackSid, sms.sid);
    assert.equal(JSON.stringify(view.body).includes(phone), false, "no phone in the view");

    const verified = await api.request("POST", "/v1/auth/verify", { body: { phone, code: code2 } });
    assert.equal(verified.status, 200, "the code from the SMS fallback logs in");
    const metrics = await (await app.fetch(new Request(`${api.baseUrl}/metrics`))).text();
    assert.match(metrics, /^vaidya_whatsapp_fallback_total\{kind="login_code"\} 1$/m);
    assert.match(
      metrics,
      /^vaidya_message_delivery_total\{channel="whatsapp",status="undelivered"\} 1$/m,
    );
  } finally {
    await twilio.close();
  }
});

Deno.test("a WhatsApp fallback whose SMS could not be sent is sent when the callback comes again", async () => {
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
    const { api } = app;
    const phone = randomPhone();
    await api.request("POST", "/v1/auth/otp", { body: { phone } });
    const login = await api.request<{ accessToken: string }>("POST", "/v1/auth/verify", {
      body: { phone, code: /\b(\d{6})\b/.exec(twilio.sent.at(-1)!.Body)![1] },
    });
    assert.equal(login.status, 200);
    await api.request("PUT", "/v1/me", {
      token: login.body.accessToken,
      body: { channel: "whatsapp" },
    });
    assert.equal((await api.request("POST", "/v1/auth/otp", { body: { phone } })).status, 202);
    const wa = twilio.sent.at(-1)!;
    const code = JSON.parse(wa.ContentVariables)["1"];
    const failed: Form = { MessageSid: wa.sid, MessageStatus: "undelivered", ErrorCode: "63016" };
    const callback = () =>
      app.fetch(
        new Request(`${api.baseUrl}/webhooks/twilio/status`, {
          method: "POST",
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            "x-twilio-signature": twilioSignature(CALLBACK, failed),
          },
          body: new URLSearchParams(failed),
        }),
      );
    twilio.failOnce();
    const refused = await callback();
    assert.equal(refused.status, 503, "Twilio is asked to post the callback again");
    await refused.body?.cancel();
    const sendsBefore = twilio.sent.length;
    const again = await callback();
    assert.equal(again.status, 204, await again.text());
    assert.equal(twilio.sent.length, sendsBefore + 1, "the SMS fallback goes out on the retry");
    assert.equal(twilio.sent.at(-1)!.To, phone);
    assert.ok(twilio.sent.at(-1)!.Body.includes(code), "with the code WhatsApp could not deliver");
    assert.equal((await callback()).status, 204);
    assert.equal(twilio.sent.length, sendsBefore + 1, "and only once");
  } finally {
    await twilio.close();
  }
});

Deno.test("TWILIO_WHATSAPP_TEMPLATES is validated at start-up", async () => {
  const bad = { login_code: { en: { contentSid: LOGIN_EN, variables: ["code", "doctor"] } } };
  await assert.rejects(
    startApp({ TWILIO_WHATSAPP_TEMPLATES: JSON.stringify(bad) }),
    /TWILIO_WHATSAPP_TEMPLATES.*"doctor" is not a value of login_code/s,
  );
  await assert.rejects(
    startApp({ TWILIO_WHATSAPP_TEMPLATES: "{not json" }),
    /TWILIO_WHATSAPP_TEMPLATES.*not valid JSON/s,
  );
});
