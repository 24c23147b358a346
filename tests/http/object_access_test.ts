/**
 * Object-level access, record by record: patient B's appointment, hold, course, waitlist entry and
 * session with doctor B, tried by patient A, by doctor A (not the appointment's), by their owner,
 * by doctor B and by nobody, over the API, FHIR, the booking pages and the doctor pages. Foreign
 * ids answer exactly 404 (never the record, never a 403 or 409 that confirms it exists); lists
 * never carry someone else's records whatever filters are sent; an `Idempotency-Key` replays only
 * to the user who first sent it. rbac_test.ts checks route × role; this checks record × person.
 */
import assert from "node:assert/strict";
import { startApp } from "../_harness/app.ts";
import {
  createDoctor,
  dateInDays,
  firstSlots,
  randomPhone,
  type Session,
} from "../_harness/api.ts";
import { book } from "../_harness/book.ts";
import { appEnv, startFerretDb } from "../_harness/ferretdb.ts";
import { BOOK_SESSION_COOKIE } from "../../src/ui/book_env.ts";
import { SESSION_COOKIE } from "../../src/ui/ui_env.ts";

Deno.test("foreign records answer 404 to everyone but their owners, in every list and replay", async () => {
  await checkObjectAccess({});
});

Deno.test("foreign records answer 404 to everyone but their owners (MongoDB records)", async () => {
  const mongo = await startFerretDb();
  try {
    await checkObjectAccess(appEnv(mongo));
  } finally {
    await mongo.stop();
  }
});

