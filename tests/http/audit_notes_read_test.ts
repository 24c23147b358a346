/**
 * Every opening of visit notes is audited: the doctor web UI's appointment page shows the notes
 * of the patient's earlier visits, and each visit whose notes it opened gets an
 * `appointment.notes_read` entry by that doctor, read back through the admin audit API.
 */
import assert from "node:assert/strict";
import { toFhirId } from "../../src/fhir/fhir_ids.ts";
import { SESSION_COOKIE } from "../../src/ui/ui_env.ts";
import { startApp } from "../_harness/app.ts";
import { createDoctor, dateInDays, firstSlots, randomPhone } from "../_harness/api.ts";

type Body = Record<string, unknown>;

Deno.test("doctor UI: earlier visits with notes write appointment.notes_read entries", async () => {
  await using app = await startApp();
  const { api, runtime } = app;
  const admin = await api.loginAdmin();
  const doctor = await createDoctor(api, admin);
  const doc = await api.login(doctor.phone);
  const phone = randomPhone();
  const patient = await api.login(phone);
  const slots = await firstSlots(api, doctor.id, dateInDays(2));
  const ids: string[] = [];
  for (const slot of slots.slice(0, 3)) {
    const hold = await api.request<Body>("POST", "/v1/holds", {
      token: patient.accessToken,
      body: { doctorId: doctor.id, start: slot.start },
    });
    assert.equal(hold.status, 201, JSON.stringify(hold.body));
    const ok = await api.request<{ appointment: { id: string } }>(
      "POST",
      `/v1/holds/${hold.body.id}/confirm`,
      { token: patient.accessToken, body: { code: await api.latestCode(phone) } },
    );
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    ids.push(ok.body.appointment.id);
  }
  // Notes on the first visit only; the second has none; the page is the third's.
  const patch = await api.request("PATCH", `/v1/appointments/${ids[0]}`, {
    token: doc.accessToken,
    body: { notes: "Prescribed ashwagandha churna" },
  });
  assert.equal(patch.status, 200, JSON.stringify(patch.body));
  const notesReads = async (appointmentId: string) => {
    const res = await api.request<{ items: Body[] }>(
      "GET",
      `/v1/admin/audit?appointmentId=${appointmentId}`,
      { token: admin.accessToken },
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.items.filter((e) => e.action === "appointment.notes_read");
  };
  assert.equal((await notesReads(ids[0])).length, 0);

  const { sessionId } = await runtime.deps.refresh.issue(
    { id: doctor.id, role: "doctor" },
    null,
    "test",
  );
  const { token } = await runtime.deps.doctorUi!.sessions.create({
    doctorId: doctor.id,
    apiSessionId: sessionId,
  });
  const page = await app.fetch(
    new Request(`${api.baseUrl}/doctor/appointments/${ids[2]}`, {
      headers: { cookie: `${SESSION_COOKIE}=${token}` },
    }),
  );
  const html = await page.text();
  assert.equal(page.status, 200, html.slice(0, 300));
  assert.ok(
    html.includes("Prescribed ashwagandha churna"),
    "the earlier visit's notes are shown",
  );

  const reads = await notesReads(ids[0]);
  assert.equal(reads.length, 1, "one notes_read entry for the visit whose notes were opened");
  assert.equal(reads[0].actorId, doctor.id);
  assert.equal(reads[0].actorRole, "doctor");
  assert.equal(reads[0].patientId, patient.user.id);
  assert.equal((await notesReads(ids[1])).length, 0, "no entry where there were no notes");
});

Deno.test("GET /v1/appointments: a doctor's listing that returns visit notes writes appointment.notes_read entries; the week page, which opens none, writes none", async () => {
  await using app = await startApp();
  const { api } = app;
  const admin = await api.loginAdmin();
  const doctor = await createDoctor(api, admin);
  const doc = await api.login(doctor.phone);
  const phone = randomPhone();
  const patient = await api.login(phone);
  const [slot] = await firstSlots(api, doctor.id, dateInDays(2));
  const hold = await api.request<Body>("POST", "/v1/holds", {
    token: patient.accessToken,
    body: { doctorId: doctor.id, start: slot.start },
  });
  assert.equal(hold.status, 201, JSON.stringify(hold.body));
  const ok = await api.request<{ appointment: { id: string } }>(
    "POST",
    `/v1/holds/${hold.body.id}/confirm`,
    { token: patient.accessToken, body: { code: await api.latestCode(phone) } },
  );
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  const id = ok.body.appointment.id;
  const patch = await api.request("PATCH", `/v1/appointments/${id}`, {
    token: doc.accessToken,
    body: { notes: "Prescribed ashwagandha churna" },
  });
  assert.equal(patch.status, 200, JSON.stringify(patch.body));

  const notesReads = async () => {
    const audit = await api.request<{ items: Body[] }>(
      "GET",
      `/v1/admin/audit?appointmentId=${id}`,
      { token: admin.accessToken },
    );
    assert.equal(audit.status, 200, JSON.stringify(audit.body));
    return audit.body.items.filter((e) => e.action === "appointment.notes_read");
  };

  // The week page places the appointment without opening its notes: no entry.
  const { sessionId } = await app.runtime.deps.refresh.issue(
    { id: doctor.id, role: "doctor" },
    null,
    "test",
  );
  const { token } = await app.runtime.deps.doctorUi!.sessions.create({
    doctorId: doctor.id,
    apiSessionId: sessionId,
  });
  const week = await app.fetch(
    new Request(`${api.baseUrl}/doctor/week?start=${dateInDays(0)}`, {
      headers: { cookie: `${SESSION_COOKIE}=${token}` },
    }),
  );
  const html = await week.text();
  assert.equal(week.status, 200, html.slice(0, 300));
  assert.ok(html.includes(id), "the week page lists the appointment");
  assert.equal((await notesReads()).length, 0);

  // The FHIR Appointment and the doctor's video page open no notes either: no entry.
  const fhir = await api.request("GET", `/fhir/R4/Appointment/${toFhirId(id)}`, {
    token: doc.accessToken,
  });
  assert.equal(fhir.status, 200, JSON.stringify(fhir.body));
  assert.ok(!JSON.stringify(fhir.body).includes("ashwagandha"));
  const video = await app.fetch(
    new Request(`${api.baseUrl}/doctor/appointments/${id}/video`, {
      headers: { cookie: `${SESSION_COOKIE}=${token}` },
    }),
  );
  assert.equal(video.status, 200, (await video.text()).slice(0, 300));
  assert.equal((await notesReads()).length, 0, "a page that shows no notes wrote notes_read");

  const list = await api.request<{ items: Body[] }>("GET", "/v1/appointments", {
    token: doc.accessToken,
  });
  assert.equal(list.status, 200, JSON.stringify(list.body));
  const listed = list.body.items.find((a) => a.id === id);
  assert.equal(listed?.notes, "Prescribed ashwagandha churna", "the listing shows the notes");
  const reads = await notesReads();
  assert.equal(reads.length, 1, "the notes the listing opened are in the trail");
  assert.equal(reads[0].actorId, doctor.id);
  assert.equal(reads[0].patientId, patient.user.id);
});
