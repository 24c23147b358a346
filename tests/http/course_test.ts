/**
 * Therapy courses over HTTP: all-or-nothing holds, one code for every session, a 409
 * `course_unavailable` naming the taken sessions with a complete alternative, cancellation, and
 * invariant 1 when single holds race a 7-session course for the same slots. In-process on the
 * in-memory app: nothing here needs a separate process.
 */
import assert from "node:assert/strict";
import { createDoctor, firstSlots, randomPhone } from "../_harness/api.ts";
import { startApp } from "../_harness/app.ts";
import { eventually } from "../_harness/eventually.ts";
import { appEnv, startFerretDb } from "../_harness/ferretdb.ts";
import type { EventEnvelope } from "../../src/events/event_types.ts";
import { keySpace } from "../../src/stores/kv/keys.ts";

type Body = Record<string, unknown>;
interface Course {
  id: string;
  status: string;
  sessions: { start: string; end: string; appointmentId: string }[];
}
const FAST = { RATE_LIMIT_DISABLED: "true" };
const DAY_MS = 86_400_000;

const plusDays = (iso: string, days: number) =>
  new Date(Date.parse(iso) + days * DAY_MS).toISOString();

Deno.test("POST /v1/courses holds 7 daily sessions, one code books them all, cancel frees them", async () => {
  await using app = await startApp(FAST);
  const { api } = app;
  const doctor = await createDoctor(api, await api.loginAdmin());
  const [, , slot] = await firstSlots(api, doctor.id);
  const patient = await api.login(randomPhone());
  const held = await api.request<Course>("POST", "/v1/courses", {
    token: patient.accessToken,
    body: { doctorId: doctor.id, start: slot.start, count: 7, everyDays: 1 },
  });
  assert.equal(held.status, 201, JSON.stringify(held.body));
  assert.equal(held.body.sessions.length, 7);
  assert.deepEqual(
    held.body.sessions.map((s) => s.start),
    Array.from({ length: 7 }, (_, i) => plusDays(slot.start, i)),
  );

  const other = await api.login(randomPhone());
  const clash = await api.request<Body>("POST", "/v1/holds", {
    token: other.accessToken,
    body: { doctorId: doctor.id, start: plusDays(slot.start, 3) },
  });
  assert.equal(clash.status, 409);

  const wrong = await api.request<Body>("POST", `/v1/courses/${held.body.id}/confirm`, {
    token: patient.accessToken,
    body: { code: "000000" },
  });
  assert.equal(wrong.status, 422);
  const code = await api.latestCode(patient.phone);
  const foreign = await api.request("POST", `/v1/courses/${held.body.id}/confirm`, {
    token: other.accessToken,
    body: { code },
  });
  assert.equal(foreign.status, 404);
  const confirmed = await api.request<Course>("POST", `/v1/courses/${held.body.id}/confirm`, {
    token: patient.accessToken,
    body: { code },
  });
  assert.equal(confirmed.status, 201, JSON.stringify(confirmed.body));
  assert.equal(confirmed.body.status, "confirmed");
  const mine = await api.request<{ items: { id: string; status: string }[] }>(
    "GET",
    "/v1/appointments?limit=50",
    { token: patient.accessToken },
  );
  assert.deepEqual(
    mine.body.items.map((a) => a.id).sort(),
    confirmed.body.sessions.map((s) => s.appointmentId).sort(),
  );

  const cancelled = await api.request<Course>("POST", `/v1/courses/${held.body.id}/cancel`, {
    token: patient.accessToken,
  });
  assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
  assert.equal(cancelled.body.status, "cancelled");
  const freed = await api.request<Body>("POST", "/v1/holds", {
    token: other.accessToken,
    body: { doctorId: doctor.id, start: plusDays(slot.start, 3) },
  });
  assert.equal(freed.status, 201, JSON.stringify(freed.body));
});

