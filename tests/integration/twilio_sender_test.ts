/**
 * The Twilio sender through the real `twilio` SDK, against a local fake of the Messages API that
 * records every request so each test can check what the SDK really sent and how often.
 */

import assert from "node:assert/strict";
import { freePort } from "../_harness/ports.ts";
import { createTwilioSender, type TwilioSenderOptions } from "../../src/notify/twilio_sender.ts";
import { AppError, PhoneUndeliverableError, ServiceUnavailableError } from "../../src/errors.ts";

const SID = "AC" + "0123456789abcdef".repeat(2);
const TOKEN = "tok_3f9a1c7e5b2d4f60";
const FROM = "+14155550100";
const SERVICE_SID = "MG" + "fedcba9876543210".repeat(2);
const WHATSAPP_FROM = "+14155550199";
const PHONE = "+919812345678";
const BODY = "Your Vaidya code is 482913";
const MESSAGE_SID = "SM" + "a1b2c3d4e5f60718".repeat(2);

type Reply = { status: number; body: Record<string, unknown> } | "hang";

interface SeenRequest {
  method: string;
  path: string;
  headers: Headers;
  form: Record<string, string>;
}

function twilioError(status: number, code: number, message: string): Reply {
  const more_info = `https://www.twilio.com/docs/errors/${code}`;
  return { status, body: { code, message, more_info, status } };
}

function created(form: Record<string, string>): Reply {
  return {
    status: 201,
    body: {
      sid: MESSAGE_SID,
      account_sid: SID,
      to: form.To,
      from: form.From ?? null,
      messaging_service_sid: form.MessagingServiceSid ?? null,
      body: form.Body,
      status: "queued",
      num_segments: "1",
      direction: "outbound-api",
      api_version: "2010-04-01",
      date_created: "Thu, 01 Jan 2026 10:00:00 +0000",
      uri: `/2010-04-01/Accounts/${SID}/Messages/${MESSAGE_SID}.json`,
    },
  };
}

/** Answers with `replies` in order, then with 201 for every further request. */
function startFakeTwilio(replies: Reply[] = []) {
  const seen: SeenRequest[] = [];
  const hanging: Array<() => void> = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const form = Object.fromEntries(new URLSearchParams(await req.text()));
    seen.push({ method: req.method, path: new URL(req.url).pathname, headers: req.headers, form });
    const reply = replies[seen.length - 1] ?? created(form);
    if (reply === "hang") {
      await new Promise<void>((resolve) => hanging.push(resolve));
      return new Response(null, { status: 504 });
    }
    return Response.json(reply.body, { status: reply.status });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    seen,
    async [Symbol.asyncDispose]() {
      hanging.forEach((release) => release());
      await server.shutdown();
    },
  };
}

function sender(apiBaseUrl: string, options: Partial<TwilioSenderOptions> = {}) {
  return createTwilioSender({
    accountSid: SID,
    authToken: TOKEN,
    from: FROM,
    apiBaseUrl,
    ...options,
  });
}

function assertTwilioRequest(request: SeenRequest, form: Record<string, string>) {
  assert.equal(request.method, "POST");
  assert.equal(request.path, `/2010-04-01/Accounts/${SID}/Messages.json`);
  assert.equal(request.headers.get("authorization"), `Basic ${btoa(`${SID}:${TOKEN}`)}`);
  assert.equal(request.headers.get("content-type"), "application/x-www-form-urlencoded");
  assert.match(request.headers.get("user-agent") ?? "", /^twilio-node\/6\.3\.1 /);
  assert.deepEqual(request.form, form);
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(() => assert.fail("send() resolved"), (error) => error);
  assert.ok(error instanceof AppError, `expected an AppError, got ${error}`);
  for (const secret of [PHONE, PHONE.slice(1), BODY, "482913", TOKEN]) {
    assert.ok(!error.message.includes(secret), `error message leaks ${secret}: ${error.message}`);
  }
  // The provider's name and failure go to the log through `cause` (never the SDK's own error,
  // which carries the request); neither the message nor the cause may hold a secret.
  const cause = error.cause;
  if (cause !== undefined) {
    assert.ok(cause instanceof Error && cause.constructor === Error, `unexpected cause ${cause}`);
    for (const secret of [PHONE, PHONE.slice(1), BODY, "482913", TOKEN]) {
      assert.ok(!cause.message.includes(secret), `cause leaks ${secret}: ${cause.message}`);
    }
  }
  return error;
}

