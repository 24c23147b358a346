/**
 * Route × role, over every route the app serves (read from the Hono app itself, not from the
 * OpenAPI document, so WebSocket, FHIR, doctor-UI and booking pages are included). Every route is
 * in exactly one class below, with no exemption: bearer routes guarded by the policy table
 * (src/auth/policy.ts), the room WebSocket (room tokens), cookie-session pages (doctor UI, /book)
 * and public routes. Ids in paths are REAL ids of other people's records (another patient's
 * appointment, hold, waitlist entry, session, course; another doctor), so a role the table allows
 * must still get no 2xx on someone else's record. A 5xx anywhere is a failure.
 */
import assert from "node:assert/strict";
import { allowedRoles, POLICY } from "../../src/auth/policy.ts";
import type { Action } from "../../src/auth/policy.ts";
import { createApp } from "../../src/app.ts";
import { createDoctor, dateInDays, firstSlots, randomPhone } from "../_harness/api.ts";
import { startInProcess } from "../_harness/in_process.ts";
import { SESSION_COOKIE } from "../../src/ui/ui_env.ts";
import { createRoomTokens } from "../../src/rooms/room_tokens.ts";

/** Bearer routes and the policy action that guards each. */
const ROUTE_ACTIONS: Record<string, Action> = {
  "POST /v1/auth/logout": "auth.logout",
  "GET /v1/auth/sessions": "sessions.list",
  "DELETE /v1/auth/sessions/:id": "sessions.revoke",
  "GET /v1/me": "me.read",
  "PUT /v1/me": "me.update",
  "DELETE /v1/me": "me.erase",
  "POST /v1/admin/doctors": "doctors.create",
  "GET /v1/admin/doctors": "doctors.list",
  "PATCH /v1/admin/doctors/:id": "doctors.update",
  "POST /v1/admin/doctors/:id/deactivate": "doctors.update",
  "POST /v1/admin/doctors/:id/reactivate": "doctors.update",
  "PUT /v1/doctors/:id/availability": "doctors.setAvailability",
  "POST /v1/holds": "holds.create",
  "POST /v1/holds/:id/confirm": "holds.confirm",
  "DELETE /v1/holds/:id": "holds.release",
  "GET /v1/appointments": "appointments.list",
  "GET /v1/appointments/:id": "appointments.get",
  "POST /v1/appointments/:id/cancel": "appointments.cancel",
  "POST /v1/appointments/:id/reschedule": "appointments.reschedule",
  "PATCH /v1/appointments/:id": "appointments.update",
  "POST /v1/appointments/:id/room-token": "rooms.join",
  "POST /v1/doctors/:id/waitlist": "waitlist.join",
  "GET /v1/waitlist": "waitlist.list",
  "DELETE /v1/waitlist/:id": "waitlist.leave",
  "GET /v1/admin/audit": "audit.read",
  "GET /v1/admin/messages": "deliveries.read",
  "POST /v1/admin/webhooks": "webhooks.manage",
  "GET /v1/admin/webhooks": "webhooks.manage",
  "POST /v1/admin/webhooks/:id/rotate-secret": "webhooks.manage",
  "DELETE /v1/admin/webhooks/:id": "webhooks.manage",
  "POST /v1/courses": "courses.create",
  "POST /v1/courses/:id/confirm": "courses.confirm",
  "POST /v1/courses/:id/cancel": "courses.cancel",
  "GET /v1/courses/:id": "courses.get",
  "POST /v1/prakriti/assessments": "prakriti.assess",
  "GET /fhir/R4/Appointment": "fhir.appointments",
  "GET /fhir/R4/Appointment/:id": "fhir.appointments",
  "GET /fhir/R4/Patient/:id": "fhir.patient",
};

/** Authenticated by a room token bound to one appointment (POST .../room-token). */
const ROOM_SOCKET = "GET /v1/rooms/:appointmentId/ws";

