/**
 * The route tables of the API groups that src/app.ts mounts lazily (src/http/lazy_routes.ts): every
 * entry each group's sub-app adds, in order (its middleware and zod validators each add one; a
 * GET's query and path validation once per URL wraps its handler and adds none, a header
 * validator adds one).
 * Declared here so the server answers its first request (/healthz) without importing the groups'
 * modules and building their zod schemas; each group loads on its first request, or in the
 * background once the server listens (src/main.ts). tests/http/lazy_routes_test.ts compares each
 * table with the real sub-app and prints the table to paste here when a route is added, removed,
 * or given another middleware or validator.
 */
import type { RouteTable } from "../src/http/lazy_routes.ts";

/** routes/auth.ts: sign-in by one-time code, refresh and sign-out. */
export const AUTH_ROUTES: RouteTable = [
  ["POST", "/v1/auth/otp"],
  ["POST", "/v1/auth/otp"],
  ["POST", "/v1/auth/otp"],
  ["POST", "/v1/auth/verify"],
  ["POST", "/v1/auth/verify"],
  ["POST", "/v1/auth/verify"],
  ["POST", "/v1/auth/refresh"],
  ["POST", "/v1/auth/refresh"],
  ["POST", "/v1/auth/refresh"],
  ["POST", "/v1/auth/logout"],
  ["POST", "/v1/auth/logout"],
  ["POST", "/v1/auth/logout"],
  ["POST", "/v1/auth/logout"],
  ["POST", "/v1/auth/logout"],
  ["GET", "/.well-known/jwks.json"],
];

/** routes/doctors.ts: the doctor directory, availability and slots, and the admin's doctor records. */
export const DOCTOR_ROUTES: RouteTable = [
  ["POST", "/v1/admin/doctors"],
  ["POST", "/v1/admin/doctors"],
  ["POST", "/v1/admin/doctors"],
  ["POST", "/v1/admin/doctors"],
  ["POST", "/v1/admin/doctors"],
  ["POST", "/v1/admin/doctors"],
  ["GET", "/v1/admin/doctors"],
  ["GET", "/v1/admin/doctors"],
  ["GET", "/v1/admin/doctors"],
  ["PATCH", "/v1/admin/doctors/:id"],
  ["PATCH", "/v1/admin/doctors/:id"],
  ["PATCH", "/v1/admin/doctors/:id"],
  ["PATCH", "/v1/admin/doctors/:id"],
  ["PATCH", "/v1/admin/doctors/:id"],
  ["PATCH", "/v1/admin/doctors/:id"],
  ["POST", "/v1/admin/doctors/:id/deactivate"],
  ["POST", "/v1/admin/doctors/:id/deactivate"],
  ["POST", "/v1/admin/doctors/:id/deactivate"],
  ["POST", "/v1/admin/doctors/:id/deactivate"],
  ["POST", "/v1/admin/doctors/:id/reactivate"],
  ["POST", "/v1/admin/doctors/:id/reactivate"],
  ["POST", "/v1/admin/doctors/:id/reactivate"],
  ["POST", "/v1/admin/doctors/:id/reactivate"],
  ["GET", "/v1/doctors"],
  ["GET", "/v1/doctors/:id"],
  ["PUT", "/v1/doctors/:id/availability"],
  ["PUT", "/v1/doctors/:id/availability"],
  ["PUT", "/v1/doctors/:id/availability"],
  ["PUT", "/v1/doctors/:id/availability"],
  ["PUT", "/v1/doctors/:id/availability"],
  ["PUT", "/v1/doctors/:id/availability"],
  ["GET", "/v1/doctors/:id/slots"],
];

