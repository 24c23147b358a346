/**
 * The server configured for Twilio, with the real SDK pointed at a local fake Twilio: codes go out
 * through the Messages API (SMS while no WhatsApp template is configured), and a failed send is a 503
 * problem that leaves no usable code behind.
 */
import assert from "node:assert/strict";
import { Api, randomPhone } from "../_harness/api.ts";
import { startServer } from "../_harness/server.ts";
import { codeIn, fakeTwilio } from "../_harness/twilio.ts";

Deno.test("twilio: codes go out by SMS or WhatsApp; a failed send is 503 and leaves no code", async () => {
  const twilio = fakeTwilio();
  try {
    await using server = await startServer({
      env: { ...twilio.env, OTP_RESEND_COOLDOWN_SECONDS: "0" },
    });
    const api = new Api(server.url);
    const phone = randomPhone();

    const outbox = await api.request("GET", `/v1/dev/outbox?to=${encodeURIComponent(phone)}`);
    assert.equal(outbox.status, 404, "no dev outbox when Twilio sends");

    twilio.failOnce();
    const failed = await api.request<Record<string, unknown>>("POST", "/v1/auth/otp", {
      body: { phone },
    });
    assert.equal(failed.status, 503);
    assert.equal(failed.body.code, "service_unavailable");
    // Issue 17 item 12: the answer names neither the provider nor what broke.
    assert.doesNotMatch(String(failed.body.detail), /twilio|dns|tls|status|attempt/i);
    assert.equal(twilio.sent.length, 1, "a 500 is not retried: it may have been delivered");
    const undelivered = codeIn(twilio.sent[0].body);
    const tryIt = await api.request("POST", "/v1/auth/verify", {
      body: { phone, code: undelivered },
    });
    assert.equal(tryIt.status, 422, "the code of a failed send was withdrawn");

    const sent = await api.request("POST", "/v1/auth/otp", { body: { phone } });
    assert.equal(sent.status, 202);
    const sms = twilio.sent.at(-1)!;
    assert.equal(sms.to, phone);
    assert.equal(sms.from, "+15005550006");
    const login = await api.request<{ accessToken: string }>("POST", "/v1/auth/verify", {
      body: { phone, code: codeIn(sms.body) },
    });
    assert.equal(login.status, 200);

    const pref = await api.request("PUT", "/v1/me", {
      token: login.body.accessToken,
      body: { channel: "whatsapp" },
    });
    assert.equal(pref.status, 200);
    assert.equal((await api.request("POST", "/v1/auth/otp", { body: { phone } })).status, 202);
    // No approved WhatsApp template is configured here, so the code goes by SMS rather than as
    // free-form WhatsApp text (which Twilio drops outside the 24-hour window). Templates:
    // tests/integration/whatsapp_delivery_test.ts.
    const wa = twilio.sent.at(-1)!;
    assert.equal(wa.to, phone);
    assert.equal(wa.from, "+15005550006");
    assert.ok(!server.logs().includes(phone), "the phone is never logged");
  } finally {
    await twilio.close();
  }
});
