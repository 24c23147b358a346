/**
 * The house standard "phone numbers and medical text never in plain text at rest, caches and
 * idempotency records included", checked on the real server: full journeys (API login and the /book
 * pages' login, a profile, a booking with a reason, idempotent POSTs whose answers carry medical
 * text, the doctor's notes, a cancel reason, prakriti answers, symptoms for recommendations, a
 * waitlist join, a therapy course) with marker values; then the server stops and everything it left
 * at rest is searched for the markers: the KV file's bytes and its entries, every MongoDB document
 * (records on FerretDB), every Redis key and value (Upstash), in the two shapes a deployment takes
 * (all-embedded with Twilio and WhatsApp; MongoDB with Upstash and the dev outbox).
 */
import assert from "node:assert/strict";
import { Api, createDoctor, dateInDays, firstSlots, randomPhone } from "../_harness/api.ts";
import { type Marker, scanFiles, scanKv, scanMongo, scanRedis } from "../_harness/at_rest.ts";
import { appEnv, startFerretDb, withRawDb } from "../_harness/ferretdb.ts";
import { startRedis, startUpstashBridge } from "../_harness/redis.ts";
import { codeIn, fakeTwilio, TWILIO_SID, TWILIO_TOKEN } from "../_harness/twilio.ts";
import { createHmac } from "node:crypto";
import { ADMIN_PHONE, startServer } from "../_harness/server.ts";
import { eventually } from "../_harness/eventually.ts";

type Body = Record<string, unknown>;

/** A cookie jar over fetch for the /book pages. */
class Browser {
  readonly cookies = new Map<string, string>();
  constructor(readonly base: string) {}

