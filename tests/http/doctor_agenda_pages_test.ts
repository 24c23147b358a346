/**
 * The doctor's pages in-process: the week view lists every appointment of the week, however many
 * (the appointment list pages by cursor, so one page is not the week); forms take what the browser
 * sends (CRLF line breaks) and what the API takes, and save without losing what the API set; a
 * change from a page loaded before the visit changed elsewhere is refused (412) and shows it as it
 * is now; the video page of a foreign appointment is the pages' 404.
 */
import assert from "node:assert/strict";
import { createDoctor, dateInDays, randomPhone } from "../_harness/api.ts";
import { book } from "../_harness/book.ts";
import { startApp } from "../_harness/app.ts";

async function doctorUiCookie(app: Awaited<ReturnType<typeof startApp>>, phone: string) {
  const csrf = "x".repeat(32);
  const post = (path: string, form: Record<string, string>) =>
    app.fetch(
      new Request(`http://vaidya.test${path}`, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          cookie: `vaidya_ui_login=${csrf}`,
        },
        body: new URLSearchParams(form),
      }),
    );
  await (await post("/doctor/login", { _csrf: csrf, phone })).body?.cancel();
  const code = await app.api.latestCode(phone);
  const verified = await post("/doctor/login/verify", { _csrf: csrf, phone, code });
  await verified.body?.cancel();
  assert.equal(verified.status, 303);
  const session = /vaidya_ui=([^;]+)/.exec(verified.headers.get("set-cookie") ?? "")?.[1];
  assert.ok(session, "a session cookie");
  return `vaidya_ui=${session}`;
}

Deno.test("GET /doctor/week shows every appointment of a week with more than 200", async () => {
  await using app = await startApp({ RATE_LIMIT_DISABLED: "true" });
  const { api } = app;
  // 15-minute slots from 09:00 to 17:00: 32 a day, 224 a week.
  const doctor = await createDoctor(api, await api.loginAdmin(), { slotMinutes: 15 });
  const start = dateInDays(2);
  const listed = await api.request<{ slots: { start: string }[] }>(
    "GET",
    `/v1/doctors/${doctor.id}/slots?from=${start}&to=${dateInDays(8)}`,
  );
  assert.equal(listed.status, 200, JSON.stringify(listed.body));
  const starts = listed.body.slots.slice(0, 205).map((s) => s.start);
  assert.equal(starts.length, 205);
  const patient = await api.login(randomPhone());
  const ids: string[] = [];
  for (const s of starts) ids.push((await book(api, patient, doctor.id, s)).appointment.id);

  const cookie = await doctorUiCookie(app, doctor.phone);
  const res = await app.fetch(
    new Request(`http://vaidya.test/doctor/week?start=${start}`, { headers: { cookie } }),
  );
  assert.equal(res.status, 200);
  const html = await res.text();
  const shown = ids.filter((id) => html.includes(`/doctor/appointments/${id}`));
  assert.equal(shown.length, ids.length, "every booked appointment of the week is shown");
});