/** Pages behind the doctor UI's or the booking pages' own cookie session. */
const SESSION_PAGES = (route: string) =>
  /^(GET|POST) \/doctor\/(appointments|availability|profile|week|logout)|^GET \/doctor$/.test(
    route,
  ) || /^(GET|POST) \/book\/(appointments|hold|holds|logout)/.test(route);

/** Open to anyone by design (sign-in, public directory, docs, health, signed callbacks). */
const PUBLIC = new Set([
  "POST /v1/auth/otp",
  "POST /v1/auth/verify",
  "POST /v1/auth/refresh",
  "GET /.well-known/jwks.json",
  "GET /v1/doctors",
  "GET /v1/doctors/:id",
  "GET /v1/doctors/:id/slots",
  "GET /v1/prakriti/questionnaire",
  "POST /v1/recommendations",
  "GET /v1/dev/outbox",
  "GET /v1/dev/sleep",
  "POST /webhooks/twilio/status",
  "GET /",
  "GET /healthz",
  "GET /readyz",
  "GET /metrics",
  "GET /openapi.json",
  "GET /docs",
  "GET /docs/init.js",
  "GET /docs/swagger-ui-bundle.js",
  "GET /docs/swagger-ui.css",
  "GET /fhir/R4/metadata",
  "GET /fhir/R4/Practitioner",
  "GET /fhir/R4/Practitioner/:id",
  "GET /fhir/R4/Schedule",
  "GET /fhir/R4/Schedule/:id",
  "GET /fhir/R4/Slot",
  "GET /fhir/R4/Slot/:id",
  "GET /room/:appointmentId",
  "GET /room-static/:name",
  "GET /doctor/login",
  "POST /doctor/login",
  "POST /doctor/login/verify",
  "GET /doctor/lang/:lang",
  "GET /doctor/static/:name",
  "GET /book",
  "GET /book/doctors",
  "GET /book/doctors/:id",
  "GET /book/embed",
  "GET /book/lang",
  "GET /book/lang/:lang",
  "GET /book/login",
  "POST /book/login",
  "POST /book/login/verify",
  "POST /book/suggest",
  "GET /book/static/:name",
]);

const ROLES = ["patient", "doctor", "admin"] as const;
/** Fixed so the test can sign a room token (src/rooms/room_tokens.ts) for someone else. */
const HMAC_SECRET = btoa("r".repeat(48));