  async post(path: string, fields: Record<string, string>) {
    return await this.fetch(path, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
    });
  }

  async fetch(path: string, init: RequestInit = {}) {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const res = await fetch(this.base + path, {
      ...init,
      redirect: "manual",
      headers: { "accept-language": "en", ...(cookie ? { cookie } : {}), ...init.headers },
    });
    for (const line of res.headers.getSetCookie()) {
      const [name, value] = line.split(";")[0].split("=");
      if (/max-age=0/i.test(line) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { res, html: await res.text() };
  }
}

function csrfOf(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  assert.ok(m, `a CSRF field in ${html.slice(0, 300)}`);
  return m[1];
}

const WHATSAPP_TEMPLATES = Object.fromEntries(
  (["confirmed", "cancelled", "reminder_24h", "reminder_1h", "waitlist_open"] as const).map(
    (kind, i) => [kind, {
      en: {
        contentSid: `HX${String(i).repeat(32)}`,
        variables: kind === "waitlist_open" ? ["doctor", "date"] : ["doctor", "when"],
      },
    }],
  ),
);

const tag = () => crypto.getRandomValues(new Uint32Array(1))[0].toString(36);

/** Every journey, with markers; returns the markers to search for. */
async function journeys(
  server: { url: string },
  api: Api,
  codeOf: (phone: string) => Promise<string>,
  channel: "sms" | "whatsapp",
): Promise<Marker[]> {
  const t = tag();
  const markers: Marker[] = [];
  const mark = (label: string, value: string) => (markers.push({ label, value }), value);
  let n = 0;
  /** Free text ending in a token of its own, so a store of its words (or lower-cased) shows too. */
  const text = (label: string, phrase: string) => {
    const token = `qx${t}${(n++).toString(36)}`;
    mark(`${label} (a word of it)`, token);
    return mark(label, `${phrase} ${token}`);
  };
  /** A phone, also as its national digits and as those digits written in two groups. */
  const phone = (label: string, value: string) => {
    mark(label, value);
    mark(`${label}, national digits`, value.slice(3));
    mark(`${label}, grouped`, `${value.slice(3, 8)} ${value.slice(8)}`);
    return value;
  };

  const admin = await api.loginAdmin();
  phone("admin phone", ADMIN_PHONE);
  const doctorPhone = phone("doctor phone", randomPhone());
  const doctor = await createDoctor(api, admin, { phone: doctorPhone });

  // A doctor created with an Idempotency-Key: the stored answer is the doctor.
  const idemDoctorPhone = phone("idempotent doctor's phone", randomPhone());
  const created = await api.request<Body>("POST", "/v1/admin/doctors", {
    token: admin.accessToken,
    headers: { "idempotency-key": `doc-${t}` },
    body: {
      name: "Dr. Idem",
      phone: idemDoctorPhone,
      specializations: ["Kayachikitsa"],
      languages: ["en"],
      city: "Pune",
      timezone: "Asia/Kolkata",
      slotMinutes: 30,
    },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));

  const patient = await api.login(phone("patient phone", randomPhone()));
  const me = await api.request<Body>("PUT", "/v1/me", {
    token: patient.accessToken,
    body: {
      name: mark("patient name", `Meera Q${t} Pillai`),
      medicalHistory: text("medical history", "asthma history"),
      channel,
    },
  });
  assert.equal(me.status, 200, JSON.stringify(me.body));

  const [s1, s2, s3] = await firstSlots(api, doctor.id);
  const hold = await api.request<Body>("POST", "/v1/holds", {
    token: patient.accessToken,
    headers: { "idempotency-key": `hold-${t}` },
    body: { doctorId: doctor.id, start: s1.start },
  });
  assert.equal(hold.status, 201, JSON.stringify(hold.body));
  const reason = text("reason", "migraine with aura");
  const confirmBody = { code: await codeOf(patient.phone), reason };
  const confirmPath = `/v1/holds/${hold.body.id}/confirm`;
  const confirmed = await api.request<{ appointment: Body }>("POST", confirmPath, {
    token: patient.accessToken,
    headers: { "idempotency-key": `confirm-${t}` },
    body: confirmBody,
  });
  assert.equal(confirmed.status, 201, JSON.stringify(confirmed.body));
  const replay = await api.request<{ appointment: Body }>("POST", confirmPath, {
    token: patient.accessToken,
    headers: { "idempotency-key": `confirm-${t}` },
    body: confirmBody,
  });
  assert.equal(replay.headers.get("idempotent-replayed"), "true");
  assert.equal(replay.body.appointment.reason, reason);
  const appointmentId = confirmed.body.appointment.id as string;

  const doc = await api.login(doctorPhone);
  const notes = await api.request<Body>("PATCH", `/v1/appointments/${appointmentId}`, {
    token: doc.accessToken,
    body: { notes: text("doctor notes", "pitta aggravated") },
  });
  assert.equal(notes.status, 200, JSON.stringify(notes.body));

  // A second booking, in Devanagari (stored by V8 as UTF-16), cancelled with a reason.
  const hold2 = await api.request<Body>("POST", "/v1/holds", {
    token: patient.accessToken,
    body: { doctorId: doctor.id, start: s2.start },
  });
  assert.equal(hold2.status, 201, JSON.stringify(hold2.body));
  const booked2 = await api.request<{ appointment: Body }>(
    "POST",
    `/v1/holds/${hold2.body.id}/confirm`,
    {
      token: patient.accessToken,
      body: {
        code: await codeOf(patient.phone),
        reason: mark("reason in Devanagari", `सिरदर्द और चक्कर ${t}${"\u0915"}`),
      },
    },
  );
  assert.equal(booked2.status, 201, JSON.stringify(booked2.body));
  const cancelled = await api.request<Body>(
    "POST",
    `/v1/appointments/${booked2.body.appointment.id}/cancel`,
    {
      token: patient.accessToken,
      headers: { "idempotency-key": `cancel-${t}` },
      body: { reason: text("cancel reason", "fever got worse") },
    },
  );
  assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));

  const q = await api.request<{ questions: { id: string; options: { id: string }[] }[] }>(
    "GET",
    "/v1/prakriti/questionnaire",
  );
  const answers = Object.fromEntries(q.body.questions.map((x) => [x.id, x.options[2].id]));
  const assessed = await api.request<Body>("POST", "/v1/prakriti/assessments", {
    token: patient.accessToken,
    body: { answers },
  });
  assert.equal(assessed.status, 201, JSON.stringify(assessed.body));
  for (const [question, option] of Object.entries(answers).slice(0, 3)) {
    mark(`prakriti answer ${question}`, `"${question}":"${option}"`);
  }

  for (const token of [patient.accessToken, undefined]) {
    const rec = await api.request<Body>("POST", "/v1/recommendations", {
      token,
      body: {
        symptoms: text(`symptoms ${token ? "signed in" : "anonymous"}`, "acidity and bloating"),
      },
    });
    assert.equal(rec.status, 200, JSON.stringify(rec.body));
  }

  const joined = await api.request<Body>("POST", `/v1/doctors/${doctor.id}/waitlist`, {
    token: patient.accessToken,
    body: { date: dateInDays(2) },
  });
  assert.ok([200, 201].includes(joined.status), JSON.stringify(joined.body));

  const course = await api.request<Body>("POST", "/v1/courses", {
    token: patient.accessToken,
    headers: { "idempotency-key": `course-${t}` },
    body: { doctorId: doctor.id, start: s3.start, count: 2, everyDays: 1 },
  });
  assert.equal(course.status, 201, JSON.stringify(course.body));
  const courseOk = await api.request<Body>("POST", `/v1/courses/${course.body.id}/confirm`, {
    token: patient.accessToken,
    headers: { "idempotency-key": `course-confirm-${t}` },
    body: { code: await codeOf(patient.phone) },
  });
  assert.equal(courseOk.status, 201, JSON.stringify(courseOk.body));

  // The /book pages: login by phone and code, symptoms, and a booking with a reason.
  const b = new Browser(server.url);
  const pagePhone = phone("/book patient phone", randomPhone());
  const loginPage = await b.fetch("/book/login");
  const codeStep = await b.post("/book/login", {
    _csrf: csrfOf(loginPage.html),
    phone: pagePhone,
    next: "/book",
  });
  assert.equal(codeStep.res.status, 200, codeStep.html.slice(0, 500));
  const verified = await b.post("/book/login/verify", {
    _csrf: csrfOf(codeStep.html),
    phone: pagePhone,
    code: await codeOf(pagePhone),
    next: "/book",
  });
  assert.equal(verified.res.status, 303, verified.html.slice(0, 500));
  const home = await b.fetch("/book");
  const suggest = await b.post("/book/suggest", {
    _csrf: csrfOf(home.html),
    symptoms: text("/book symptoms", "joint pain in knees"),
  });
  assert.equal(suggest.res.status, 200);
  const [slot] = await firstSlots(api, doctor.id, dateInDays(3));
  const held = await b.post("/book/hold", {
    _csrf: csrfOf(home.html),
    doctorId: doctor.id,
    start: slot.start,
  });
  assert.equal(held.res.status, 200, held.html.slice(0, 500));
  const holdId = /action="\/book\/holds\/([^/"]+)\/confirm"/.exec(held.html)?.[1];
  const expiresAt = /name="expiresAt" value="([^"]+)"/.exec(held.html)?.[1];
  assert.ok(holdId && expiresAt, held.html.slice(0, 800));
  const bookConfirm = await b.post(`/book/holds/${holdId}/confirm`, {
    _csrf: csrfOf(held.html),
    doctorId: doctor.id,
    start: slot.start,
    expiresAt,
    code: await codeOf(pagePhone),
    reason: text("/book reason", "lower back pain"),
  });
  assert.equal(bookConfirm.res.status, 303, bookConfirm.html.slice(0, 500));
  // A wrong code first (a failure counted under the phone), then a reschedule, idempotent.
  const [later] = await firstSlots(api, doctor.id, dateInDays(4));
  const hold3 = await api.request<Body>("POST", "/v1/holds", {
    token: patient.accessToken,
    body: { doctorId: doctor.id, start: later.start },
  });
  assert.equal(hold3.status, 201, JSON.stringify(hold3.body));
  const wrong = await api.request("POST", "/v1/auth/verify", {
    body: {
      phone: patient.phone,
      code: "000000" === await codeOf(patient.phone) ? "111111" : "000000",
    },
  });
  assert.ok([401, 422].includes(wrong.status), JSON.stringify(wrong.body));
  const moved = await api.request<Body>("POST", `/v1/appointments/${appointmentId}/reschedule`, {
    token: patient.accessToken,
    headers: { "idempotency-key": `move-${t}` },
    body: { holdId: hold3.body.id },
  });
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  assert.equal(moved.body.reason, reason);
  const movedId = moved.body.id as string;

  // Reads, which may fill caches.
  for (
    const path of ["/v1/me", "/v1/appointments", `/v1/appointments/${movedId}`, "/v1/waitlist"]
  ) {
    const r = await api.request("GET", path, { token: patient.accessToken });
    assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
  }
  for (const path of ["/v1/appointments", `/v1/appointments/${movedId}`]) {
    const r = await api.request("GET", path, { token: doc.accessToken });
    assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
  }

  // The doctor's pages: login by phone and code, notes, and a cancel with a reason.
  const d = new Browser(server.url);
  const dLogin = await d.fetch("/doctor/login");
  const dCode = await d.post("/doctor/login", {
    _csrf: csrfOf(dLogin.html),
    phone: doctorPhone,
    next: "/doctor",
  });
  assert.equal(dCode.res.status, 200, dCode.html.slice(0, 500));
  const dIn = await d.post("/doctor/login/verify", {
    _csrf: csrfOf(dCode.html),
    phone: doctorPhone,
    code: await codeOf(doctorPhone),
    next: "/doctor",
  });
  assert.equal(dIn.res.status, 303, dIn.html.slice(0, 500));
  const detail = await d.fetch(`/doctor/appointments/${movedId}`);
  assert.equal(detail.res.status, 200, detail.html.slice(0, 500));
  const uiNotes = await d.post(`/doctor/appointments/${movedId}`, {
    _csrf: csrfOf(detail.html),
    action: "notes",
    notes: text("doctor notes on the page", "kapha imbalance"),
  });
  assert.equal(uiNotes.res.status, 303, uiNotes.html.slice(0, 500));
  const uiCancel = await d.post(`/doctor/appointments/${movedId}/cancel`, {
    _csrf: csrfOf(detail.html),
    reason: text("doctor's cancel reason", "patient needs tests first"),
  });
  assert.equal(uiCancel.res.status, 303, uiCancel.html.slice(0, 500));

  // Canaries, stored in the clear on purpose: a scan that finds none of them read nothing.
  mark(CANARY + "appointment id", appointmentId);
  mark(CANARY + "doctor id", doctor.id);
  mark(CANARY + "idempotency key", `confirm-${t}`);
  return markers;
}