Deno.test("doctor pages: notes, a cancel reason and a bio typed up to their maxlength are saved though the browser posts line breaks as CRLF", async () => {
  await using app = await startApp({ RATE_LIMIT_DISABLED: "true" });
  const { api } = app;
  const doctor = await createDoctor(api, await api.loginAdmin());
  const listed = await api.request<{ slots: { start: string }[] }>(
    "GET",
    `/v1/doctors/${doctor.id}/slots?from=${dateInDays(2)}&to=${dateInDays(8)}`,
  );
  const patient = await api.login(randomPhone());
  const { appointment } = await book(api, patient, doctor.id, listed.body.slots[0].start);
  const cookie = await doctorUiCookie(app, doctor.phone);
  const page = await app.fetch(
    new Request(`http://vaidya.test/doctor/appointments/${appointment.id}`, {
      headers: { cookie },
    }),
  );
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1];
  const post = (path: string, form: Record<string, string>) =>
    app.fetch(
      new Request(`http://vaidya.test${path}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie },
        body: new URLSearchParams({ _csrf: csrf, ...form }),
      }),
    );
  // Each "abcd" line is 5 characters in the textarea (its maxlength) and 6 on the wire.
  const lines = (max: number) => "abcd\r\n".repeat(max / 5);
  const cases: [string, Record<string, string>][] = [
    [`/doctor/appointments/${appointment.id}`, { action: "notes", notes: lines(5000) }],
    [`/doctor/appointments/${appointment.id}/cancel`, { reason: lines(500) }],
    ["/doctor/profile", {
      languages: "en",
      specializations: "Panchakarma",
      fee: "",
      bio: lines(2000),
    }],
  ];
  for (const [path, form] of cases) {
    const res = await post(path, form);
    const html = await res.text();
    assert.equal(res.status, 303, `${path}: ${/class="field-error">([^<]*)/.exec(html)?.[1]}`);
  }
  const seen = await api.request<{ notes?: string }>("GET", `/v1/appointments/${appointment.id}`, {
    token: (await api.login(doctor.phone)).accessToken,
  });
  assert.equal(seen.body.notes, "abcd\n".repeat(1000).trim(), "notes keep the typed line breaks");
});

/** The fields a browser posts for the page's form as it stands (text, date, number, checked boxes). */
function formFields(html: string): [string, string][] {
  const fields: [string, string][] = [];
  for (const [tag] of html.matchAll(/<input [^>]*>/g)) {
    const attr = (name: string) => new RegExp(` ${name}="([^"]*)"`).exec(tag)?.[1];
    const name = attr("name");
    if (!name) continue;
    if (attr("type") === "checkbox") {
      if (/ checked/.test(tag)) fields.push([name, attr("value") ?? "on"]);
    } else fields.push([name, attr("value") ?? ""]);
  }
  return fields;
}

Deno.test("doctor pages: saving the availability page keeps every date override, however many the API set", async () => {
  await using app = await startApp({ RATE_LIMIT_DISABLED: "true" });
  const { api } = app;
  const doctor = await createDoctor(api, await api.loginAdmin());
  // A year of days off, set through the API (which takes up to 400 overrides).
  const overrides = Array.from({ length: 60 }, (_, i) => ({
    date: dateInDays(10 + i * 5),
    unavailable: true,
  }));
  const doctorApi = await api.login(doctor.phone);
  const put = await api.request("PUT", `/v1/doctors/${doctor.id}/availability`, {
    token: doctorApi.accessToken,
    body: { weekly: [{ day: "mon", start: "09:00", end: "13:00" }], overrides },
  });
  assert.equal(put.status, 200, JSON.stringify(put.body));

  const cookie = await doctorUiCookie(app, doctor.phone);
  const page = await app.fetch(
    new Request("http://vaidya.test/doctor/availability", { headers: { cookie } }),
  );
  assert.equal(page.status, 200);
  const fields = formFields(await page.text());
  // The doctor changes Monday's end and saves.
  const form = new URLSearchParams(fields.map(([k, v]) => [k, k === "w.mon.0.end" ? "14:00" : v]));
  form.set("action", "save");
  const saved = await app.fetch(
    new Request("http://vaidya.test/doctor/availability", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      body: form,
    }),
  );
  await saved.body?.cancel();
  assert.equal(saved.status, 303);
  const after = await api.request<{ availability: { overrides: unknown[]; weekly: unknown[] } }>(
    "GET",
    `/v1/doctors/${doctor.id}`,
  );
  assert.deepEqual(after.body.availability.weekly, [{ day: "mon", start: "09:00", end: "14:00" }]);
  assert.equal(after.body.availability.overrides.length, overrides.length, "no day off is lost");
});