async function checkObjectAccess(env: Record<string, string>) {
  await using app = await startApp({ RATE_LIMIT_DISABLED: "true", ...env });
  const { api, runtime } = app;
  const deps = runtime.deps;
  const admin = await api.loginAdmin();
  const doctorA = await createDoctor(api, admin);
  const doctorB = await createDoctor(api, admin);
  const patientA = await api.login(randomPhone());
  const patientB = await api.login(randomPhone());
  const docA = await api.login(doctorA.phone);
  const docB = await api.login(doctorB.phone);
  const slots = await firstSlots(api, doctorB.id, dateInDays(2));
  const slotsA = await firstSlots(api, doctorA.id, dateInDays(2));

  // Patient B's records with doctor B.
  const { appointment } = await book(api, patientB, doctorB.id, slots[0].start, {
    reason: "back pain",
    online: true,
  });
  const apt = appointment.id;
  const holdOf = async (who: Session, doctorId: string, start: string) => {
    const res = await api.request<{ id: string }>("POST", "/v1/holds", {
      token: who.accessToken,
      body: { doctorId, start },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id;
  };
  const holdB = await holdOf(patientB, doctorB.id, slots[1].start);
  const course = await api.request<{ id: string }>("POST", "/v1/courses", {
    token: patientB.accessToken,
    body: { doctorId: doctorB.id, starts: [slots[2].start, slots[3].start] },
  });
  assert.equal(course.status, 201, JSON.stringify(course.body));
  const wait = await api.request<{ id: string }>("POST", `/v1/doctors/${doctorB.id}/waitlist`, {
    token: patientB.accessToken,
    body: { date: dateInDays(3) },
  });
  assert.equal(wait.status, 201, JSON.stringify(wait.body));
  const sessionsB = await api.request<{ items: { id: string }[] }>("GET", "/v1/auth/sessions", {
    token: patientB.accessToken,
  });
  const sessionB = sessionsB.body.items[0].id;
  // Patient A's own hold with doctor B (a valid reschedule body) and an appointment with doctor A.
  const holdA = await holdOf(patientA, doctorB.id, slots[4].start);
  const ownA = await book(api, patientA, doctorA.id, slotsA[0].start);

  type Who = "patientA" | "doctorA" | "owner" | "doctorB" | "admin" | "nobody";
  const tokens: Record<Who, string | undefined> = {
    patientA: patientA.accessToken,
    doctorA: docA.accessToken,
    owner: patientB.accessToken,
    doctorB: docB.accessToken,
    admin: admin.accessToken,
    nobody: undefined,
  };
  const fhir = (id: string) => id.replace("_", "-");
  const fhirAppointment = `/fhir/R4/Appointment/${fhir(apt)}`;
  /** Route, body, and the expected status for each caller tried (reads also by their owners). */
  const table: [string, string, unknown, Partial<Record<Who, number>>][] = [
    ["GET", `/v1/appointments/${apt}`, undefined, {
      patientA: 404,
      doctorA: 404,
      nobody: 401,
      owner: 200,
      doctorB: 200,
      admin: 200,
    }],
    ["POST", `/v1/appointments/${apt}/cancel`, { reason: "x" }, {
      patientA: 404,
      doctorA: 404,
      nobody: 401,
    }],
    ["POST", `/v1/appointments/${apt}/reschedule`, { holdId: holdA }, {
      patientA: 404,
      nobody: 401,
    }],
    ["PATCH", `/v1/appointments/${apt}`, { notes: "x" }, { doctorA: 404, nobody: 401 }],
    ["POST", `/v1/appointments/${apt}/room-token`, undefined, {
      patientA: 404,
      doctorA: 404,
      nobody: 401,
      owner: 409,
      doctorB: 409,
    }],
    ["POST", `/v1/holds/${holdB}/confirm`, { code: "000000" }, { patientA: 404, nobody: 401 }],
    ["DELETE", `/v1/holds/${holdB}`, undefined, { patientA: 404, nobody: 401 }],
    ["GET", `/v1/courses/${course.body.id}`, undefined, {
      patientA: 404,
      doctorA: 404,
      nobody: 401,
      owner: 200,
      doctorB: 200,
      admin: 200,
    }],
    ["POST", `/v1/courses/${course.body.id}/confirm`, { code: "000000" }, {
      patientA: 404,
      nobody: 401,
    }],
    ["POST", `/v1/courses/${course.body.id}/cancel`, undefined, { patientA: 404, nobody: 401 }],
    ["DELETE", `/v1/waitlist/${wait.body.id}`, undefined, { patientA: 404, nobody: 401 }],
    ["DELETE", `/v1/auth/sessions/${sessionB}`, undefined, {
      patientA: 404,
      doctorA: 404,
      admin: 404,
      nobody: 401,
    }],
    ["PUT", `/v1/doctors/${doctorB.id}/availability`, { weekly: [], overrides: [] }, {
      doctorA: 404,
      nobody: 401,
    }],
    ["GET", fhirAppointment, undefined, {
      patientA: 404,
      doctorA: 404,
      nobody: 401,
      owner: 200,
      doctorB: 200,
    }],
    ["GET", `/fhir/R4/Patient/${fhir(patientB.user.id)}`, undefined, {
      patientA: 404,
      nobody: 401,
      owner: 200,
    }],
  ];
  const failures: string[] = [];
  for (const [method, path, body, expected] of table) {
    for (const [who, status] of Object.entries(expected) as [Who, number][]) {
      const res = await api.request(method, path, { token: tokens[who], body });
      if (res.status !== status) {
        failures.push(`${method} ${path} as ${who}: ${res.status}, not ${status}`);
      }
    }
  }

  // Conditions tell a stranger nothing: a foreign id is a 404 whatever If-Match or If-None-Match
  // names (`*`, the current tag, which its id and version give away, or a stale one), never the
  // 304, 412 or 2xx its owner would get; and nothing is changed.
  const tag = `"${apt}.v1"`;
  const conditional: [string, string, unknown, string, Partial<Record<Who, number>>][] = [
    ["GET", `/v1/appointments/${apt}`, undefined, "If-None-Match", {
      patientA: 404,
      doctorA: 404,
      nobody: 401,
    }],
    ["POST", `/v1/appointments/${apt}/cancel`, { reason: "x" }, "If-Match", {
      patientA: 404,
      doctorA: 404,
      nobody: 401,
    }],
    ["POST", `/v1/appointments/${apt}/reschedule`, { holdId: holdA }, "If-Match", {
      patientA: 404,
      nobody: 401,
    }],
    ["PATCH", `/v1/appointments/${apt}`, { notes: "x" }, "If-Match", { doctorA: 404, nobody: 401 }],
  ];
  for (const [method, path, body, header, expected] of conditional) {
    for (const [who, status] of Object.entries(expected) as [Who, number][]) {
      for (const condition of ["*", tag, `"${apt}.v9"`, `W/${tag}`]) {
        const res = await api.request(method, path, {
          token: tokens[who],
          body,
          headers: { [header]: condition },
        });
        if (res.status !== status || res.headers.has("etag")) {
          failures.push(`${method} ${path} as ${who}, ${header}: ${condition}: ${res.status}`);
        }
      }
    }
  }
  const revalidated = await api.request("GET", `/v1/appointments/${apt}`, {
    token: tokens.owner,
    headers: { "If-None-Match": tag },
  });
  assert.equal(revalidated.status, 304, "the owner's current tag is the one tried above");
  const untouched = await api.request<{ status: string; version: number }>(
    "GET",
    `/v1/appointments/${apt}`,
    { token: tokens.owner },
  );
  assert.deepEqual([untouched.body.status, untouched.body.version], ["confirmed", 1]);

  // Ids no record has (over-long, or of another kind): still 404 or a 400, never a 5xx.
  const oddIds = [`apt_${"x".repeat(3000)}`, "pat_" + "0".repeat(26), "%2e%2e", "a.b"];
  const odd = (path: string, id: string) =>
    path.replace(/(apt|hld|crs|wtl|ses|doc|pat)[_-][0-9a-z]{26}/, id);
  for (const [method, path, body, expected] of table) {
    for (const who of Object.keys(expected) as Who[]) {
      for (const id of oddIds) {
        const res = await api.request(method, odd(path, id), { token: tokens[who], body });
        if (res.status >= 500) {
          failures.push(`${method} ${odd(path, id).slice(0, 60)}…: ${res.status}`);
        }
      }
    }
  }

  // Lists: filters naming someone else never widen what comes back.
  const foreignIds = new Set([apt, fhir(apt), holdB, course.body.id, wait.body.id, sessionB]);
  const leaks = (what: string, text: string) => {
    for (const id of foreignIds) if (text.includes(id)) failures.push(`${what} lists ${id}`);
  };
  const q = `patientId=${patientB.user.id}&doctorId=${doctorB.id}&status=confirmed` +
    `&patient=Patient/${fhir(patientB.user.id)}&practitioner=Practitioner/${fhir(doctorB.id)}` +
    `&from=${dateInDays(0)}&to=${dateInDays(10)}&date=ge${dateInDays(0)}`;
  for (const who of ["patientA", "doctorA"] as const) {
    for (const path of ["/v1/appointments", "/fhir/R4/Appointment"]) {
      const res = await api.request("GET", `${path}?${q}`, { token: tokens[who] });
      if (res.status !== 200) failures.push(`GET ${path} as ${who}: ${res.status}`);
      leaks(`GET ${path} as ${who}`, JSON.stringify(res.body));
    }
  }
  // A status FHIR has but we never use matches nothing, names of Object's own properties too
  // (on MongoDB records, `constructor` once dropped the filter and listed every visit).
  for (const status of ["proposed", "constructor", "toString", "__proto__"]) {
    const res = await api.request<{ total?: number }>(
      "GET",
      `/fhir/R4/Appointment?status=${status}`,
      {
        token: tokens.owner,
      },
    );
    if (res.status !== 200 || res.body.total !== 0) {
      failures.push(`FHIR status=${status} as owner: ${res.status}, total ${res.body.total}`);
    }
  }
  for (const path of ["/v1/waitlist", "/v1/auth/sessions"]) {
    const res = await api.request("GET", `${path}?${q}`, { token: tokens.patientA });
    leaks(`GET ${path} as patientA`, JSON.stringify(res.body));
  }

  // The booking pages, as patient A logged in there.
  const identityA = await deps.refresh.issue({ id: patientA.user.id, role: "patient" }, null, "t");
  const bookA = await deps.bookSessions!.create({
    patientId: patientA.user.id,
    apiSessionId: identityA.sessionId,
  });
  const bookCookie = `${BOOK_SESSION_COOKIE}=${bookA.token}`;
  const page = async (method: string, path: string, cookie: string, csrf: string) => {
    const res = await app.fetch(
      new Request(`http://vaidya.test${path}`, {
        method,
        redirect: "manual",
        headers: {
          cookie,
          ...(method === "POST" ? { "content-type": "application/x-www-form-urlencoded" } : {}),
        },
        body: method === "POST"
          ? new URLSearchParams({
            _csrf: csrf,
            code: "000000",
            doctorId: doctorB.id,
            start: slots[1].start,
            expiresAt: slots[1].end,
            start2: slots[5].start,
            notes: "x",
            action: "notes",
            // The version the cancel and move forms send: the appointment's own, still a 404.
            version: "1",
          }).toString()
          : undefined,
      }),
    );
    return { status: res.status, text: await res.text() };
  };
  const bookPages: [string, string][] = [
    ["GET", `/book/appointments/${apt}`],
    ["GET", `/book/appointments/${apt}.ics`],
    ["GET", `/book/appointments/${apt}/reschedule`],
    ["GET", `/book/appointments/${apt}/reschedule?version=1`],
    ["GET", `/book/appointments/${apt}/video`],
    ["POST", `/book/appointments/${apt}/cancel`],
    ["POST", `/book/appointments/${apt}/reschedule`],
    ["POST", `/book/holds/${holdB}/confirm`],
  ];
  for (const [method, path] of bookPages) {
    for (const tried of [path, ...oddIds.map((id) => odd(path, id))]) {
      const res = await page(method, tried, bookCookie, bookA.session.csrfToken);
      if (res.status !== 404) {
        failures.push(`${method} ${tried.slice(0, 60)} as patientA: ${res.status}, not 404`);
      }
    }
  }
  const list = await page("GET", "/book/appointments", bookCookie, "");
  assert.ok(list.text.includes(ownA.appointment.id), "patient A's own visit is listed");
  leaks("GET /book/appointments as patientA", list.text);

  // The doctor pages, as doctor A logged in there.
  const identityD = await deps.refresh.issue({ id: doctorA.id, role: "doctor" }, null, "t");
  const ui = await deps.doctorUi!.sessions.create({
    doctorId: doctorA.id,
    apiSessionId: identityD.sessionId,
  });
  const uiCookie = `${SESSION_COOKIE}=${ui.token}`;
  for (
    const [method, path] of [
      ["GET", `/doctor/appointments/${apt}`],
      ["GET", `/doctor/appointments/${apt}/video`],
      ["POST", `/doctor/appointments/${apt}`],
      ["POST", `/doctor/appointments/${apt}/cancel`],
      ["POST", `/doctor/appointments/${apt}/room-token`],
    ]
  ) {
    for (const tried of [path, ...oddIds.map((id) => odd(path, id))]) {
      const res = await page(method, tried, uiCookie, ui.session.csrfToken);
      if (res.status !== 404) {
        failures.push(`${method} ${tried.slice(0, 60)} as doctorA: ${res.status}, not 404`);
      }
    }
  }
  for (const path of ["/doctor", `/doctor/week?start=${dateInDays(0)}`]) {
    const res = await page("GET", path, uiCookie, "");
    leaks(`GET ${path} as doctorA`, res.text);
  }

  // A doctor's page session is no patient's on /book, under either cookie name: the login
  // redirect (GET) or the CSRF refusal (POST), never the visit, and nothing changed.
  for (const cookie of [uiCookie, `${BOOK_SESSION_COOKIE}=${ui.token}`]) {
    for (const [method, path] of bookPages) {
      const res = await page(method, path, cookie, ui.session.csrfToken);
      const expected = method === "GET" ? 303 : 403;
      if (res.status !== expected || res.text.includes("back pain")) {
        failures.push(`${method} ${path} with doctor A's page session: ${res.status}`);
      }
    }
  }

  // Idempotency-Key: patient B's key and body, sent by patient A, runs as A's own request.
  const key = crypto.randomUUID();
  const moveB = await holdOf(patientB, doctorB.id, slots[6].start);
  const sent = (who: Session, path: string, body: unknown) =>
    api.request("POST", path, {
      token: who.accessToken,
      body,
      headers: { "idempotency-key": key },
    });
  const rescheduled = await sent(patientB, `/v1/appointments/${apt}/reschedule`, {
    holdId: moveB,
  });
  assert.equal(rescheduled.status, 200, JSON.stringify(rescheduled.body));
  const replayA = await sent(patientA, `/v1/appointments/${apt}/reschedule`, { holdId: moveB });
  if (replayA.status !== 404 || replayA.headers.has("idempotent-replayed")) {
    failures.push(`B's reschedule key replayed to A: ${replayA.status}`);
  }
  const heldB = await sent(patientB, "/v1/holds", { doctorId: doctorB.id, start: slots[7].start });
  assert.equal(heldB.status, 201, JSON.stringify(heldB.body));
  const heldA = await sent(patientA, "/v1/holds", { doctorId: doctorB.id, start: slots[7].start });
  if (heldA.status !== 409 || JSON.stringify(heldA.body).includes(String(heldB.body.id))) {
    failures.push(`B's hold key answered A: ${heldA.status} ${JSON.stringify(heldA.body)}`);
  }

  // Logging out with someone else's refresh token ends nothing of theirs.
  const logout = await api.request("POST", "/v1/auth/logout", {
    token: patientA.accessToken,
    body: { refreshToken: patientB.refreshToken },
  });
  assert.equal(logout.status, 204);
  const stillB = await api.request("GET", "/v1/me", { token: patientB.accessToken });
  if (stillB.status !== 200) failures.push(`A's logout with B's token ended B: ${stillB.status}`);
  assert.deepEqual(failures, []);
}
