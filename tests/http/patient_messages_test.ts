/**
 * Every message with a code reaches the patient in their language and time zone: the login code
 * (a known patient's language, else the request's Accept-Language, else English), the hold code
 * and the course code. In-process app on an in-memory KV; messages read from the dev outbox.
 */
import assert from "node:assert/strict";
import { type Api, createDoctor, firstSlots, randomPhone, type Session } from "../_harness/api.ts";
import { startApp } from "../_harness/app.ts";

const ENV = { RATE_LIMIT_DISABLED: "true", OTP_RESEND_COOLDOWN_SECONDS: "0" };

async function lastMessage(api: Api, phone: string): Promise<{ body: string; code?: string }> {
  const res = await api.request<{ messages: { body: string; code?: string }[] }>(
    "GET",
    `/v1/dev/outbox?to=${encodeURIComponent(phone)}`,
  );
  assert.equal(res.status, 200);
  assert.ok(res.body.messages.length > 0, "no message in the outbox");
  return res.body.messages[0];
}

async function askLoginCode(api: Api, phone: string, acceptLanguage?: string) {
  const headers: Record<string, string> = acceptLanguage
    ? { "accept-language": acceptLanguage }
    : {};
  const res = await api.request("POST", "/v1/auth/otp", { body: { phone }, headers });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return await lastMessage(api, phone);
}