Deno.test("doctor pages: the availability page saves the buffer, notice and daily maximum the API allows", async () => {
  await using app = await startApp({ RATE_LIMIT_DISABLED: "true" });
  const { api } = app;
  const policy = { bufferMinutes: 180, minNoticeMinutes: 14 * 24 * 60, maxPerDay: 300 };
  const doctor = await createDoctor(api, await api.loginAdmin(), {}, undefined, policy);
  const cookie = await doctorUiCookie(app, doctor.phone);
  const page = await app.fetch(
    new Request("http://vaidya.test/doctor/availability", { headers: { cookie } }),
  );
  const html = await page.text();
  for (const [field, value] of Object.entries(policy)) {
    const input = new RegExp(`<input [^>]*name="${field}"[^>]*>`).exec(html)?.[0] ?? "";
    const max = Number(/ max="(\d+)"/.exec(input)?.[1]);
    assert.ok(max >= value, `${field}: the browser would refuse ${value} over max=${max}`);
  }
  const form = new URLSearchParams(formFields(html));
  form.set("action", "save");
  const saved = await app.fetch(
    new Request("http://vaidya.test/doctor/availability", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      body: form,
    }),
  );
  const text = await saved.text();
  assert.equal(saved.status, 303, /class="field-error">([^<]*)/.exec(text)?.[1]);
  const after = await api.request<{ availability: Record<string, unknown> }>(
    "GET",
    `/v1/doctors/${doctor.id}`,
  );
  for (const [field, value] of Object.entries(policy)) {
    assert.equal(after.body.availability[field], value, field);
  }
});

Deno.test("doctor pages: the profile page takes what the API takes and refuses what it refuses", async () => {
  await using app = await startApp({ RATE_LIMIT_DISABLED: "true" });
  const { api } = app;
  const doctor = await createDoctor(api, await api.loginAdmin(), { fee: 150_000 });
  const cookie = await doctorUiCookie(app, doctor.phone);
  const page = await app.fetch(
    new Request("http://vaidya.test/doctor/profile", { headers: { cookie } }),
  );
  const fields = formFields(await page.text());
  const save = async (change: Record<string, string>) => {
    const form = new URLSearchParams(fields);
    form.set("bio", "Twenty years of Panchakarma.");
    for (const [k, v] of Object.entries(change)) form.set(k, v);
    const res = await app.fetch(
      new Request("http://vaidya.test/doctor/profile", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie },
        body: form,
      }),
    );
    const html = await res.text();
    return { status: res.status, error: /class="field-error">([^<]*)/.exec(html)?.[1] };
  };
  const kept = await save({});
  assert.equal(kept.status, 303, `the admin's fee of 150000 is kept: ${kept.error}`);
  const many = Array.from({ length: 11 }, (_, i) => `Specialty ${i}`).join(", ");
  assert.equal((await save({ specializations: many })).status, 400, "11 specializations");
  assert.equal((await save({ specializations: "x".repeat(61) })).status, 400, "61 characters");
  const langs = Array.from({ length: 11 }, (_, i) => `l${i}`).join(", ");
  assert.equal((await save({ languages: langs })).status, 400, "11 languages");
  const after = await api.request<{ fee: number; bio: string; specializations: string[] }>(
    "GET",
    `/v1/doctors/${doctor.id}`,
  );
  assert.equal(after.body.fee, 150_000);
  assert.equal(after.body.bio, "Twenty years of Panchakarma.");
  assert.deepEqual(after.body.specializations, ["Kayachikitsa", "Panchakarma"]);
});