/** routes/holds.ts: holding a slot, confirming and releasing the hold. */
export const HOLD_ROUTES: RouteTable = [
  ["POST", "/v1/holds"],
  ["POST", "/v1/holds"],
  ["POST", "/v1/holds"],
  ["POST", "/v1/holds"],
  ["POST", "/v1/holds"],
  ["POST", "/v1/holds"],
  ["POST", "/v1/holds"],
  ["POST", "/v1/holds/:id/confirm"],
  ["POST", "/v1/holds/:id/confirm"],
  ["POST", "/v1/holds/:id/confirm"],
  ["POST", "/v1/holds/:id/confirm"],
  ["POST", "/v1/holds/:id/confirm"],
  ["POST", "/v1/holds/:id/confirm"],
  ["POST", "/v1/holds/:id/confirm"],
  ["DELETE", "/v1/holds/:id"],
  ["DELETE", "/v1/holds/:id"],
  ["DELETE", "/v1/holds/:id"],
  ["DELETE", "/v1/holds/:id"],
];

/** routes/appointments.ts: appointments, cancelling, rescheduling and changing them. */
export const APPOINTMENT_ROUTES: RouteTable = [
  ["GET", "/v1/appointments"],
  ["GET", "/v1/appointments"],
  ["GET", "/v1/appointments"],
  ["GET", "/v1/appointments/:id"],
  ["GET", "/v1/appointments/:id"],
  ["GET", "/v1/appointments/:id"],
  ["GET", "/v1/appointments/:id"],
  ["POST", "/v1/appointments/:id/cancel"],
  ["POST", "/v1/appointments/:id/cancel"],
  ["POST", "/v1/appointments/:id/cancel"],
  ["POST", "/v1/appointments/:id/cancel"],
  ["POST", "/v1/appointments/:id/cancel"],
  ["POST", "/v1/appointments/:id/cancel"],
  ["POST", "/v1/appointments/:id/cancel"],
  ["POST", "/v1/appointments/:id/cancel"],
  ["POST", "/v1/appointments/:id/reschedule"],
  ["POST", "/v1/appointments/:id/reschedule"],
  ["POST", "/v1/appointments/:id/reschedule"],
  ["POST", "/v1/appointments/:id/reschedule"],
  ["POST", "/v1/appointments/:id/reschedule"],
  ["POST", "/v1/appointments/:id/reschedule"],
  ["POST", "/v1/appointments/:id/reschedule"],
  ["POST", "/v1/appointments/:id/reschedule"],
  ["PATCH", "/v1/appointments/:id"],
  ["PATCH", "/v1/appointments/:id"],
  ["PATCH", "/v1/appointments/:id"],
  ["PATCH", "/v1/appointments/:id"],
  ["PATCH", "/v1/appointments/:id"],
  ["PATCH", "/v1/appointments/:id"],
  ["PATCH", "/v1/appointments/:id"],
  ["PATCH", "/v1/appointments/:id"],
];

/** routes/event_features.ts: the waitlist, the admin's audit trail and webhooks (when events are wired). */
export const EVENT_FEATURE_ROUTES: RouteTable = [
  ["POST", "/v1/doctors/:id/waitlist"],
  ["POST", "/v1/doctors/:id/waitlist"],
  ["POST", "/v1/doctors/:id/waitlist"],
  ["POST", "/v1/doctors/:id/waitlist"],
  ["POST", "/v1/doctors/:id/waitlist"],
  ["POST", "/v1/doctors/:id/waitlist"],
  ["GET", "/v1/waitlist"],
  ["GET", "/v1/waitlist"],
  ["GET", "/v1/waitlist"],
  ["DELETE", "/v1/waitlist/:id"],
  ["DELETE", "/v1/waitlist/:id"],
  ["DELETE", "/v1/waitlist/:id"],
  ["DELETE", "/v1/waitlist/:id"],
  ["GET", "/v1/admin/audit"],
  ["GET", "/v1/admin/audit"],
  ["GET", "/v1/admin/audit"],
  ["POST", "/v1/admin/webhooks"],
  ["POST", "/v1/admin/webhooks"],
  ["POST", "/v1/admin/webhooks"],
  ["POST", "/v1/admin/webhooks"],
  ["POST", "/v1/admin/webhooks"],
  ["GET", "/v1/admin/webhooks"],
  ["GET", "/v1/admin/webhooks"],
  ["GET", "/v1/admin/webhooks"],
  ["POST", "/v1/admin/webhooks/:id/rotate-secret"],
  ["POST", "/v1/admin/webhooks/:id/rotate-secret"],
  ["POST", "/v1/admin/webhooks/:id/rotate-secret"],
  ["POST", "/v1/admin/webhooks/:id/rotate-secret"],
  ["DELETE", "/v1/admin/webhooks/:id"],
  ["DELETE", "/v1/admin/webhooks/:id"],
  ["DELETE", "/v1/admin/webhooks/:id"],
  ["DELETE", "/v1/admin/webhooks/:id"],
];

