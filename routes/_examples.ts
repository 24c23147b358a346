/**
 * An example for every operation of /openapi.json outside /fhir (FHIR's sit with their schemas
 * in fhir_openapi.ts): the request body where there is one, the success answer where it has a
 * body. `completeContract` puts them on the operations; tests/http/openapi_test.ts checks that
 * every operation has its examples and that each one is valid against its own schema, so an
 * example cannot drift from the contract. Made-up ids, times, names and the +91 98123 45678
 * example phone only; never a real person's data or a working token.
 */

const DOCTOR_ID = "doc_01m8r8acfa071y735y5nb0qkmy";
const PATIENT_ID = "pat_01m8r8pmhgp7qgf3vgjztxkvns";
const APPOINTMENT_ID = "apt_01m8r9c3v6x2k1q4z7w5n0p8hd";
const HOLD_ID = "hld_01m8r9b1q2w3e4r5t6y7u8i9o0";
const START = "2026-12-03T04:30:00.000Z";
const END = "2026-12-03T05:00:00.000Z";
const CREATED = "2026-12-01T06:15:00.000Z";
const PHONE = "+919812345678";

const DOCTOR = {
  id: DOCTOR_ID,
  name: "Dr. Asha Kulkarni",
  specializations: ["Panchakarma", "Kayachikitsa"],
  languages: ["mr", "hi", "en"],
  city: "Pune",
  timezone: "Asia/Kolkata",
  slotMinutes: 30,
  fee: 800,
  bio: "Twelve years of Panchakarma practice in Pune.",
  availability: {
    weekly: [{ day: "mon", start: "09:00", end: "13:00" }],
    overrides: [{ date: "2026-12-25", unavailable: true }],
    minNoticeMinutes: 60,
    horizonDays: 30,
    bufferMinutes: 0,
    maxPerDay: null,
  },
  createdAt: CREATED,
  updatedAt: CREATED,
  active: true,
  deactivatedAt: null,
};
const APPOINTMENT = {
  id: APPOINTMENT_ID,
  doctorId: DOCTOR_ID,
  patientId: PATIENT_ID,
  start: START,
  end: END,
  status: "confirmed",
  online: false,
  createdAt: CREATED,
  updatedAt: CREATED,
  version: 1,
  reason: "Recurring migraine",
};
const TOKENS = {
  accessToken: "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJwYXRfMDEifQ.c2lnbmF0dXJl",
  refreshToken: "rt_01m8r8q0c9k3v7x2m5n8p1q4s6.4dXw2s9Qk1",
  tokenType: "Bearer",
  expiresIn: 900,
  user: { id: PATIENT_ID, role: "patient" },
};
const WEBHOOK = {
  id: "whk_01m8ra2b3c4d5e6f7g8h9j0k1m",
  url: "https://clinic.example/vaidya",
  events: ["appointment.confirmed", "appointment.cancelled"],
  createdAt: CREATED,
  updatedAt: CREATED,
  secretRotatedAt: CREATED,
  previousSecretValidUntil: null,
  status: "healthy",
  recentAttempts: [],
};
const PROFILE = {
  id: PATIENT_ID,
  phone: PHONE,
  name: "Anil Sharma",
  language: "hi",
  channel: "sms",
  timeZone: "Asia/Kolkata",
  dateOfBirth: "1980-04-12",
  gender: "male",
  medicalHistory: null,
  createdAt: CREATED,
  updatedAt: CREATED,
};
const COURSE = {
  id: "crs_01m8ra5x6y7z8a9b0c1d2e3f4g",
  doctorId: DOCTOR_ID,
  status: "confirmed",
  expiresAt: "2026-12-01T06:25:00.000Z",
  sessions: [
    { start: START, end: END, appointmentId: APPOINTMENT_ID },
    {
      start: "2026-12-04T04:30:00.000Z",
      end: "2026-12-04T05:00:00.000Z",
      appointmentId: "apt_01m8r9c3v6x2k1q4z7w5n0p8he",
    },
  ],
};
const WAITLIST_ENTRY = {
  id: "wtl_01m8ra7h8j9k0m1n2p3q4r5s6t",
  doctorId: DOCTOR_ID,
  date: "2026-12-03",
  createdAt: CREATED,
  notifiedAt: null,
};

export interface OperationExample {
  /** The JSON (or form) request body. */
  request?: unknown;
  /** The body of the first 2xx answer. */
  response?: unknown;
}