/** What the log learns of a failed send: the client's message stays generic. */
function logged(error: AppError): string {
  assert.doesNotMatch(error.message, /twilio|ECONNREFUSED|HTTP \d/i);
  return error.cause instanceof Error ? error.cause.message : "";
}

const SMS = { to: PHONE, body: BODY, channel: "sms", code: "482913" } as const;

Deno.test("createTwilioSender() sends an SMS from the number and returns the message SID", async () => {
  await using twilio = startFakeTwilio();
  const result = await sender(twilio.url).send(SMS);
  assert.deepEqual(result, { providerId: MESSAGE_SID, channel: "sms" });
  assert.equal(twilio.seen.length, 1);
  assertTwilioRequest(twilio.seen[0], { To: PHONE, From: FROM, Body: BODY });
});

Deno.test("createTwilioSender() sends through the messaging service when one is configured", async () => {
  await using twilio = startFakeTwilio();
  const twilioSender = sender(twilio.url, { from: undefined, messagingServiceSid: SERVICE_SID });
  assert.equal(twilioSender.name, "twilio");
  assert.deepEqual(await twilioSender.send(SMS), { providerId: MESSAGE_SID, channel: "sms" });
  assertTwilioRequest(twilio.seen[0], { To: PHONE, MessagingServiceSid: SERVICE_SID, Body: BODY });
});

Deno.test("createTwilioSender() sends a WhatsApp message as its Content template, never free-form", async () => {
  await using twilio = startFakeTwilio();
  const contentSid = "HX" + "0a".repeat(16);
  const whatsapp = sender(twilio.url, {
    whatsappFrom: WHATSAPP_FROM,
    whatsappTemplates: {
      login_code: { en: { contentSid, variables: ["code", "minutes"] } },
    },
    statusCallbackUrl: "https://vaidya.example/webhooks/twilio/status",
  });
  const template = {
    kind: "login_code" as const,
    language: "ta",
    values: { code: "482913", minutes: "5" },
  };
  const result = await whatsapp.send({ ...SMS, channel: "whatsapp", template });
  assert.deepEqual(result, { providerId: MESSAGE_SID, channel: "whatsapp" });
  assertTwilioRequest(twilio.seen[0], {
    To: `whatsapp:${PHONE}`,
    From: `whatsapp:${WHATSAPP_FROM}`,
    ContentSid: contentSid,
    ContentVariables: JSON.stringify({ 1: "482913", 2: "5" }),
    StatusCallback: "https://vaidya.example/webhooks/twilio/status",
  });

  // A kind without a template goes by SMS: Twilio would accept free-form WhatsApp text and drop it.
  const noTemplate = await whatsapp.send({
    ...SMS,
    channel: "whatsapp",
    template: { ...template, kind: "hold_code" },
  });
  assert.equal(noTemplate.channel, "sms");
  assert.equal(twilio.seen[1].form.To, PHONE);
  assert.equal(twilio.seen[1].form.Body, BODY);
});

Deno.test("createTwilioSender() sends whatsapp messages as SMS when whatsappFrom is not set", async () => {
  await using twilio = startFakeTwilio();
  await sender(twilio.url).send({ ...SMS, channel: "whatsapp" });
  assertTwilioRequest(twilio.seen[0], { To: PHONE, From: FROM, Body: BODY });
});

Deno.test("createTwilioSender() maps 21211 to 422 phone_undeliverable without retrying", async () => {
  await using twilio = startFakeTwilio([
    twilioError(400, 21211, `The 'To' number ${PHONE} is not a valid phone number.`),
  ]);
  const error = await rejection(sender(twilio.url).send(SMS));
  assert.equal(error.status, 422);
  assert.equal(error.code, "phone_undeliverable");
  assert.match(error.message, /21211/);
  assert.equal(twilio.seen.length, 1);
});

for (
  const [code, message] of [
    [21610, `Attempt to send to unsubscribed recipient`],
    [21614, `'To' number ${PHONE} is not a valid mobile number`],
  ] as const
) {
  Deno.test(`createTwilioSender() maps ${code} to 422 phone_undeliverable without retrying`, async () => {
    await using twilio = startFakeTwilio([twilioError(400, code, message)]);
    const error = await rejection(sender(twilio.url).send(SMS));
    assert.ok(error instanceof PhoneUndeliverableError, `${error}`);
    assert.equal(error.status, 422);
    assert.equal(error.providerCode, code);
    assert.equal(twilio.seen.length, 1);
  });
}