Deno.test("doctor pages: the video page of another doctor's or an unknown appointment is the pages' 404, not problem+json", async () => {
  await using app = await startApp({ RATE_LIMIT_DISABLED: "true" });
  const { api } = app;
  const admin = await api.loginAdmin();
  const doctor = await createDoctor(api, admin);
  const other = await createDoctor(api, admin);
  const listed = await api.request<{ slots: { start: string }[] }>(
    "GET",
    `/v1/doctors/${other.id}/slots?from=${dateInDays(2)}&to=${dateInDays(8)}`,
  );
  const patient = await api.login(randomPhone());
  const { appointment } = await book(api, patient, other.id, listed.body.slots[0].start, {
    online: true,
  });
  const cookie = await doctorUiCookie(app, doctor.phone);
  for (const id of [appointment.id, `apt_${"0".repeat(26)}`, "nonsense"]) {
    const res = await app.fetch(
      new Request(`http://vaidya.test/doctor/appointments/${id}/video`, { headers: { cookie } }),
    );
    const html = await res.text();
    assert.equal(res.status, 404, id);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html/, id);
    assert.match(html, /<h1>Not found<\/h1>/, id);
    assert.doesNotMatch(html, new RegExp(appointment.id), "nothing of the appointment shows");
  }
});

Deno.test("doctor pages: a day off in a year the API refuses (2226 for 2026) is a field error, not saved", async () => {
  await using app = await startApp({ RATE_LIMIT_DISABLED: "true" });
  const { api } = app;
  const doctor = await createDoctor(api, await api.loginAdmin());
  const cookie = await doctorUiCookie(app, doctor.phone);
  const page = await app.fetch(
    new Request("http://vaidya.test/doctor/availability", { headers: { cookie } }),
  );
  const form = new URLSearchParams(formFields(await page.text()));
  form.set("o.0.date", "2226-12-25");
  form.set("o.0.off", "on");
  form.set("action", "save");
  const saved = await app.fetch(
    new Request("http://vaidya.test/doctor/availability", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      body: form,
    }),
  );
  const html = await saved.text();
  assert.equal(saved.status, 400);
  assert.match(html, /id="f-o-0-date-error"/);
  const after = await api.request<{ availability: { overrides: unknown[] } }>(
    "GET",
    `/v1/doctors/${doctor.id}`,
  );
  assert.deepEqual(after.body.availability.overrides, []);
});

Deno.test("doctor pages: a visit to come offers no completed or no-show button (both are refused before its start); once started it does", async () => {
  const clock = { now: Date.now() };
  await using app = await startApp({ RATE_LIMIT_DISABLED: "true" }, () => clock.now);
  const { api } = app;
  const doctor = await createDoctor(api, await api.loginAdmin());
  const listed = await api.request<{ slots: { start: string }[] }>(
    "GET",
    `/v1/doctors/${doctor.id}/slots?from=${dateInDays(2)}&to=${dateInDays(2)}`,
  );
  const { appointment } = await book(api, randomPhone(), doctor.id, listed.body.slots[0].start);
  const page = async () => {
    const cookie = await doctorUiCookie(app, doctor.phone);
    const res = await app.fetch(
      new Request(`http://vaidya.test/doctor/appointments/${appointment.id}`, {
        headers: { cookie },
      }),
    );
    assert.equal(res.status, 200);
    return await res.text();
  };
  const before = await page();
  assert.ok(before.includes('value="notes"'), "notes can be written before the visit");
  assert.ok(!before.includes('value="completed"'), "no completed button before the start");
  assert.ok(!before.includes('value="no_show"'), "no no-show button before the start");

  clock.now = Date.parse(appointment.start) + 10 * 60_000;
  const after = await page();
  assert.ok(after.includes('value="completed"') && after.includes('value="no_show"'));
});