/** Keyed by `METHOD /path` as in the document (`POST /v1/holds/{id}/confirm`). */
export const OPERATION_EXAMPLES: Record<string, OperationExample> = {
  "GET /": { response: "<!doctype html><title>Vaidya</title><a href=/book>Book</a>" },
  "GET /healthz": { response: { status: "ok" } },
  "GET /readyz": { response: { status: "ready", checks: { records: "ok", kv: "ok" } } },
  "GET /metrics": {
    response: '# TYPE http_requests_total counter\nhttp_requests_total{route="/healthz"} 3\n',
  },
  "GET /v1/dev/outbox": {
    response: {
      messages: [{
        to: PHONE,
        body: "Your Vaidya code is 482913",
        code: "482913",
        channel: "sms",
        sentAt: CREATED,
      }],
    },
  },
  "GET /v1/dev/sleep": { response: { sleptMs: 250 } },
  "POST /v1/auth/otp": {
    request: { phone: PHONE },
    response: { expiresAt: "2026-12-01T06:20:00.000Z" },
  },
  "POST /v1/auth/verify": { request: { phone: PHONE, code: "482913" }, response: TOKENS },
  "POST /v1/auth/refresh": { request: { refreshToken: TOKENS.refreshToken }, response: TOKENS },
  "POST /v1/auth/logout": { request: { refreshToken: TOKENS.refreshToken } },
  "GET /.well-known/jwks.json": {
    response: {
      keys: [{
        kty: "OKP",
        crv: "Ed25519",
        kid: "dev-1",
        x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
      }],
    },
  },
  "POST /v1/admin/doctors": {
    request: {
      name: DOCTOR.name,
      phone: "+919822001122",
      specializations: DOCTOR.specializations,
      languages: DOCTOR.languages,
      city: DOCTOR.city,
      timezone: DOCTOR.timezone,
      slotMinutes: 30,
      fee: 800,
    },
    response: DOCTOR,
  },
  "GET /v1/admin/doctors": {
    response: {
      items: [{ ...DOCTOR, active: false, deactivatedAt: "2026-12-01T04:30:00.000Z" }],
      nextCursor: null,
    },
  },
  "PATCH /v1/admin/doctors/{id}": { request: { fee: 900 }, response: { ...DOCTOR, fee: 900 } },
  "POST /v1/admin/doctors/{id}/deactivate": {
    response: { ...DOCTOR, active: false, deactivatedAt: "2026-12-01T04:30:00.000Z" },
  },
  "POST /v1/admin/doctors/{id}/reactivate": { response: DOCTOR },
  "GET /v1/doctors": { response: { items: [DOCTOR], nextCursor: null } },
  "GET /v1/doctors/{id}": { response: DOCTOR },
  "PUT /v1/doctors/{id}/availability": {
    request: {
      weekly: [
        { day: "mon", start: "09:00", end: "13:00" },
        { day: "thu", start: "16:00", end: "19:00" },
      ],
      overrides: [{ date: "2026-12-25", unavailable: true }],
      bufferMinutes: 10,
    },
    response: DOCTOR,
  },
  "GET /v1/doctors/{id}/slots": {
    response: {
      doctorId: DOCTOR_ID,
      timezone: "Asia/Kolkata",
      slots: [{ start: START, end: END }],
    },
  },
  "POST /v1/holds": {
    request: { doctorId: DOCTOR_ID, start: START },
    response: {
      id: HOLD_ID,
      doctorId: DOCTOR_ID,
      start: START,
      end: END,
      expiresAt: "2026-12-01T06:25:00.000Z",
    },
  },
  "POST /v1/holds/{id}/confirm": {
    request: { code: "482913", reason: "Recurring migraine" },
    response: { appointment: APPOINTMENT },
  },
  "GET /v1/appointments": { response: { items: [APPOINTMENT], nextCursor: null } },
  "GET /v1/appointments/{id}": { response: APPOINTMENT },
  "PATCH /v1/appointments/{id}": {
    request: { status: "completed", notes: "Advised Nasya for two weeks." },
    response: { ...APPOINTMENT, status: "completed", version: 2 },
  },
  "POST /v1/appointments/{id}/cancel": {
    request: { reason: "Travelling that week" },
    response: {
      ...APPOINTMENT,
      status: "cancelled",
      version: 2,
      cancelReason: "Travelling that week",
      cancelledBy: PATIENT_ID,
    },
  },
  "POST /v1/appointments/{id}/reschedule": {
    request: { holdId: HOLD_ID },
    response: {
      ...APPOINTMENT,
      start: "2026-12-04T04:30:00.000Z",
      end: "2026-12-04T05:00:00.000Z",
      version: 2,
    },
  },
  "POST /v1/doctors/{id}/waitlist": { request: { date: "2026-12-03" }, response: WAITLIST_ENTRY },
  "GET /v1/waitlist": { response: { items: [WAITLIST_ENTRY] } },
  "GET /v1/admin/audit": {
    response: {
      items: [{
        seq: 42,
        id: "aud_01m8ra9z8y7x6w5v4u3t2s1r0q",
        at: CREATED,
        actorId: PATIENT_ID,
        actorRole: "patient",
        action: "appointment.confirmed",
        appointmentId: APPOINTMENT_ID,
        patientId: PATIENT_ID,
        doctorId: DOCTOR_ID,
        prevHash: "3q2+7w==",
        hash: "b3JkZXI=",
      }],
      nextCursor: null,
    },
  },
  "POST /v1/admin/webhooks": {
    request: { url: WEBHOOK.url, events: WEBHOOK.events },
    response: { ...WEBHOOK, secret: "whsec_9c1f3a7e5b2d4f6a8c0e" },
  },
  "GET /v1/admin/webhooks": { response: { items: [WEBHOOK] } },
  "POST /v1/admin/webhooks/{id}/rotate-secret": {
    response: {
      ...WEBHOOK,
      previousSecretValidUntil: "2026-12-02T06:15:00.000Z",
      secret: "whsec_2b4d6f8a0c1e3f5a7b9d",
    },
  },
  "GET /v1/me": { response: PROFILE },
  "PUT /v1/me": { request: { name: "Anil Sharma", language: "hi" }, response: PROFILE },
  "GET /v1/auth/sessions": {
    response: {
      items: [{
        id: "ses_01m8r8pmhhr13bbj59v6e93w9w",
        createdAt: CREATED,
        lastUsedAt: CREATED,
        userAgent: "Mozilla/5.0 (Linux; Android 14)",
      }],
    },
  },
  "POST /webhooks/twilio/status": {
    request: { MessageSid: "SM0123456789abcdef0123456789abcdef", MessageStatus: "delivered" },
  },
  "GET /v1/admin/messages": {
    response: {
      items: [{
        sid: "SM0123456789abcdef0123456789abcdef",
        channel: "sms",
        kind: "login_code",
        status: "delivered",
        errorCode: null,
        sentAt: CREATED,
        updatedAt: CREATED,
        fallbackSid: null,
        fallbackOf: null,
      }],
    },
  },
  "POST /v1/appointments/{id}/room-token": {
    response: {
      token: "eyJhbGciOiJFZERTQSJ9.eyJhdWQiOiJ2YWlkeWEtcm9vbSJ9.c2lnbmF0dXJl",
      expiresAt: "2026-12-03T04:22:00.000Z",
      appointmentId: APPOINTMENT_ID,
      role: "patient",
      opensAt: "2026-12-03T04:20:00.000Z",
      closesAt: "2026-12-03T05:15:00.000Z",
      wsPath: `/v1/rooms/${APPOINTMENT_ID}/ws`,
      iceServers: [{ urls: ["stun:stun.clinic.example:3478"] }],
      language: "hi",
    },
  },
  "POST /v1/courses": {
    request: { doctorId: DOCTOR_ID, start: START, count: 2, everyDays: 1 },
    response: { ...COURSE, status: "held" },
  },
  "POST /v1/courses/{id}/confirm": { request: { code: "482913" }, response: COURSE },
  "POST /v1/courses/{id}/cancel": { response: { ...COURSE, status: "cancelled" } },
  "GET /v1/courses/{id}": { response: COURSE },
  "POST /v1/recommendations": {
    request: { symptoms: "Joint pain and stiffness in the mornings", city: "Pune" },
    response: {
      triage: "routine",
      flags: [],
      language: "en",
      disclaimer: "Guidance to find the right kind of doctor, not a diagnosis.",
      matched: [{
        specialization: "Kayachikitsa",
        share: 0.72,
        terms: ["joint pain", "stiffness"],
        evidence: ["stiffness", "joint"],
      }],
      items: [{
        doctor: { id: DOCTOR_ID, name: DOCTOR.name, city: "Pune", languages: DOCTOR.languages },
        score: 0.81,
        specializations: ["Kayachikitsa"],
        reason: "Kayachikitsa in Pune, speaks mr, hi, en",
        nextSlot: { start: START, end: END },
      }],
    },
  },
  "GET /v1/prakriti/questionnaire": {
    response: {
      questions: [{
        id: "frame",
        text: { en: "Your body frame", hi: "आपकी शारीरिक बनावट" },
        options: [
          { id: "frame.a", text: { en: "Thin, light", hi: "पतली, हल्की" } },
          { id: "frame.b", text: { en: "Medium", hi: "मध्यम" } },
          { id: "frame.c", text: { en: "Broad, heavy", hi: "चौड़ी, भारी" } },
        ],
      }],
      sources: ["Charaka Samhita, Vimana Sthana 8"],
    },
  },
  "POST /v1/prakriti/assessments": {
    request: {
      answers: Object.fromEntries(
        [
          "frame",
          "weight",
          "skin",
          "hair",
          "eyes",
          "nails",
          "joints",
          "warmth",
          "sweat",
          "appetite",
          "bowels",
          "thirst",
          "food",
          "sleep",
          "dreams",
          "weather",
          "speech",
          "voice",
          "pace",
          "stamina",
          "memory",
          "stress",
          "decisions",
          "temperament",
        ].map((q, i) => [q, `${q}.${"abc"[i % 3]}`]),
      ),
    },
    response: {
      scores: { vata: 0.35, pitta: 0.35, kapha: 0.3 },
      type: "vata-pitta",
      doshas: ["vata", "pitta"],
      assessedAt: CREATED,
    },
  },
};