Deno.test("every route answers every role as its class says, on other people's real ids", async () => {
  await using app = await startInProcess({ RATE_LIMIT_DISABLED: "true", HMAC_SECRET });
  const { api, runtime } = app;
  const admin = await api.loginAdmin();
  const doctorA = await createDoctor(api, admin);
  const doctorB = await createDoctor(api, admin);
  const phoneA = randomPhone();
  const phoneB = randomPhone();
  const patientA = await api.login(phoneA);
  const patientB = await api.login(phoneB);
  const tokens = {
    patient: patientA.accessToken,
    doctor: (await api.login(doctorA.phone)).accessToken,
    admin: admin.accessToken,
  };

  // Patient B's records with doctor B: the foreign ids every role is tried on.
  const day = dateInDays(2);
  const slots = await firstSlots(api, doctorB.id, day);
  const hold = async (start: string) => {
    const res = await api.request<{ id: string }>("POST", "/v1/holds", {
      token: patientB.accessToken,
      body: { doctorId: doctorB.id, start },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id;
  };
  const bookedHold = await hold(slots[0].start);
  const booked = await api.request<{ appointment: { id: string } }>(
    "POST",
    `/v1/holds/${bookedHold}/confirm`,
    { token: patientB.accessToken, body: { code: await api.latestCode(phoneB) } },
  );
  assert.equal(booked.status, 201, JSON.stringify(booked.body));
  const foreignHold = await hold(slots[1].start);
  const wait = await api.request<{ id: string }>("POST", `/v1/doctors/${doctorB.id}/waitlist`, {
    token: patientB.accessToken,
    body: { date: dateInDays(3) },
  });
  assert.equal(wait.status, 201, JSON.stringify(wait.body));
  const course = await api.request<{ id: string }>("POST", "/v1/courses", {
    token: patientB.accessToken,
    body: { doctorId: doctorB.id, starts: [slots[2].start, slots[3].start] },
  });
  assert.equal(course.status, 201, JSON.stringify(course.body));
  const sessions = await api.request<{ items: { id: string }[] }>("GET", "/v1/auth/sessions", {
    token: patientB.accessToken,
  });
  const hook = await api.request<{ id: string }>("POST", "/v1/admin/webhooks", {
    token: admin.accessToken,
    body: { url: "https://hooks.example.com/vaidya", events: ["appointment.confirmed"] },
  });
  assert.equal(hook.status, 201, JSON.stringify(hook.body));

  const appointmentId = booked.body.appointment.id;
  // Patient A's own appointment with doctor A (the other side of the room-token check).
  const slotsA = await firstSlots(api, doctorA.id, day);
  const holdA = await api.request<{ id: string }>("POST", "/v1/holds", {
    token: patientA.accessToken,
    body: { doctorId: doctorA.id, start: slotsA[0].start },
  });
  const bookedA = await api.request<{ appointment: { id: string } }>(
    "POST",
    `/v1/holds/${holdA.body.id}/confirm`,
    { token: patientA.accessToken, body: { code: await api.latestCode(phoneA) } },
  );
  assert.equal(bookedA.status, 201, JSON.stringify(bookedA.body));
  const appointmentOfA = bookedA.body.appointment.id;
  /** The foreign id for a path, and whether it is someone else's record (no 2xx expected). */
  const foreign = (path: string): { path: string; owned: boolean } => {
    const sub = (id: string, owned: boolean) => ({ path: path.replace(/:\w+/, id), owned });
    if (!/:\w+/.test(path)) return { path, owned: false };
    if (/appointments|Appointment|rooms|\/room\//.test(path)) return sub(appointmentId, true);
    if (path.includes("/holds/")) return sub(foreignHold, true);
    if (path.includes("/waitlist/")) return sub(wait.body.id, true);
    if (path.includes("/courses/")) return sub(course.body.id, true);
    if (path.includes("/sessions/")) return sub(sessions.body.items[0].id, true);
    if (path.includes("/Patient/")) return sub(patientB.user.id, true);
    if (path.includes("/availability")) return sub(doctorB.id, true);
    if (path.includes("/webhooks/")) return sub(hook.body.id, false);
    if (path.includes("/lang/")) return sub("hi", false);
    if (path.includes("/static/")) return sub("missing.css", false);
    if (/Slot\/|Schedule\//.test(path)) return sub(`${doctorB.id}`, false);
    return sub(doctorB.id, false);
  };

  // Every route the app serves, from the app itself.
  const served = [
    ...new Set(
      createApp(runtime.deps).routes.filter((r) => r.method !== "ALL").map((r) =>
        `${r.method} ${r.path}`
      ),
    ),
  ];
  const classified = (r: string) =>
    [r in ROUTE_ACTIONS, r === ROOM_SOCKET, SESSION_PAGES(r), PUBLIC.has(r)].filter(Boolean).length;
  assert.deepEqual(
    served.filter((r) => classified(r) !== 1),
    [],
    "each route in exactly one class",
  );
  assert.deepEqual(Object.keys(ROUTE_ACTIONS).filter((r) => !served.includes(r)), []);
  assert.ok(Object.values(ROUTE_ACTIONS).every((a) => a in POLICY));

  const failures: string[] = [];
  const call = (method: string, path: string, init: { token?: string; cookie?: string } = {}) => {
    const body = method === "GET" || method === "DELETE" ? undefined : "{}";
    return app.fetch(
      new Request(`http://vaidya.test${path}`, {
        method,
        redirect: "manual",
        headers: {
          ...(body ? { "content-type": "application/json" } : {}),
          ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
          ...(init.cookie ? { cookie: init.cookie } : {}),
        },
        body,
      }),
    );
  };
  const ordered = [...served].sort((a, b) =>
    Number(a === "DELETE /v1/me") - Number(b === "DELETE /v1/me")
  );
  for (const route of ordered) {
    const [method, template] = route.split(" ");
    const { path, owned } = foreign(template);
    const anonymous = await call(method, path);
    await anonymous.body?.cancel();
    if (anonymous.status >= 500) failures.push(`${route} as nobody: ${anonymous.status}`);

    if (route in ROUTE_ACTIONS) {
      if (anonymous.status !== 401) failures.push(`${route} as nobody: ${anonymous.status}`);
      const roles = allowedRoles(ROUTE_ACTIONS[route]);
      for (const role of ROLES) {
        const res = await call(method, path, { token: tokens[role] });
        await res.body?.cancel();
        const allowed = roles.includes(role);
        // Admins may read any appointment or course (the table lists them for those reads).
        const seesAll = role === "admin" && method === "GET";
        if (res.status >= 500) failures.push(`${route} as ${role}: ${res.status}`);
        else if (!allowed && res.status !== 403) {
          failures.push(`${route} as ${role}: ${res.status}, not 403`);
        } else if (allowed && (res.status === 401 || res.status === 403) && !owned) {
          failures.push(`${route} as ${role}: ${res.status} though allowed`);
        } else if (allowed && owned && !seesAll && res.status < 300) {
          failures.push(`${route} as ${role}: ${res.status} on another's record`);
        }
      }
    } else if (route === ROOM_SOCKET) {
      if (anonymous.status !== 401) failures.push(`${route} without a token: ${anonymous.status}`);
      // A valid room token of patient B for B's appointment, used on patient A's real one.
      const rooms = await createRoomTokens(HMAC_SECRET, "https://vaidya.local");
      const bToken = await rooms.sign({
        userId: patientB.user.id,
        role: "patient",
        appointmentId,
        expiresAtMs: Date.now() + 60_000,
      }, Date.now());
      const q = `token=${encodeURIComponent(bToken)}`;
      const stolen = await call("GET", `/v1/rooms/${appointmentOfA}/ws?${q}`);
      await stolen.body?.cancel();
      if (stolen.status < 400 || stolen.status >= 500 || stolen.status === 409) {
        failures.push(`${route} with another appointment's token: ${stolen.status}`);
      }
      // The same token on its own appointment is accepted (then refused only for the closed
      // window: the visit is two days away), so the refusal above is about the appointment.
      const own = await call("GET", `/v1/rooms/${appointmentId}/ws?${q}`);
      await own.body?.cancel();
      if (own.status !== 409) failures.push(`${route} own token: ${own.status}, not 409`);
    } else if (SESSION_PAGES(route)) {
      if (anonymous.status < 300) failures.push(`${route} without a session: ${anonymous.status}`);
    }
  }

  // Doctor UI: doctor A's real session on doctor B's appointment finds nothing.
  const identity = await runtime.deps.refresh.issue(
    { id: doctorA.id, role: "doctor" },
    null,
    "test",
  );
  const ui = await runtime.deps.doctorUi!.sessions.create({
    doctorId: doctorA.id,
    apiSessionId: identity.sessionId,
  });
  for (
    const page of [
      `/doctor/appointments/${appointmentId}`,
      `/doctor/appointments/${appointmentId}/video`,
    ]
  ) {
    const res = await call("GET", page, { cookie: `${SESSION_COOKIE}=${ui.token}` });
    await res.body?.cancel();
    if (res.status !== 404) failures.push(`GET ${page} as doctor A: ${res.status}, not 404`);
  }
  assert.deepEqual(failures, []);
});
