/**
 * The per-phone and per-client limits on sending login codes, as a victim meets them: one client
 * cannot spend another's budget. In-process app; each client is its own address through
 * TRUSTED_PROXY_HEADER.
 */
import assert from "node:assert/strict";
import { randomPhone } from "../_harness/api.ts";
import { startApp } from "../_harness/app.ts";

const from = (ip: string) => ({ "x-client-ip": ip });

Deno.test("POST /v1/auth/otp refused by the per-IP limit does not spend the phone's own budget", async () => {
  await using app = await startApp({
    TRUSTED_PROXY_HEADER: "X-Client-IP",
    OTP_SENDS_PER_IP_PER_HOUR: "2",
    OTP_SENDS_PER_PHONE_PER_HOUR: "3",
  });
  const { api } = app;
  const attacker = from("203.0.113.7");
  for (let i = 0; i < 2; i++) {
    const r = await api.request("POST", "/v1/auth/otp", {
      body: { phone: randomPhone() },
      headers: attacker,
    });
    assert.equal(r.status, 202);
  }
  // The attacker's address is spent: asking for codes to the victim sends nothing...
  const victim = randomPhone();
  for (let i = 0; i < 3; i++) {
    const r = await api.request("POST", "/v1/auth/otp", {
      body: { phone: victim },
      headers: attacker,
    });
    assert.equal(r.status, 429);
  }
  // ...so it must not have used up the victim's hourly allowance either.
  const own = await api.request("POST", "/v1/auth/otp", {
    body: { phone: victim },
    headers: from("198.51.100.9"),
  });
  assert.equal(own.status, 202, JSON.stringify(own.body));
});
