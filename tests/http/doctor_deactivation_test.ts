/**
 * Deactivating a doctor, on two real server processes sharing their stores (KV records on one KV
 * file; MongoDB records on FerretDB): once the admin's call has answered, both processes — each
 * with the doctor's slots in its calendar view and the search in its cache — leave the doctor out
 * of search and recommendations, and answer 409 `doctor_inactive` to a listing, a hold, the
 * confirm of a hold or a course placed before, and a move onto them; the doctor's booking page is
 * gone. Existing appointments stay: their patient sees and cancels them, the doctor sees them.
 * Reactivation brings everything back. On Upstash, search and profiles are cached in Redis: the
 * deactivation and reactivation must invalidate them for both processes.
 */
import assert from "node:assert/strict";
import { Api, type Session } from "../_harness/api.ts";
import { createDoctor, dateInDays, firstSlots, randomPhone } from "../_harness/api.ts";
import { book, holdSlot } from "../_harness/book.ts";
import { appEnv, startFerretDb } from "../_harness/ferretdb.ts";
import { assertProblem } from "../_harness/problem.ts";
import { startRedis, startUpstashBridge } from "../_harness/redis.ts";
import { startServer } from "../_harness/server.ts";
import { toFhirId } from "../../src/fhir/fhir_ids.ts";

const AUDIT_KEY = `t1:${btoa("k".repeat(32))}`;

type Doctor = { id: string; active: boolean; deactivatedAt: string | null };