Deno.test("doctor pages: a no-show marked by mistake is corrected from the appointment page within the window; after it the button is gone and a stale post is refused (409)", async () => {
  const clock = { now: Date.now() };
  await using app = await startApp({ RATE_LIMIT_DISABLED: "true" }, () => clock.now);
  const { api } = app;
  const doctor = await createDoctor(api, await api.loginAdmin());
  const listed = await api.request<{ slots: { start: string }[] }>(
    "GET",
    `/v1/doctors/${doctor.id}/slots?from=${dateInDays(2)}&to=${dateInDays(2)}`,
  );
  const { appointment } = await book(api, randomPhone(), doctor.id, listed.body.slots[0].start);
  const path = `/doctor/appointments/${appointment.id}`;
  const open = async () => {
    const cookie = await doctorUiCookie(app, doctor.phone);
    const res = await app.fetch(new Request(`http://vaidya.test${path}`, { headers: { cookie } }));
    assert.equal(res.status, 200);
    const html = await res.text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1];
    const post = (action: string) =>
      app.fetch(
        new Request(`http://vaidya.test${path}`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", cookie },
          body: new URLSearchParams({ _csrf: csrf, action, notes: "" }),
        }),
      );
    const correction =
      /id="correct-outcome"[^>]*value="([a-z_]+)"|value="([a-z_]+)"[^>]*id="correct-outcome"/
        .exec(html);
    return { html, post, correctTo: correction?.[1] ?? correction?.[2] };
  };
  const status = async () => /id="status">([^<]+)</.exec((await open()).html)?.[1];

  clock.now = Date.parse(appointment.start) + 10 * 60_000;
  const marked = await (await open()).post("no_show");
  assert.equal(marked.status, 303);
  assert.equal(await status(), "No-show");

  clock.now = Date.parse(appointment.end) + 2 * 24 * 3_600_000;
  const page = await open();
  assert.equal(page.correctTo, "completed", "a button to correct the no-show");
  const fixed = await page.post("completed");
  assert.equal(fixed.status, 303);
  assert.equal(await status(), "Completed");
  assert.equal((await open()).correctTo, "no_show", "and one to correct it back");

  clock.now = Date.parse(appointment.end) + 8 * 24 * 3_600_000;
  const late = await open();
  assert.equal(late.correctTo, undefined, "no correction button after the window");
  const refused = await late.post("no_show");
  assert.equal(refused.status, 409);
  assert.match(await refused.text(), /could be corrected until/);
  assert.equal(await status(), "Completed");
});

Deno.test("doctor pages: a visit whose patient erased their data is still marked and corrected from the appointment page (the form's empty notes write nothing)", async () => {
  const clock = { now: Date.now() };
  await using app = await startApp({ RATE_LIMIT_DISABLED: "true" }, () => clock.now);
  const { api } = app;
  const doctor = await createDoctor(api, await api.loginAdmin());
  const listed = await api.request<{ slots: { start: string }[] }>(
    "GET",
    `/v1/doctors/${doctor.id}/slots?from=${dateInDays(2)}&to=${dateInDays(2)}`,
  );
  const phone = randomPhone();
  const { appointment } = await book(api, phone, doctor.id, listed.body.slots[0].start);
  clock.now = Date.parse(appointment.start) + 10 * 60_000;
  const patient = await api.login(phone, true);
  const erased = await api.request("DELETE", "/v1/me", { token: patient.accessToken });
  assert.equal(erased.status, 204);

  const path = `/doctor/appointments/${appointment.id}`;
  const cookie = await doctorUiCookie(app, doctor.phone);
  const open = async () => {
    const res = await app.fetch(new Request(`http://vaidya.test${path}`, { headers: { cookie } }));
    assert.equal(res.status, 200);
    return await res.text();
  };
  const post = async (action: string) => {
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await open())![1];
    const res = await app.fetch(
      new Request(`http://vaidya.test${path}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie },
        body: new URLSearchParams({ _csrf: csrf, action, notes: "" }),
      }),
    );
    await res.body?.cancel();
    return res.status;
  };
  const status = async () => /id="status">([^<]+)</.exec(await open())?.[1];

  assert.equal(await post("no_show"), 303, "the visit is marked");
  assert.equal(await status(), "No-show");
  assert.equal(await post("completed"), 303, "and its outcome corrected");
  assert.equal(await status(), "Completed");
  // Writing notes for an erased patient stays refused.
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await open())![1];
  const notes = await app.fetch(
    new Request(`http://vaidya.test${path}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      body: new URLSearchParams({ _csrf: csrf, action: "notes", notes: "Follow up" }),
    }),
  );
  await notes.body?.cancel();
  assert.equal(notes.status, 409);
});

