/**
 * A phone Twilio refuses for good (21610: its owner replied STOP; 21211, 21614) through the real
 * SDK to a local fake: asking for a login code answers a clear 4xx problem, not a 5xx, leaves no
 * code behind, and the refusal is counted in /metrics; an error an operator can fix (21408, the
 * region is not enabled on the account) stays a 503.
 */
import assert from "node:assert/strict";
import { Api, randomPhone } from "../_harness/api.ts";
import { startApp } from "../_harness/app.ts";
import { fakeTwilio } from "../_harness/twilio.ts";

Deno.test("POST /v1/auth/otp to a phone that replied STOP is a 422 phone_undeliverable, counted in /metrics", async () => {
  const twilio = fakeTwilio();
  try {
    await using app = await startApp({ ...twilio.env, OTP_RESEND_COOLDOWN_SECONDS: "0" });
    const api = new Api("http://vaidya.test", app.fetch, twilio.latestCode);
    const stopped = randomPhone();
    twilio.refuse(stopped, 21610);
    const res = await api.request<Record<string, unknown>>("POST", "/v1/auth/otp", {
      body: { phone: stopped },
    });
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.equal(res.body.code, "phone_undeliverable");
    assert.equal(res.headers.get("content-type"), "application/problem+json");
    assert.doesNotMatch(String(res.body.detail), /twilio|\+91/i);
    assert.equal(twilio.sent.length, 1, "not retried");

    const region = randomPhone();
    twilio.refuse(region, 21408);
    const operator = await api.request<Record<string, unknown>>("POST", "/v1/auth/otp", {
      body: { phone: region },
    });
    assert.equal(operator.status, 503, JSON.stringify(operator.body));

    const metrics = await api.request<string>("GET", "/metrics");
    assert.match(
      String(metrics.body),
      /vaidya_message_delivery_total\{channel="sms",status="refused"\} 1\n/,
    );
  } finally {
    await twilio.close();
  }
});