async function searchIds(api: Api, query = "city=Pune") {
  const res = await api.request<{ items: Doctor[] }>("GET", `/v1/doctors?${query}&limit=50`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.items.map((d) => d.id);
}

async function recommendedIds(api: Api, patient: Session) {
  const res = await api.request<{ items: { doctor: { id: string } }[] }>(
    "POST",
    "/v1/recommendations",
    { token: patient.accessToken, body: { symptoms: "joint pain and stiffness", city: "Pune" } },
  );
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.items.map((i) => i.doctor.id);
}

/** FHIR's view of the doctor: Practitioner.active and the number of free Slots on `day`. */
async function fhirView(api: Api, doctorId: string, day: string) {
  const id = toFhirId(doctorId);
  const practitioner = await api.request<{ active: boolean }>("GET", `/fhir/R4/Practitioner/${id}`);
  assert.equal(practitioner.status, 200, JSON.stringify(practitioner.body));
  const q = `schedule=Schedule/${id}&start=ge${day}&start=le${day}&status=free`;
  const slots = await api.request<{ total: number }>("GET", `/fhir/R4/Slot?${q}`);
  assert.equal(slots.status, 200, JSON.stringify(slots.body));
  return { active: practitioner.body.active, freeSlots: slots.body.total };
}

async function bookSearchShows(api: Api, doctorId: string) {
  const res = await api.request<string>("GET", "/book/doctors?city=Pune");
  assert.equal(res.status, 200);
  return res.body.includes(doctorId);
}

async function deactivationScenario(apis: [Api, Api]) {
  const [a, b] = apis;
  const admin = await a.loginAdmin();
  const doctor = await createDoctor(a, admin);
  const other = await createDoctor(a, admin);
  const day = dateInDays(3);
  const slots = await firstSlots(a, doctor.id, day);
  assert.deepEqual(await firstSlots(b, doctor.id, day), slots);
  for (const api of apis) {
    assert.deepEqual(await searchIds(api), [doctor.id, other.id]);
  }

  const booked = await book(a, randomPhone(), doctor.id, slots[0].start);
  const waiting = await b.login(randomPhone());
  const earlier = await holdSlot(b, waiting, doctor.id, slots[1].start);
  const moveHold = await holdSlot(a, booked.patient, doctor.id, slots[2].start);
  const coursePatient = await a.login(randomPhone());
  const course = await a.request<{ id: string }>("POST", "/v1/courses", {
    token: coursePatient.accessToken,
    body: { doctorId: doctor.id, start: slots[3].start, count: 2, everyDays: 1 },
  });
  assert.equal(course.status, 201, JSON.stringify(course.body));
  const courseCode = await a.latestCode(coursePatient.phone);
  assert.ok((await recommendedIds(b, waiting)).includes(doctor.id));
  assert.ok(await bookSearchShows(b, doctor.id));
  assert.equal((await fhirView(b, doctor.id, day)).active, true);

  const path = `/v1/admin/doctors/${doctor.id}/deactivate`;
  assertProblem(await a.request("POST", path, { token: waiting.accessToken }), 403, "forbidden");
  assertProblem(await a.request("POST", path), 401, "unauthenticated");
  assertProblem(
    await a.request("POST", "/v1/admin/doctors/doc_unknown/deactivate", {
      token: admin.accessToken,
    }),
    404,
    "not_found",
  );

  const off = await a.request<Doctor>("POST", path, { token: admin.accessToken });
  assert.equal(off.status, 200, JSON.stringify(off.body));
  assert.equal(off.body.active, false);
  assert.match(String(off.body.deactivatedAt), /^\d{4}-\d\d-\d\dT/);
  const again = await b.request<Doctor>("POST", path, { token: admin.accessToken });
  assert.equal(again.status, 200);
  assert.equal(again.body.deactivatedAt, off.body.deactivatedAt, "a repeat changes nothing");

  for (const api of apis) {
    assert.deepEqual(await searchIds(api), [other.id]);
    assert.deepEqual(await searchIds(api, "q=kulkarni"), [other.id]);
    assert.ok(!(await recommendedIds(api, waiting)).includes(doctor.id));
    const profile = await api.request<Doctor>("GET", `/v1/doctors/${doctor.id}`);
    assert.equal(profile.status, 200, "the profile stays for existing appointments");
    assert.equal(profile.body.active, false);
    assertProblem(
      await api.request("GET", `/v1/doctors/${doctor.id}/slots?from=${day}&to=${day}`),
      409,
      "doctor_inactive",
    );
    assertProblem(
      await api.request("POST", "/v1/holds", {
        token: waiting.accessToken,
        body: { doctorId: doctor.id, start: slots[4].start },
      }),
      409,
      "doctor_inactive",
    );
    const page = await api.request("GET", `/book/doctors/${doctor.id}?date=${day}`);
    assert.equal(page.status, 404, "the booking page is gone");
    assert.equal(await bookSearchShows(api, doctor.id), false);
    assert.deepEqual(await fhirView(api, doctor.id, day), { active: false, freeSlots: 0 });
  }

  const confirm = () =>
    b.request("POST", `/v1/holds/${earlier.holdId}/confirm`, {
      token: waiting.accessToken,
      body: { code: earlier.code },
    });
  assertProblem(await confirm(), 409, "doctor_inactive");
  assertProblem(await confirm(), 404, "not_found"); // the refused hold was removed
  assertProblem(
    await a.request("POST", `/v1/appointments/${booked.appointment.id}/reschedule`, {
      token: booked.patient.accessToken,
      body: { holdId: moveHold.holdId },
    }),
    409,
    "doctor_inactive",
  );
  assertProblem(
    await b.request("POST", `/v1/courses/${course.body.id}/confirm`, {
      token: coursePatient.accessToken,
      body: { code: courseCode },
    }),
    409,
    "doctor_inactive",
  );
  assertProblem(
    await a.request("POST", "/v1/courses", {
      token: coursePatient.accessToken,
      body: { doctorId: doctor.id, start: slots[5].start, count: 2, everyDays: 1 },
    }),
    409,
    "doctor_inactive",
  );

  // The appointment made before stays, seen by its patient and its doctor.
  const kept = await b.request<{ status: string; start: string }>(
    "GET",
    `/v1/appointments/${booked.appointment.id}`,
    { token: booked.patient.accessToken },
  );
  assert.equal(kept.status, 200);
  assert.deepEqual([kept.body.status, kept.body.start], ["confirmed", slots[0].start]);
  const doctorSession = await b.login(doctor.phone);
  const agenda = await b.request<{ items: { id: string }[] }>("GET", "/v1/appointments", {
    token: doctorSession.accessToken,
  });
  assert.equal(agenda.status, 200);
  assert.deepEqual(agenda.body.items.map((i) => i.id), [booked.appointment.id]);

  const on = await b.request<Doctor>("POST", `/v1/admin/doctors/${doctor.id}/reactivate`, {
    token: admin.accessToken,
  });
  assert.equal(on.status, 200, JSON.stringify(on.body));
  assert.deepEqual([on.body.active, on.body.deactivatedAt], [true, null]);
  for (const api of apis) {
    assert.deepEqual(await searchIds(api), [doctor.id, other.id]);
    assert.ok((await recommendedIds(api, waiting)).includes(doctor.id));
    assert.ok(await bookSearchShows(api, doctor.id));
    const fhir = await fhirView(api, doctor.id, day);
    assert.equal(fhir.active, true);
    assert.ok(fhir.freeSlots > 0);
    const listed = (await firstSlots(api, doctor.id, day)).map((s) => s.start);
    assert.ok(listed.includes(slots[1].start), "the refused hold's slot is free");
    assert.ok(!listed.includes(slots[0].start), "the kept appointment's slot is busy");
  }
  const rebooked = await book(b, waiting, doctor.id, slots[1].start);
  assert.equal(rebooked.appointment.status, "confirmed");
  const cancelled = await a.request<{ status: string }>(
    "POST",
    `/v1/appointments/${booked.appointment.id}/cancel`,
    { token: booked.patient.accessToken, body: {} },
  );
  assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));

  const trail = await a.request<{ items: { action: string; doctorId: string | null }[] }>(
    "GET",
    `/v1/admin/audit?actorId=${admin.user.id}&limit=50`,
    { token: admin.accessToken },
  );
  assert.equal(trail.status, 200, JSON.stringify(trail.body));
  const mine = trail.body.items.filter((e) => e.doctorId === doctor.id).map((e) => e.action);
  assert.deepEqual(mine.filter((x) => /activate/.test(x)).reverse(), [
    "doctor.deactivate",
    "doctor.reactivate",
  ]);
}