Deno.test("doctor pages: a mark from a page loaded before the visit was marked elsewhere is refused (412) and the page shows the visit as it is now, with what was typed", async () => {
  const clock = { now: Date.now() };
  await using app = await startApp({ RATE_LIMIT_DISABLED: "true" }, () => clock.now);
  const { api } = app;
  const doctor = await createDoctor(api, await api.loginAdmin());
  const listed = await api.request<{ slots: { start: string }[] }>(
    "GET",
    `/v1/doctors/${doctor.id}/slots?from=${dateInDays(2)}&to=${dateInDays(2)}`,
  );
  const { appointment } = await book(api, randomPhone(), doctor.id, listed.body.slots[0].start);
  const path = `/doctor/appointments/${appointment.id}`;
  clock.now = Date.parse(appointment.start) + 10 * 60_000;
  const cookie = await doctorUiCookie(app, doctor.phone);
  const open = async () => {
    const res = await app.fetch(new Request(`http://vaidya.test${path}`, { headers: { cookie } }));
    assert.equal(res.status, 200);
    const html = await res.text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1];
    const version = /name="version" value="(\d+)"/.exec(html)?.[1];
    assert.ok(version, "the form carries the version it shows");
    const post = (action: string, notes = "") =>
      app.fetch(
        new Request(`http://vaidya.test${path}`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", cookie },
          body: new URLSearchParams({ _csrf: csrf, action, notes, version }),
        }),
      );
    return { html, post };
  };
  const status = async () => /id="status">([^<]+)</.exec((await open()).html)?.[1];

  // Two tabs on the visit; the first marks it completed.
  const first = await open();
  const stale = await open();
  assert.equal((await first.post("completed")).status, 303);
  assert.equal(await status(), "Completed");

  // The second, still showing it confirmed, taps no-show: not a silent correction.
  const refused = await stale.post("no_show", "Did not join the call");
  assert.equal(refused.status, 412);
  const html = await refused.text();
  assert.match(html, /role="alert"[^>]*>[^<]*changed elsewhere/);
  assert.match(html, /id="status">Completed</, "shown as it is now");
  assert.match(html, /Did not join the call/, "what was typed is kept");
  assert.match(html, /name="version" value="2"/, "the page now carries the current version");
  assert.equal(await status(), "Completed");
  const doc = await api.login(doctor.phone, true);
  const read = await api.request<{ status: string; version: number; notes?: string }>(
    "GET",
    `/v1/appointments/${appointment.id}`,
    { token: doc.accessToken },
  );
  assert.equal(read.body.status, "completed");
  assert.equal(read.body.version, 2, "nothing written");
  assert.equal(read.body.notes, undefined);

  // The cancel form of a stale page is held to its version too.
  const { appointment: later } = await book(
    api,
    randomPhone(),
    doctor.id,
    listed.body.slots[3].start,
  );
  const laterPage = await app.fetch(
    new Request(`http://vaidya.test/doctor/appointments/${later.id}`, { headers: { cookie } }),
  );
  const laterHtml = await laterPage.text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(laterHtml)![1];
  const cancelVersion = /action="[^"]+\/cancel"[\s\S]*?name="version" value="(\d+)"/
    .exec(laterHtml)?.[1];
  assert.equal(cancelVersion, "1");
  const noted = await app.fetch(
    new Request(`http://vaidya.test/doctor/appointments/${later.id}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      body: new URLSearchParams({
        _csrf: csrf,
        action: "notes",
        notes: "Bring reports",
        version: "1",
      }),
    }),
  );
  assert.equal(noted.status, 303);
  const cancelled = await app.fetch(
    new Request(`http://vaidya.test/doctor/appointments/${later.id}/cancel`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      body: new URLSearchParams({ _csrf: csrf, reason: "", version: cancelVersion }),
    }),
  );
  assert.equal(cancelled.status, 412);
  assert.match(await cancelled.text(), /changed elsewhere/);
  const laterRead = await api.request<{ status: string }>(
    "GET",
    `/v1/appointments/${later.id}`,
    { token: doc.accessToken },
  );
  assert.equal(laterRead.body.status, "confirmed");
});