async function setProfile(api: Api, patient: Session, profile: Record<string, string>) {
  const res = await api.request("PUT", "/v1/me", { token: patient.accessToken, body: profile });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

Deno.test("POST /v1/auth/otp: an unknown phone gets the code in the Accept-Language, else English", async () => {
  await using app = await startApp(ENV);
  const tamil = await askLoginCode(app.api, randomPhone(), "ta-IN,ta;q=0.9,en;q=0.5");
  assert.match(tamil.body, /உள்நுழைவு குறியீடு/);
  assert.ok(tamil.code && tamil.body.includes(tamil.code), "the code is in the body");
  const gujarati = await askLoginCode(app.api, randomPhone(), "gu-IN,en;q=0.5");
  assert.match(gujarati.body, /^Vaidya: તમારો લૉગિન કોડ \d{6} છે\./);

  const unsupported = await askLoginCode(app.api, randomPhone(), "fr-FR, de;q=0.8");
  assert.match(unsupported.body, /^Vaidya: your login code is \d{6}\. It expires in 5 minutes/);
  const none = await askLoginCode(app.api, randomPhone());
  assert.match(none.body, /your login code is/);
});

Deno.test("POST /v1/auth/otp: a known patient gets the code in their own language", async () => {
  await using app = await startApp(ENV);
  const patient = await app.api.login(randomPhone());
  await setProfile(app.api, patient, { language: "mr" });
  const message = await askLoginCode(app.api, patient.phone, "en");
  assert.match(message.body, /तुमचा लॉगिन कोड \d{6} आहे/);
});

Deno.test("POST /v1/holds: a Hindi-preferring patient gets the hold code in Hindi, in their zone", async () => {
  await using app = await startApp(ENV);
  const doctor = await createDoctor(app.api, await app.api.loginAdmin(), { name: "Dr. Meera Rao" });
  const [slot] = await firstSlots(app.api, doctor.id);
  const patient = await app.api.login(randomPhone());
  await setProfile(app.api, patient, { language: "hi", timeZone: "America/Los_Angeles" });

  const hold = await app.api.request("POST", "/v1/holds", {
    token: patient.accessToken,
    body: { doctorId: doctor.id, start: slot.start },
  });
  assert.equal(hold.status, 201, JSON.stringify(hold.body));
  const message = await lastMessage(app.api, patient.phone);
  assert.match(message.body, /^Vaidya: कोड \d{6} से Dr\. Meera Rao के साथ .+ का परामर्श पक्का करें।/);
  assert.ok(message.code && message.body.includes(message.code));
  // The doctor's day is in Asia/Kolkata; the patient reads the time in Los Angeles, zone named.
  assert.match(message.body, /GMT-8/);
  assert.doesNotMatch(message.body, /confirms your visit/);
});

Deno.test("POST /v1/holds: an Odia profile gets the hold code in Odia, days and months named in Odia", async () => {
  await using app = await startApp(ENV);
  const doctor = await createDoctor(app.api, await app.api.loginAdmin(), { name: "Dr. Meera Rao" });
  const [slot] = await firstSlots(app.api, doctor.id);
  const patient = await app.api.login(randomPhone());
  await setProfile(app.api, patient, { language: "or" });
  const me = await app.api.request<{ language: string }>("GET", "/v1/me", {
    token: patient.accessToken,
  });
  assert.equal(me.body.language, "or");

  const hold = await app.api.request("POST", "/v1/holds", {
    token: patient.accessToken,
    body: { doctorId: doctor.id, start: slot.start },
  });
  assert.equal(hold.status, 201, JSON.stringify(hold.body));
  const message = await lastMessage(app.api, patient.phone);
  // Deno has no Odia date data (Intl answers en-US): the weekday and month are ours.
  assert.match(
    message.body,
    /^Vaidya: Dr\. Meera Raoଙ୍କ ସହ (ରବି|ସୋମ|ମଙ୍ଗଳ|ବୁଧ|ଗୁରୁ|ଶୁକ୍ର|ଶନି), \d{1,2} \p{Script=Oriya}+, \d{1,2}:\d{2} (AM|PM)ର ପରାମର୍ଶ/u,
  );
  assert.doesNotMatch(message.body, /Mon|Tue|Wed|Thu|Fri|Sat|Sun|Jan|Dec/);
  assert.ok(message.code && message.body.includes(message.code));
});

Deno.test("PUT /v1/me refuses a language patients are not written in", async () => {
  await using app = await startApp(ENV);
  const patient = await app.api.login(randomPhone());
  for (const language of ["pa", "gu"]) await setProfile(app.api, patient, { language });
  const res = await app.api.request("PUT", "/v1/me", {
    token: patient.accessToken,
    body: { language: "as" },
  });
  assert.equal(res.status, 400, JSON.stringify(res.body));
});

Deno.test("POST /v1/courses: the course code goes out in the patient's language", async () => {
  await using app = await startApp(ENV);
  const doctor = await createDoctor(app.api, await app.api.loginAdmin());
  const [slot] = await firstSlots(app.api, doctor.id);
  const patient = await app.api.login(randomPhone());
  await setProfile(app.api, patient, { language: "bn" });

  const course = await app.api.request("POST", "/v1/courses", {
    token: patient.accessToken,
    body: { doctorId: doctor.id, start: slot.start, count: 3, everyDays: 1 },
  });
  assert.equal(course.status, 201, JSON.stringify(course.body));
  const message = await lastMessage(app.api, patient.phone);
  assert.match(message.body, /3টি সেশনের কোর্স নিশ্চিত করতে কোড \d{6}/);
});

Deno.test("POST /v1/auth/verify: a new patient's messages go in the language their phone asked for", async () => {
  await using app = await startApp(ENV);
  const phone = randomPhone();
  const first = await askLoginCode(app.api, phone, "pa-IN,pa;q=0.9,en;q=0.5");
  const res = await app.api.request<{ accessToken: string }>("POST", "/v1/auth/verify", {
    body: { phone, code: first.code },
    headers: { "accept-language": "pa-IN,pa;q=0.9,en;q=0.5" },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const me = await app.api.request<{ language: string }>("GET", "/v1/me", {
    token: res.body.accessToken,
  });
  assert.equal(me.body.language, "pa");
  // Their next code follows the profile, whatever this request asks for.
  const again = await askLoginCode(app.api, phone, "en");
  assert.match(again.body, /\p{Script=Gurmukhi}/u, again.body);

  // A returning patient's chosen language is not touched by a later verify's header.
  const patient = await app.api.login(randomPhone());
  await setProfile(app.api, patient, { language: "mr" });
  const code = (await askLoginCode(app.api, patient.phone)).code;
  const back = await app.api.request("POST", "/v1/auth/verify", {
    body: { phone: patient.phone, code },
    headers: { "accept-language": "gu" },
  });
  assert.equal(back.status, 200);
  const mine = await app.api.request<{ language: string }>("GET", "/v1/me", {
    token: patient.accessToken,
  });
  assert.equal(mine.body.language, "mr");
});
