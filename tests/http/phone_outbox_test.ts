/**
 * Issue 17 item 12: one identity per phone however it is spelled (libphonenumber-js), and the dev
 * outbox hands out no codes it should not: `to` is required, and on a non-loopback listener
 * there is no outbox at all.
 */
import assert from "node:assert/strict";
import { startApp } from "../_harness/app.ts";

Deno.test("a trunk 0 after the country code is the same phone, not a second identity", async () => {
  await using app = await startApp({ OTP_RESEND_COOLDOWN_SECONDS: "0" });
  const { api } = app;
  const sent = await api.request("POST", "/v1/auth/otp", { body: { phone: "+9109811110001" } });
  assert.equal(sent.status, 202);
  const code = await api.latestCode("+919811110001");
  const first = await api.request<{ user: { id: string } }>("POST", "/v1/auth/verify", {
    body: { phone: "+919811110001", code },
  });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  const again = await api.login("+9109811110001", true);
  assert.equal(again.user.id, first.body.user.id);
  const bad = await api.request("POST", "/v1/auth/otp", { body: { phone: "+91123" } });
  assert.equal(bad.status, 400);
});

Deno.test("GET /v1/dev/outbox without `to` is 400, not every phone's codes", async () => {
  await using app = await startApp();
  await app.api.request("POST", "/v1/auth/otp", { body: { phone: "+919811110002" } });
  const res = await app.api.request("GET", "/v1/dev/outbox");
  assert.equal(res.status, 400);
});

Deno.test("no dev outbox on a non-loopback listener", async () => {
  await using app = await startApp({ HOST: "0.0.0.0" });
  await app.api.request("POST", "/v1/auth/otp", { body: { phone: "+919811110003" } });
  const res = await app.api.request("GET", "/v1/dev/outbox?to=%2B919811110003");
  assert.equal(res.status, 404);
});