Deno.test("doctor pages: a mark, notes or cancel sent twice from one page (a double tap) answers as done, not 412 'changed elsewhere'", async () => {
  const clock = { now: Date.now() };
  await using app = await startApp({ RATE_LIMIT_DISABLED: "true" }, () => clock.now);
  const { api } = app;
  const doctor = await createDoctor(api, await api.loginAdmin());
  const listed = await api.request<{ slots: { start: string }[] }>(
    "GET",
    `/v1/doctors/${doctor.id}/slots?from=${dateInDays(2)}&to=${dateInDays(2)}`,
  );
  const { appointment: marked } = await book(
    api,
    randomPhone(),
    doctor.id,
    listed.body.slots[0].start,
  );
  const { appointment: cancelled } = await book(
    api,
    randomPhone(),
    doctor.id,
    listed.body.slots[2].start,
  );
  let cookie = await doctorUiCookie(app, doctor.phone);
  const form = async (path: string) => {
    const res = await app.fetch(new Request(`http://vaidya.test${path}`, { headers: { cookie } }));
    const html = await res.text();
    return {
      _csrf: /name="_csrf" value="([^"]+)"/.exec(html)![1],
      version: /name="version" value="(\d+)"/.exec(html)![1],
    };
  };
  const post = (path: string, body: Record<string, string>) =>
    app.fetch(
      new Request(`http://vaidya.test${path}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie },
        body: new URLSearchParams(body),
      }),
    );
  const twice = async (path: string, body: Record<string, string>) => {
    const first = await post(path, body);
    await first.body?.cancel();
    assert.equal(first.status, 303);
    const second = await post(path, body);
    await second.body?.cancel();
    assert.equal(second.status, 303, `the second send: ${second.status}`);
    assert.match(second.headers.get("location") ?? "", /saved=1/);
  };

  // Notes saved twice from one page before the visit.
  const markedPath = `/doctor/appointments/${marked.id}`;
  const notes = await form(markedPath);
  await twice(markedPath, { ...notes, action: "notes", notes: "Bring reports" });

  // Completed tapped twice once the visit has begun, with the notes as the page shows them.
  clock.now = Date.parse(marked.start) + 10 * 60_000;
  cookie = await doctorUiCookie(app, doctor.phone); // the session from two days before ended
  const mark = await form(markedPath);
  await twice(markedPath, { ...mark, action: "completed", notes: "Bring reports" });

  // Cancel tapped twice.
  const cancelledPath = `/doctor/appointments/${cancelled.id}`;
  const cancel = await form(cancelledPath);
  await twice(`${cancelledPath}/cancel`, { ...cancel, reason: "" });

  const doc = await api.login(doctor.phone, true);
  const read = (id: string) =>
    api.request<{ status: string; version: number; notes?: string }>(
      "GET",
      `/v1/appointments/${id}`,
      { token: doc.accessToken },
    );
  const done = (await read(marked.id)).body;
  assert.equal(done.status, "completed");
  assert.equal(done.notes, "Bring reports");
  assert.equal(done.version, 3, "each change written once");
  const gone = (await read(cancelled.id)).body;
  assert.equal(gone.status, "cancelled");
  assert.equal(gone.version, 2, "cancelled once");
});