const CANARY = "canary: ";

/** Asserts that `found` (a scan of `where`) names a canary and no marker. */
function noLeaks(where: string, found: string[]) {
  assert.ok(found.some((f) => f.includes(CANARY)), `the scan of ${where} found no canary`);
  const leaks = found.filter((f) => !f.includes(CANARY));
  assert.deepEqual(leaks, [], `found in the clear in ${where}:\n${leaks.join("\n")}`);
}

Deno.test("at rest: embedded stores with Twilio and WhatsApp keep no phone or medical text in the clear", async () => {
  const twilio = fakeTwilio();
  try {
    const server = await startServer({
      env: {
        ...twilio.env,
        // Codes go by SMS (no template for them), so the fake shows them; the rest by WhatsApp.
        TWILIO_WHATSAPP_TEMPLATES: JSON.stringify(WHATSAPP_TEMPLATES),
        OTP_RESEND_COOLDOWN_SECONDS: "0",
      },
    });
    let markers: Marker[];
    try {
      const codeOf = (phone: string) => {
        const m = twilio.sent.findLast((s) => s.to.endsWith(phone) && codeIn(s.body));
        if (!m) throw new Error(`no code message to ${phone}`);
        return Promise.resolve(codeIn(m.body));
      };
      const api = new Api(server.url, fetch, codeOf);
      markers = await journeys(server, api, codeOf, "whatsapp");
      // The confirmations and the cancellation leave through the outbox, by WhatsApp.
      await eventually(
        "three WhatsApp messages",
        () => twilio.sent.filter((s) => s.to.startsWith("whatsapp:")).length >= 3,
      );
      // Twilio reports one of them undelivered: the message goes again by SMS.
      const admin = await api.loginAdmin();
      const messages = await api.request<{ items: { sid: string; channel: string }[] }>(
        "GET",
        "/v1/admin/messages?limit=200",
        { token: admin.accessToken },
      );
      const wa = messages.body.items.find((m) => m.channel === "whatsapp");
      assert.ok(wa, JSON.stringify(messages.body));
      const patientTo = twilio.sent.find((s) => s.to.startsWith("whatsapp:"))!.to;
      const form = {
        MessageSid: wa.sid,
        MessageStatus: "undelivered",
        ErrorCode: "63016",
        AccountSid: TWILIO_SID,
        To: patientTo,
      };
      const url = `${server.url}/webhooks/twilio/status`;
      const signed = url + Object.keys(form).sort().map((k) => k + form[k as keyof typeof form])
        .join("");
      const sendsBefore = twilio.sent.length;
      const callback = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "x-twilio-signature": createHmac("sha1", TWILIO_TOKEN).update(signed).digest("base64"),
        },
        body: new URLSearchParams(form),
      });
      assert.equal(callback.status, 204, await callback.text());
      await eventually("the SMS fallback", () => twilio.sent.length > sendsBefore);
    } finally {
      await server.stop();
    }
    const dir = server.kvPath.slice(0, server.kvPath.lastIndexOf("/"));
    noLeaks("the KV entries", await scanKv(server.kvPath, markers));
    noLeaks("the KV files", await scanFiles(dir, markers));
  } finally {
    await twilio.close();
  }
});

