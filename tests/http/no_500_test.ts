/**
 * Issue 17 item 8: inputs that used to answer 500 get a 4xx now: impossible calendar dates and
 * years out of range, a hold far in the future, static-file names that are inherited object keys,
 * and an over-long note posted on another doctor's appointment page.
 */
import assert from "node:assert/strict";
import { createDoctor, randomPhone } from "../_harness/api.ts";
import { holdFirstSlot } from "../_harness/book.ts";
import { startApp } from "../_harness/app.ts";

Deno.test("slot listings: impossible dates and out-of-range years are 400", async () => {
  await using app = await startApp();
  const doctor = await createDoctor(app.api, await app.api.loginAdmin());
  for (
    const q of [
      "from=2026-02-30&to=2026-03-01",
      "from=2026-04-31&to=2026-05-01",
      "from=0000-01-01&to=0000-01-02",
      "from=9999-12-30&to=9999-12-31",
    ]
  ) {
    const res = await app.api.request<{ code: string }>(
      "GET",
      `/v1/doctors/${doctor.id}/slots?${q}`,
    );
    assert.equal(res.status, 400, `${q}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.code, "validation_failed");
  }
  const ok = await app.api.request(
    "GET",
    `/v1/doctors/${doctor.id}/slots?from=2028-02-29&to=2028-02-29`,
  );
  assert.equal(ok.status, 200, "a real leap day is fine");
});

Deno.test("a hold far in the future is a 4xx, not a 500", async () => {
  await using app = await startApp();
  const doctor = await createDoctor(app.api, await app.api.loginAdmin());
  const patient = await app.api.login(randomPhone());
  for (const start of ["9999-12-31T23:30:00Z", "2999-01-01T10:00:00Z", "2199-12-31T23:30:00Z"]) {
    const res = await app.api.request("POST", "/v1/holds", {
      token: patient.accessToken,
      body: { doctorId: doctor.id, start },
    });
    assert.ok(res.status >= 400 && res.status < 500, `${start}: ${res.status}`);
  }
});

Deno.test("a course far in the future is a 400, not a 500", async () => {
  await using app = await startApp();
  const doctor = await createDoctor(app.api, await app.api.loginAdmin());
  const patient = await app.api.login(randomPhone());
  for (
    const body of [
      { starts: ["9999-12-31T00:00:00.000Z"] },
      { starts: ["2026-12-01T04:30:00.000Z", "9999-12-31T23:30:00Z"] },
      { start: "9999-12-31T00:00:00.000Z", count: 3, everyDays: 1 },
      { starts: ["1970-01-01T00:00:00.000Z"] },
    ]
  ) {
    const res = await app.api.request<{ code: string }>("POST", "/v1/courses", {
      token: patient.accessToken,
      body: { doctorId: doctor.id, ...body },
    });
    assert.equal(res.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.code, "validation_failed");
  }
});

Deno.test("static files: inherited object keys are 404", async () => {
  await using app = await startApp();
  for (const base of ["/doctor/static/", "/room-static/"]) {
    for (const name of ["constructor", "toString", "hasOwnProperty", "valueOf", "__proto__"]) {
      const res = await app.fetch(new Request(`http://vaidya.test${base}${name}`));
      await res.body?.cancel();
      assert.equal(res.status, 404, `${base}${name}`);
    }
  }
  const css = await app.fetch(new Request("http://vaidya.test/doctor/static/app.css"));
  await css.body?.cancel();
  assert.equal(css.status, 200);
});

/** Logs a doctor into the web UI; returns the session cookie and its CSRF token. */
async function doctorUiLogin(app: Awaited<ReturnType<typeof startApp>>, phone: string) {
  const csrf = "x".repeat(32);
  const post = (path: string, form: Record<string, string>, cookie: string) =>
    app.fetch(
      new Request(`http://vaidya.test${path}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie },
        body: new URLSearchParams(form),
      }),
    );
  const loginCookie = `vaidya_ui_login=${csrf}`;
  const sent = await post("/doctor/login", { _csrf: csrf, phone }, loginCookie);
  await sent.body?.cancel();
  const code = await app.api.latestCode(phone);
  const verified = await post("/doctor/login/verify", { _csrf: csrf, phone, code }, loginCookie);
  await verified.body?.cancel();
  assert.equal(verified.status, 303);
  const session = /vaidya_ui=([^;]+)/.exec(verified.headers.get("set-cookie") ?? "")?.[1];
  assert.ok(session, "a session cookie");
  const cookie = `vaidya_ui=${session}`;
  const agenda = await app.fetch(new Request("http://vaidya.test/doctor", { headers: { cookie } }));
  const token = /name="_csrf" value="([^"]+)"/.exec(await agenda.text())?.[1];
  assert.ok(token, "a CSRF token on the agenda page");
  return { cookie, token, post };
}

Deno.test("doctor UI: an over-long note on another doctor's appointment is 404, not 500", async () => {
  await using app = await startApp();
  const mine = await createDoctor(app.api, await app.api.loginAdmin());
  const { patient, holdId, code } = await holdFirstSlot(app.api);
  const booked = await app.api.request<{ appointment: { id: string } }>(
    "POST",
    `/v1/holds/${holdId}/confirm`,
    { token: patient.accessToken, body: { code } },
  );
  assert.equal(booked.status, 201, JSON.stringify(booked.body));
  const ui = await doctorUiLogin(app, mine.phone);
  for (const id of [booked.body.appointment.id, "apt_00000000000000000000000000", "not an id"]) {
    const res = await ui.post(
      `/doctor/appointments/${encodeURIComponent(id)}`,
      { _csrf: ui.token, action: "notes", notes: "n".repeat(5001) },
      ui.cookie,
    );
    await res.body?.cancel();
    assert.equal(res.status, 404, id);
  }
});

Deno.test("doctor UI: a day or week outside the years 2000–2199 shows today, not a 500", async () => {
  await using app = await startApp();
  const mine = await createDoctor(app.api, await app.api.loginAdmin());
  const ui = await doctorUiLogin(app, mine.phone);
  for (
    const path of [
      "/doctor?date=9999-12-31",
      "/doctor?date=0000-01-01",
      "/doctor/week?start=9999-12-28",
      "/doctor/week?start=1000-01-01",
    ]
  ) {
    const res = await app.fetch(
      new Request(`http://vaidya.test${path}`, { headers: { cookie: ui.cookie } }),
    );
    await res.body?.cancel();
    assert.equal(res.status, 200, path);
  }
});
