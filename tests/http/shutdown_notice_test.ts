/**
 * A confirmation notice still being sent when the server is told to stop: the booking answered
 * after the inline budget (2 s) and the send went on behind it. Graceful shutdown must let that
 * send finish and record it, or the relay sends the patient the same notice again once its lease
 * lapses.
 */
import assert from "node:assert/strict";
import { Api, createDoctor, firstSlots, randomPhone } from "../_harness/api.ts";
import { book } from "../_harness/book.ts";
import { codeIn, TWILIO_SID, TWILIO_TOKEN } from "../_harness/twilio.ts";
import { startServer } from "../_harness/server.ts";

/** A fake Twilio that takes `noticeDelayMs` to accept a message without a code (a notice). */
function slowNoticeTwilio(noticeDelayMs: number) {
  const sent: { to: string; body: string }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const form = new URLSearchParams(await req.text());
    const entry = { to: form.get("To") ?? "", body: form.get("Body") ?? "" };
    sent.push(entry);
    if (!codeIn(entry.body)) await new Promise((r) => setTimeout(r, noticeDelayMs));
    const sid = `SM${crypto.randomUUID().replace(/-/g, "")}`;
    return Response.json({ sid, status: "queued" }, { status: 201 });
  });
  const url = `http://127.0.0.1:${server.addr.port}`;
  return {
    sent,
    env: {
      TWILIO_ACCOUNT_SID: TWILIO_SID,
      TWILIO_AUTH_TOKEN: TWILIO_TOKEN,
      TWILIO_FROM: "+15005550006",
      TWILIO_API_BASE_URL: url,
    },
    latestCode(phone: string) {
      const message = sent.findLast((m) => m.to === phone && codeIn(m.body));
      if (!message) throw new Error(`no code message to ${phone}`);
      return Promise.resolve(codeIn(message.body));
    },
    close: () => server.shutdown(),
  };
}

Deno.test({
  name: "SIGTERM while a booking's notice is still sending: it finishes, and is not sent again",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const twilio = slowNoticeTwilio(3_000);
    try {
      await using server = await startServer({
        env: {
          ...twilio.env,
          EVENT_LEASE_MS: "6500",
          WEBHOOK_TIMEOUT_MS: "1000",
          SHUTDOWN_TIMEOUT_MS: "9000",
          RATE_LIMIT_DISABLED: "true",
        },
      });
      const api = new Api(server.url, fetch, (phone) => twilio.latestCode(phone));
      const doctor = await createDoctor(api, await api.loginAdmin());
      const [slot] = await firstSlots(api, doctor.id);
      const phone = randomPhone();
      await book(api, phone, doctor.id, slot.start);
      const notices = () => twilio.sent.filter((m) => m.to === phone && !codeIn(m.body)).length;
      assert.equal(notices(), 1, "the notice was on its way when the booking answered");

      await server.stop();
      assert.equal(server.exitStatus()?.code, 0, server.logs().slice(-2000));
      await server.restart();
      // Past the lease the first send held: a notice left unrecorded goes out again now.
      await new Promise((r) => setTimeout(r, 9_000));
      assert.equal(notices(), 1, JSON.stringify(twilio.sent.filter((m) => m.to === phone)));
    } finally {
      await twilio.close();
    }
  },
});