/** routes/me.ts: the signed-in user's profile and sessions. */
export const ME_ROUTES: RouteTable = [
  ["GET", "/v1/me"],
  ["GET", "/v1/me"],
  ["GET", "/v1/me"],
  ["PUT", "/v1/me"],
  ["PUT", "/v1/me"],
  ["PUT", "/v1/me"],
  ["PUT", "/v1/me"],
  ["PUT", "/v1/me"],
  ["DELETE", "/v1/me"],
  ["DELETE", "/v1/me"],
  ["DELETE", "/v1/me"],
  ["GET", "/v1/auth/sessions"],
  ["GET", "/v1/auth/sessions"],
  ["GET", "/v1/auth/sessions"],
  ["DELETE", "/v1/auth/sessions/:id"],
  ["DELETE", "/v1/auth/sessions/:id"],
  ["DELETE", "/v1/auth/sessions/:id"],
  ["DELETE", "/v1/auth/sessions/:id"],
];

/** routes/twilio_status.ts: Twilio's delivery callbacks and the admin's message log. */
export const TWILIO_STATUS_ROUTES: RouteTable = [
  ["POST", "/webhooks/twilio/status"],
  ["POST", "/webhooks/twilio/status"],
  ["POST", "/webhooks/twilio/status"],
  ["POST", "/webhooks/twilio/status"],
  ["POST", "/webhooks/twilio/status"],
  ["GET", "/v1/admin/messages"],
  ["GET", "/v1/admin/messages"],
  ["GET", "/v1/admin/messages"],
];

/** routes/rooms.ts: video room tokens and the room's WebSocket (when rooms are wired). */
export const ROOM_ROUTES: RouteTable = [
  ["POST", "/v1/appointments/:id/room-token"],
  ["POST", "/v1/appointments/:id/room-token"],
  ["POST", "/v1/appointments/:id/room-token"],
  ["POST", "/v1/appointments/:id/room-token"],
  ["GET", "/v1/rooms/:appointmentId/ws"],
];

/** routes/courses.ts: treatment courses (when courses are wired). */
export const COURSE_ROUTES: RouteTable = [
  ["POST", "/v1/courses"],
  ["POST", "/v1/courses"],
  ["POST", "/v1/courses"],
  ["POST", "/v1/courses"],
  ["POST", "/v1/courses"],
  ["POST", "/v1/courses"],
  ["POST", "/v1/courses/:id/confirm"],
  ["POST", "/v1/courses/:id/confirm"],
  ["POST", "/v1/courses/:id/confirm"],
  ["POST", "/v1/courses/:id/confirm"],
  ["POST", "/v1/courses/:id/confirm"],
  ["POST", "/v1/courses/:id/confirm"],
  ["POST", "/v1/courses/:id/confirm"],
  ["POST", "/v1/courses/:id/cancel"],
  ["POST", "/v1/courses/:id/cancel"],
  ["POST", "/v1/courses/:id/cancel"],
  ["POST", "/v1/courses/:id/cancel"],
  ["GET", "/v1/courses/:id"],
  ["GET", "/v1/courses/:id"],
  ["GET", "/v1/courses/:id"],
];

/** routes/recommendations.ts: doctor recommendations and the prakriti questionnaire (when wired). */
export const RECOMMENDATION_ROUTES: RouteTable = [
  ["POST", "/v1/recommendations"],
  ["POST", "/v1/recommendations"],
  ["POST", "/v1/recommendations"],
  ["GET", "/v1/prakriti/questionnaire"],
  ["POST", "/v1/prakriti/assessments"],
  ["POST", "/v1/prakriti/assessments"],
  ["POST", "/v1/prakriti/assessments"],
  ["POST", "/v1/prakriti/assessments"],
  ["POST", "/v1/prakriti/assessments"],
];