Deno.test("a course with a taken session is 409 course_unavailable, holds nothing, proposes a shift", async () => {
  await using app = await startApp(FAST);
  const { api } = app;
  const doctor = await createDoctor(api, await api.loginAdmin());
  const [, , slot] = await firstSlots(api, doctor.id);
  const blocker = await api.login(randomPhone());
  const taken = plusDays(slot.start, 2);
  const single = await api.request("POST", "/v1/holds", {
    token: blocker.accessToken,
    body: { doctorId: doctor.id, start: taken },
  });
  assert.equal(single.status, 201);

  const patient = await api.login(randomPhone());
  const res = await api.request<Body>("POST", "/v1/courses", {
    token: patient.accessToken,
    body: { doctorId: doctor.id, start: slot.start, count: 5 },
  });
  assert.equal(res.status, 409);
  assert.equal(res.headers.get("content-type"), "application/problem+json");
  assert.equal(res.body.code, "course_unavailable");
  assert.deepEqual(res.body.unavailable, [taken]);
  const alternatives = res.body.alternatives as { kind: string; days?: number; starts: string[] }[];
  const shift = alternatives.find((a) => a.kind === "shift_days")!;
  assert.equal(shift.days, 3);
  assert.equal(shift.starts[0], plusDays(slot.start, 3));
  const sameDays = alternatives.find((a) => a.kind === "same_days")!;
  assert.equal(sameDays.starts.length, 5);
  assert.ok(!sameDays.starts.includes(taken));

  // Nothing was held: the first session is still free for anyone.
  const first = await api.request("POST", "/v1/holds", {
    token: (await api.login(randomPhone())).accessToken,
    body: { doctorId: doctor.id, start: slot.start },
  });
  assert.equal(first.status, 201);

  const hindi = await api.request<Body>("POST", "/v1/courses", {
    token: patient.accessToken,
    headers: { "accept-language": "hi-IN, en;q=0.5" },
    body: { doctorId: doctor.id, start: plusDays(slot.start, 1), count: 3 },
  });
  assert.equal(hindi.status, 409);
  assert.equal(hindi.body.code, "course_unavailable");
  assert.equal(hindi.body.title, "कोर्स उपलब्ध नहीं");
  assert.equal(hindi.headers.get("content-language"), "hi");
});

Deno.test("20 single holds racing a 7-session course: no overlap, the course gets all 7 or none", async () => {
  await using app = await startApp(FAST);
  const { api } = app;
  const doctor = await createDoctor(api, await api.loginAdmin());
  const [, , slot] = await firstSlots(api, doctor.id);
  const starts = Array.from({ length: 7 }, (_, i) => plusDays(slot.start, i));
  const coursePatient = await api.login(randomPhone());
  const singles = await Promise.all(Array.from({ length: 20 }, () => api.login(randomPhone())));
  const [course, ...holds] = await Promise.all([
    api.request<Course>("POST", "/v1/courses", {
      token: coursePatient.accessToken,
      body: { doctorId: doctor.id, start: slot.start, count: 7 },
    }),
    ...singles.map((s, i) =>
      api.request<Body>("POST", "/v1/holds", {
        token: s.accessToken,
        body: { doctorId: doctor.id, start: starts[(i * 3) % 7] },
      })
    ),
  ]);
  assert.ok([201, 409].includes(course.status), JSON.stringify(course.body));
  const wonSingles = holds.filter((h) => h.status === 201).map((h) => h.body.start as string);
  assert.ok(holds.every((h) => h.status === 201 || h.status === 409));
  assert.equal(new Set(wonSingles).size, wonSingles.length, "two single holds on one slot");
  if (course.status === 201) {
    assert.equal(course.body.sessions.length, 7);
    assert.deepEqual(wonSingles, []);
    const code = await api.latestCode(coursePatient.phone);
    const ok = await api.request<Course>("POST", `/v1/courses/${course.body.id}/confirm`, {
      token: coursePatient.accessToken,
      body: { code },
    });
    assert.equal(ok.status, 201);
  } else {
    assert.equal((course.body as unknown as Body).code, "course_unavailable");
    assert.ok(wonSingles.length > 0, "the course lost although no single hold won");
  }
  // Every slot that was won is claimed exactly once: a late hold on it is refused.
  const late = await api.login(randomPhone());
  for (const start of course.status === 201 ? starts : wonSingles) {
    const again = await api.request<Body>("POST", "/v1/holds", {
      token: late.accessToken,
      body: { doctorId: doctor.id, start },
    });
    assert.equal(again.status, 409, `${start} was claimed twice`);
  }
});

/** A confirmed 5-session course cancelled: one notice, on the records `env` selects. */
async function courseCancelNotices(env: Record<string, string>) {
  await using app = await startApp({ ...FAST, ...env });
  const { api } = app;
  const doctor = await createDoctor(api, await api.loginAdmin());
  const [, , slot] = await firstSlots(api, doctor.id);
  const patient = await api.login(randomPhone());
  const held = await api.request<Course>("POST", "/v1/courses", {
    token: patient.accessToken,
    body: { doctorId: doctor.id, start: slot.start, count: 5, everyDays: 1 },
  });
  assert.equal(held.status, 201, JSON.stringify(held.body));
  const code = await api.latestCode(patient.phone);
  const confirmed = await api.request<Course>("POST", `/v1/courses/${held.body.id}/confirm`, {
    token: patient.accessToken,
    body: { code },
  });
  assert.equal(confirmed.status, 201, JSON.stringify(confirmed.body));
  const messages = async (pattern: RegExp) => {
    const res = await api.request<{ messages: { body: string }[] }>(
      "GET",
      `/v1/dev/outbox?to=${encodeURIComponent(patient.phone)}`,
    );
    return res.body.messages.filter((m) => pattern.test(m.body));
  };
  /** Whether every patient notice of `type` has left the outbox (handled). */
  const noticesDone = async (type: string) => {
    for await (const e of app.runtime.kv.list<EventEnvelope>({ prefix: keySpace("event_due") })) {
      if (e.value.event.type === type && e.key[3] === "patient.notice") return false;
    }
    return true;
  };
  await eventually("the course's confirmation", () => noticesDone("appointment.confirmed"));

  const cancelled = await api.request<Course>("POST", `/v1/courses/${held.body.id}/cancel`, {
    token: patient.accessToken,
  });
  assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
  const mine = await api.request<{ items: { status: string }[] }>("GET", "/v1/appointments", {
    token: patient.accessToken,
  });
  assert.deepEqual(mine.body.items.map((a) => a.status), Array(5).fill("cancelled"));
  await eventually("the course's cancellation", () => noticesDone("appointment.cancelled"));
  assert.equal((await messages(/confirmed/)).length, 1);
  assert.equal((await messages(/cancelled/)).length, 1, "one notice for the course");
}