Deno.test("deactivating a doctor on KV records: both processes refuse new bookings until reactivated", async () => {
  const env = { RATE_LIMIT_DISABLED: "true", AUDIT_KEY };
  await using a = await startServer({ env });
  await using b = await startServer({ env, kvPath: a.kvPath });
  await deactivationScenario([new Api(a.url), new Api(b.url)]);
});

Deno.test("deactivating a doctor on MongoDB records: both processes refuse new bookings until reactivated", async () => {
  const mongo = await startFerretDb();
  try {
    const env = { RATE_LIMIT_DISABLED: "true", AUDIT_KEY, ...appEnv(mongo) };
    await using a = await startServer({ env });
    await using b = await startServer({ env, kvPath: a.kvPath });
    await deactivationScenario([new Api(a.url), new Api(b.url)]);
  } finally {
    await mongo.stop();
  }
});

Deno.test("deactivating a doctor on Upstash caches: neither process serves a cached search or profile", async () => {
  const redis = await startRedis();
  const bridge = await startUpstashBridge(redis.port);
  try {
    const env = {
      RATE_LIMIT_DISABLED: "true",
      AUDIT_KEY,
      UPSTASH_REDIS_REST_URL: bridge.url,
      UPSTASH_REDIS_REST_TOKEN: bridge.token,
    };
    await using a = await startServer({ env });
    await using b = await startServer({ env, kvPath: a.kvPath });
    await deactivationScenario([new Api(a.url), new Api(b.url)]);
  } finally {
    await bridge.stop();
    await redis.stop();
  }
});