Deno.test("createTwilioSender() maps 21408 (region not enabled on the account) to 503: an operator can fix it", async () => {
  await using twilio = startFakeTwilio([
    twilioError(400, 21408, `Permission to send an SMS has not been enabled for the region`),
  ]);
  const error = await rejection(sender(twilio.url).send(SMS));
  assert.ok(error instanceof ServiceUnavailableError, `${error}`);
  assert.match(logged(error), /HTTP 400, Twilio error 21408/);
  assert.equal(twilio.seen.length, 1);
});

Deno.test("createTwilioSender() maps rejected credentials (20003) to 503 without retrying", async () => {
  await using twilio = startFakeTwilio([twilioError(401, 20003, "Authenticate")]);
  const error = await rejection(sender(twilio.url).send(SMS));
  assert.ok(error instanceof ServiceUnavailableError);
  assert.match(logged(error), /HTTP 401, Twilio error 20003/);
  assert.equal(twilio.seen.length, 1);
});

Deno.test("createTwilioSender() retries after a 429 and then succeeds", async () => {
  await using twilio = startFakeTwilio([twilioError(429, 20429, "Too Many Requests")]);
  assert.deepEqual(await sender(twilio.url).send(SMS), { providerId: MESSAGE_SID, channel: "sms" });
  assert.equal(twilio.seen.length, 2);
  assertTwilioRequest(twilio.seen[1], { To: PHONE, From: FROM, Body: BODY });
});

Deno.test("createTwilioSender() gives up on repeated 503s after exactly maxAttempts", async () => {
  const unavailable = twilioError(503, 20503, "Service Unavailable");
  await using twilio = startFakeTwilio([unavailable, unavailable, unavailable, unavailable]);
  const error = await rejection(sender(twilio.url, { maxAttempts: 3 }).send(SMS));
  assert.ok(error instanceof ServiceUnavailableError);
  assert.match(logged(error), /HTTP 503.*attempt 3 of 3/);
  assert.equal(twilio.seen.length, 3);
});

Deno.test("createTwilioSender() does not retry a 500, since Twilio may have taken the message", async () => {
  await using twilio = startFakeTwilio([twilioError(500, 20500, "Internal Server Error")]);
  const error = await rejection(sender(twilio.url).send(SMS));
  assert.ok(error instanceof ServiceUnavailableError);
  assert.equal(twilio.seen.length, 1);
});

Deno.test("createTwilioSender() fails with 503 when Twilio does not answer in time", async () => {
  await using twilio = startFakeTwilio(["hang", "hang"]);
  const error = await rejection(sender(twilio.url, { timeoutMs: 300 }).send(SMS));
  assert.ok(error instanceof ServiceUnavailableError);
  assert.match(logged(error), /no response within 300 ms/);
  assert.equal(twilio.seen.length, 1);
});

Deno.test("createTwilioSender() retries a refused connection, then fails with 503", async () => {
  const closedPort = freePort();
  const error = await rejection(sender(`http://127.0.0.1:${closedPort}`).send(SMS));
  assert.ok(error instanceof ServiceUnavailableError);
  assert.match(logged(error), /ECONNREFUSED.*attempt 3 of 3/);
});

Deno.test("createTwilioSender() rejects bad options at creation", () => {
  const valid = { accountSid: SID, authToken: TOKEN, from: FROM };
  const bad: Array<[Partial<TwilioSenderOptions>, RegExp]> = [
    [{ accountSid: "AC123" }, /accountSid/],
    [{ authToken: "" }, /authToken/],
    [{ from: undefined }, /exactly one of from and messagingServiceSid/],
    [{ messagingServiceSid: SERVICE_SID }, /exactly one of from and messagingServiceSid/],
    [{ from: "14155550100" }, /from is not an E\.164/],
    [{ from: undefined, messagingServiceSid: "MG1" }, /messagingServiceSid/],
    [{ whatsappFrom: "whatsapp:+14155550199" }, /whatsappFrom/],
    [{ timeoutMs: 0 }, /timeoutMs/],
    [{ maxAttempts: 0 }, /maxAttempts/],
  ];
  for (const [override, message] of bad) {
    assert.throws(() => createTwilioSender({ ...valid, ...override }), {
      name: "TypeError",
      message,
    });
  }
});