Deno.test("POST /v1/courses/:id/cancel tells the patient once, as its confirmation did, not once per session", async () => {
  await courseCancelNotices({});
});

Deno.test("POST /v1/courses/:id/cancel tells the patient once on MongoDB records too", async () => {
  const mongo = await startFerretDb();
  try {
    await courseCancelNotices(appEnv(mongo));
  } finally {
    await mongo.stop();
  }
});

Deno.test("POST /v1/courses: a held course counts against the patient's live holds (409 hold_limit_reached), until it is confirmed", async () => {
  await using app = await startApp({ ...FAST, MAX_ACTIVE_HOLDS_PER_PATIENT: "1" });
  const { api } = app;
  const admin = await api.loginAdmin();
  const [one, two] = [await createDoctor(api, admin), await createDoctor(api, admin)];
  const [, , slot] = await firstSlots(api, one.id);
  const patient = await api.login(randomPhone());
  const course = (doctorId: string) =>
    api.request<Course & { code?: string }>("POST", "/v1/courses", {
      token: patient.accessToken,
      body: { doctorId, start: slot.start, count: 7, everyDays: 1 },
    });
  const held = await course(one.id);
  assert.equal(held.status, 201, JSON.stringify(held.body));
  const code = await api.latestCode(patient.phone);

  const second = await course(two.id);
  assert.equal(second.status, 409, JSON.stringify(second.body));
  assert.equal((second.body as unknown as Body).code, "hold_limit_reached");
  const single = () =>
    api.request<Body>("POST", "/v1/holds", {
      token: patient.accessToken,
      body: { doctorId: two.id, start: slot.start },
    });
  assert.equal((await single()).status, 409, "nor a single hold beside it");

  const confirmed = await api.request<Course>("POST", `/v1/courses/${held.body.id}/confirm`, {
    token: patient.accessToken,
    body: { code },
  });
  assert.equal(confirmed.status, 201, JSON.stringify(confirmed.body));
  const after = await single();
  assert.equal(after.status, 201, JSON.stringify(after.body));
});

Deno.test("GET /v1/courses/:id shows each session at its current time and status after one is moved and one cancelled", async () => {
  await using app = await startApp(FAST);
  const { api } = app;
  const doctor = await createDoctor(api, await api.loginAdmin());
  const [early, , slot] = await firstSlots(api, doctor.id);
  const patient = await api.login(randomPhone());
  const held = await api.request<Course>("POST", "/v1/courses", {
    token: patient.accessToken,
    body: { doctorId: doctor.id, start: slot.start, count: 3, everyDays: 1 },
  });
  assert.equal(held.status, 201, JSON.stringify(held.body));
  const confirmed = await api.request<Course>("POST", `/v1/courses/${held.body.id}/confirm`, {
    token: patient.accessToken,
    body: { code: await api.latestCode(patient.phone) },
  });
  assert.equal(confirmed.status, 201, JSON.stringify(confirmed.body));
  const [first, second, third] = confirmed.body.sessions;

  const hold = await api.request<{ id: string }>("POST", "/v1/holds", {
    token: patient.accessToken,
    body: { doctorId: doctor.id, start: early.start },
  });
  assert.equal(hold.status, 201, JSON.stringify(hold.body));
  const moved = await api.request<Body>(
    "POST",
    `/v1/appointments/${first.appointmentId}/reschedule`,
    { token: patient.accessToken, body: { holdId: hold.body.id } },
  );
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  const cancelled = await api.request<Body>(
    "POST",
    `/v1/appointments/${second.appointmentId}/cancel`,
    { token: patient.accessToken, body: {} },
  );
  assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));

  const seen = await api.request<Course>("GET", `/v1/courses/${held.body.id}`, {
    token: patient.accessToken,
  });
  assert.equal(seen.status, 200, JSON.stringify(seen.body));
  assert.deepEqual(seen.body.sessions, [
    { ...first, start: early.start, end: early.end, status: "confirmed" },
    { ...second, status: "cancelled" },
    { ...third, status: "confirmed" },
  ]);
});
