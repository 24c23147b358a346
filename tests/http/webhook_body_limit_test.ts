/**
 * The Twilio status callback (`POST /webhooks/twilio/status`) is open to anyone and lives outside
 * /v1, so it must bound the body itself: a body over BODY_LIMIT_BYTES is 413 before it is read,
 * like every other POST (the JSON API, the doctor and booking pages).
 */
import assert from "node:assert/strict";
import { startApp } from "../_harness/app.ts";

Deno.test("POST /webhooks/twilio/status refuses a body over BODY_LIMIT_BYTES with 413", async () => {
  await using app = await startApp({ BODY_LIMIT_BYTES: "4096" });
  const filler = "x".repeat(256 * 1024);
  const res = await app.fetch(
    new Request("http://vaidya.test/webhooks/twilio/status", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `MessageSid=SM${"0".repeat(32)}&MessageStatus=delivered&Filler=${filler}`,
    }),
  );
  await res.body?.cancel();
  assert.equal(res.status, 413);
});
