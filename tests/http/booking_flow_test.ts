/**
 * The whole booking flow over HTTP against the real server process on the embedded default:
 * login, doctor registration and availability, slots, hold, confirm with the SMS code, cancel and
 * reschedule, with every answer checked against the public contract.
 */
import assert from "node:assert/strict";
import { book } from "../_harness/book.ts";
import { Api, createDoctor, dateInDays, firstSlots, randomPhone } from "../_harness/api.ts";
import { startServer } from "../_harness/server.ts";

type Body = Record<string, unknown>;

Deno.test("booking flow: hold, confirm, cancel and reschedule over HTTP", async (t) => {
  await using server = await startServer();
  const api = new Api(server.url);
  const admin = await api.loginAdmin();
  const doctor = await createDoctor(api, admin);
  const patient = await api.login(randomPhone());
  const day = dateInDays(3);

  await t.step("roles come from ADMIN_PHONES, doctor registration and anyone else", async () => {
    assert.equal(admin.user.role, "admin");
    assert.equal(patient.user.role, "patient");
    const doc = await api.login(doctor.phone);
    assert.equal(doc.user.role, "doctor");
    assert.equal(doc.user.id, doctor.id);
  });

  await t.step("GET /v1/doctors filters by specialization, language, city and name", async () => {
    const other = await createDoctor(api, admin, {
      name: "Dr. Ravi Menon",
      specializations: ["Shalakya Tantra"],
      languages: ["ml"],
      city: "Kochi",
    });
    const bySpec = await api.request<{ items: Body[] }>(
      "GET",
      "/v1/doctors?specialization=shalakya%20tantra",
    );
    assert.equal(bySpec.status, 200);
    assert.ok(bySpec.body.items.some((d) => d.id === other.id));
    assert.ok(!bySpec.body.items.some((d) => d.id === doctor.id));
    const byCity = await api.request<{ items: Body[] }>("GET", "/v1/doctors?city=Pune&language=mr");
    assert.ok(byCity.body.items.every((d) => d.city === "Pune"));
    assert.ok(byCity.body.items.some((d) => d.id === doctor.id));
    const byName = await api.request<{ items: Body[] }>("GET", "/v1/doctors?q=ravi");
    assert.deepEqual(byName.body.items.map((d) => d.id), [other.id]);
    const one = await api.request<Body>("GET", `/v1/doctors/${doctor.id}`);
    assert.equal(one.status, 200);
    assert.equal(one.body.name, "Dr. Asha Kulkarni");
    assert.equal("phone" in one.body, false, "a doctor's phone is never public");
  });

  await t.step("doctor list pages with a cursor without gaps or repeats", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 10; i++) {
      const page: { body: { items: Body[]; nextCursor: string | null } } = await api.request(
        "GET",
        `/v1/doctors?limit=1${cursor ? `&cursor=${cursor}` : ""}`,
      );
      seen.push(...page.body.items.map((d) => d.id as string));
      cursor = page.body.nextCursor;
      if (!cursor) break;
    }
    assert.ok(seen.length >= 2);
    assert.equal(new Set(seen).size, seen.length);
  });

  let appointmentId = "";
  let slots: { start: string; end: string }[] = [];

  await t.step(
    "slots are UTC instants on the doctor's half-hour grid in Asia/Kolkata",
    async () => {
      slots = await firstSlots(api, doctor.id, day);
      assert.equal(slots.length, 16, "09:00–17:00 in 30-minute slots");
      assert.equal(slots[0].start, `${day}T03:30:00.000Z`, "09:00 IST is 03:30 UTC");
      assert.equal(slots[0].end, `${day}T04:00:00.000Z`);
    },
  );

  await t.step("hold sends a code; confirm books; the slot disappears", async () => {
    const hold = await api.request<Body>("POST", "/v1/holds", {
      token: patient.accessToken,
      body: { doctorId: doctor.id, start: slots[0].start },
    });
    assert.equal(hold.status, 201, JSON.stringify(hold.body));
    assert.equal(hold.body.start, slots[0].start);
    assert.ok(Date.parse(hold.body.expiresAt as string) > Date.now());
    const after = await firstSlots(api, doctor.id, day);
    assert.ok(!after.some((s) => s.start === slots[0].start), "a held slot is not offered");

    const code = await api.latestCode(patient.phone);
    const wrong = code === "000000" ? "111111" : "000000";
    const bad = await api.request<Body>("POST", `/v1/holds/${hold.body.id}/confirm`, {
      token: patient.accessToken,
      body: { code: wrong },
    });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.code, "invalid_code");

    const ok = await api.request<{ appointment: Body }>(
      "POST",
      `/v1/holds/${hold.body.id}/confirm`,
      {
        token: patient.accessToken,
        body: { code, reason: "Chronic back pain (कमर दर्द)" },
      },
    );
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    const a = ok.body.appointment;
    assert.equal(a.status, "confirmed");
    assert.equal(a.start, slots[0].start);
    assert.equal(a.doctorId, doctor.id);
    assert.equal(a.patientId, patient.user.id);
    assert.equal(a.reason, "Chronic back pain (कमर दर्द)");
    appointmentId = a.id as string;

    const listed = await api.request<{ items: Body[] }>("GET", "/v1/appointments", {
      token: patient.accessToken,
    });
    assert.deepEqual(listed.body.items.map((x) => x.id), [appointmentId]);
    const again = await firstSlots(api, doctor.id, day);
    assert.ok(!again.some((s) => s.start === slots[0].start), "a booked slot is not offered");
  });

  await t.step("a second patient cannot hold the booked slot (409 slot_unavailable)", async () => {
    const other = await api.login(randomPhone());
    const res = await api.request<Body>("POST", "/v1/holds", {
      token: other.accessToken,
      body: { doctorId: doctor.id, start: slots[0].start },
    });
    assert.equal(res.status, 409);
    assert.equal(res.body.code, "slot_unavailable");
    assert.equal(res.headers.get("content-type"), "application/problem+json");
  });

  await t.step("the doctor sees it; a foreign patient gets 404", async () => {
    const doc = await api.login(doctor.phone);
    const seen = await api.request<Body>("GET", `/v1/appointments/${appointmentId}`, {
      token: doc.accessToken,
    });
    assert.equal(seen.status, 200);
    const stranger = await api.login(randomPhone());
    const hidden = await api.request<Body>("GET", `/v1/appointments/${appointmentId}`, {
      token: stranger.accessToken,
    });
    assert.equal(hidden.status, 404);
    assert.equal(hidden.body.code, "not_found");
  });

  await t.step("reschedule moves to a new hold; the old slot is free again", async () => {
    const hold = await api.request<Body>("POST", "/v1/holds", {
      token: patient.accessToken,
      body: { doctorId: doctor.id, start: slots[3].start },
    });
    assert.equal(hold.status, 201);
    const moved = await api.request<Body>("POST", `/v1/appointments/${appointmentId}/reschedule`, {
      token: patient.accessToken,
      body: { holdId: hold.body.id },
    });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.equal(moved.body.start, slots[3].start);
    assert.equal(moved.body.id, appointmentId);
    const free = await firstSlots(api, doctor.id, day);
    assert.ok(free.some((s) => s.start === slots[0].start), "old slot offered again");
    assert.ok(!free.some((s) => s.start === slots[3].start), "new slot taken");
  });

  await t.step(
    "cancel frees the slot and a second cancel answers the cancelled appointment",
    async () => {
      const res = await api.request<Body>("POST", `/v1/appointments/${appointmentId}/cancel`, {
        token: patient.accessToken,
        body: { reason: "Feeling better" },
      });
      assert.equal(res.status, 200);
      assert.equal(res.body.status, "cancelled");
      const free = await firstSlots(api, doctor.id, day);
      assert.ok(free.some((s) => s.start === slots[3].start));
      // Held again at once: nothing the booking or its hold left (their hold lapses minutes from
      // now) marks the slot.
      const again = await api.request<Body>("POST", "/v1/holds", {
        token: patient.accessToken,
        body: { doctorId: doctor.id, start: slots[3].start },
      });
      assert.equal(again.status, 201, JSON.stringify(again.body));
      const released = await api.request("DELETE", `/v1/holds/${again.body.id}`, {
        token: patient.accessToken,
      });
      assert.equal(released.status, 204);
      const twice = await api.request<Body>("POST", `/v1/appointments/${appointmentId}/cancel`, {
        token: patient.accessToken,
        body: {},
      });
      // Cancelled already: answered as it is (a retry, or the doctor cancelling meanwhile).
      assert.equal(twice.status, 200, JSON.stringify(twice.body));
      assert.equal(twice.body.status, "cancelled");
      const filtered = await api.request<{ items: Body[] }>(
        "GET",
        "/v1/appointments?status=confirmed",
        { token: patient.accessToken },
      );
      assert.equal(filtered.body.items.length, 0);
    },
  );

  await t.step("release a hold with DELETE frees the slot at once", async () => {
    const hold = await api.request<Body>("POST", "/v1/holds", {
      token: patient.accessToken,
      body: { doctorId: doctor.id, start: slots[5].start },
    });
    assert.equal(hold.status, 201);
    const del = await api.request("DELETE", `/v1/holds/${hold.body.id}`, {
      token: patient.accessToken,
    });
    assert.equal(del.status, 204);
    const free = await firstSlots(api, doctor.id, day);
    assert.ok(free.some((s) => s.start === slots[5].start));
  });

  // Completing once the visit has started: tests/http/appointment_outcome_test.ts (moved clock).
  await t.step("the doctor writes notes; completing a visit to come is 409", async () => {
    const { appointment } = await book(api, patient, doctor.id, slots[7].start);
    const doc = await api.login(doctor.phone);
    const early = await api.request<Body>("PATCH", `/v1/appointments/${appointment.id}`, {
      token: doc.accessToken,
      body: { status: "completed" },
    });
    assert.equal(early.status, 409, JSON.stringify(early.body));
    assert.equal(early.body.code, "invalid_state");
    const done = await api.request<Body>("PATCH", `/v1/appointments/${appointment.id}`, {
      token: doc.accessToken,
      body: { notes: "Advised Abhyanga and warm water" },
    });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.status, "confirmed");
    assert.equal(done.body.notes, "Advised Abhyanga and warm water");
    const asPatient = await api.request<Body>("GET", `/v1/appointments/${appointment.id}`, {
      token: patient.accessToken,
    });
    assert.equal(asPatient.body.notes, undefined, "notes are for the doctor");
  });

  await t.step("refresh rotates; a reused refresh token is 401 and ends the family", async () => {
    const s = await api.login(randomPhone());
    const r1 = await api.request<Body>("POST", "/v1/auth/refresh", {
      body: { refreshToken: s.refreshToken },
    });
    assert.equal(r1.status, 200);
    assert.notEqual(r1.body.refreshToken, s.refreshToken);
    const reuse = await api.request<Body>("POST", "/v1/auth/refresh", {
      body: { refreshToken: s.refreshToken },
    });
    assert.equal(reuse.status, 401);
    const r2 = await api.request<Body>("POST", "/v1/auth/refresh", {
      body: { refreshToken: r1.body.refreshToken },
    });
    assert.equal(r2.status, 401, "the whole family is revoked after reuse");
  });

  await t.step("logout revokes the refresh token", async () => {
    const s = await api.login(randomPhone());
    const out = await api.request("POST", "/v1/auth/logout", {
      token: s.accessToken,
      body: { refreshToken: s.refreshToken },
    });
    assert.equal(out.status, 204);
    const after = await api.request("POST", "/v1/auth/refresh", {
      body: { refreshToken: s.refreshToken },
    });
    assert.equal(after.status, 401);
  });

  await t.step("health, readiness, metrics and JWKS answer", async () => {
    assert.equal((await api.request("GET", "/healthz")).status, 200);
    const ready = await api.request<Body>("GET", "/readyz");
    assert.equal(ready.status, 200);
    assert.equal(ready.body.status, "ready");
    const metrics = await fetch(`${server.url}/metrics`).then((r) => r.text());
    assert.match(metrics, /vaidya_bookings_total\{outcome="confirmed",step="confirm"\} \d+/);
    const jwks = await api.request<{ keys: Body[] }>("GET", "/.well-known/jwks.json");
    assert.ok(jwks.body.keys.length >= 1);
    assert.equal(jwks.body.keys[0].d, undefined, "no private key material");
    const res = await api.request("GET", "/healthz");
    assert.ok(res.headers.get("x-request-id"));
  });
});