Deno.test("at rest: MongoDB records and Upstash keep no phone or medical text in the clear", async () => {
  const mongo = await startFerretDb();
  const redis = await startRedis();
  const bridge = await startUpstashBridge(redis.port);
  try {
    const dbName = mongo.database();
    const server = await startServer({
      env: {
        ...appEnv(mongo, dbName),
        UPSTASH_REDIS_REST_URL: bridge.url,
        UPSTASH_REDIS_REST_TOKEN: bridge.token,
        OTP_RESEND_COOLDOWN_SECONDS: "0",
      },
    });
    let markers: Marker[];
    try {
      const api = new Api(server.url);
      markers = await journeys(server, api, (phone) => api.latestCode(phone), "sms");
    } finally {
      await server.stop();
    }
    const dir = server.kvPath.slice(0, server.kvPath.lastIndexOf("/"));
    noLeaks("MongoDB", await withRawDb(mongo, dbName, (db) => scanMongo(db, markers)));
    noLeaks("Redis", await scanRedis(bridge.url, bridge.token, markers));
    noLeaks("the KV entries", await scanKv(server.kvPath, markers));
    noLeaks("the KV files", await scanFiles(dir, markers));
    // FerretDB's own SQLite files, deleted documents and the write-ahead log included.
    const pid = mongo.pid();
    if (pid !== null) {
      const args = (await Deno.readTextFile(`/proc/${pid}/cmdline`)).split("\0");
      const stateDir = args.find((a) => a.startsWith("--state-dir="))!.slice(12);
      await mongo.halt();
      noLeaks("FerretDB's files", await scanFiles(stateDir, markers));
    }
  } finally {
    await bridge.stop();
    await redis.stop();
    await mongo.stop();
  }
});
