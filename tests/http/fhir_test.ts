/**
 * The FHIR R4 read API (/fhir/R4) against the real server: a doctor with hours, a patient with a
 * profile and booked appointments, then every resource type and search Bundle, each checked
 * against the official R4 JSON schema (tests/_harness/fhir_schema.ts), plus ownership (foreign
 * ids are 404), authentication (401 OperationOutcome) and the public/private split.
 */
import assert from "node:assert/strict";
import { book } from "../_harness/book.ts";
import { Api, createDoctor, dateInDays, firstSlots, randomPhone } from "../_harness/api.ts";
import { createFhirValidator } from "../_harness/fhir_schema.ts";
import { startServer } from "../_harness/server.ts";

// FHIR bodies are walked deeply here; the schema validator, not the type, checks their shape.
// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

const fhirId = (id: string) => id.replace("_", "-");

Deno.test("FHIR R4: resources and searches validate and respect ownership", async (t) => {
  const validator = createFhirValidator();
  await using server = await startServer({ env: { RATE_LIMIT_DISABLED: "true" } });
  const api = new Api(server.url);
  const admin = await api.loginAdmin();
  const doctor = await createDoctor(api, admin, { name: "Dr. Meera Iyer" });
  const other = await createDoctor(api, admin, {
    name: "Dr. Kiran Rao",
    specializations: ["Shalya Tantra"],
  });
  const patient = await api.login(randomPhone());
  const stranger = await api.login(randomPhone());
  const doc = await api.login(doctor.phone);
  const day = dateInDays(3);
  const reason = "Recurring migraine";
  const history = "Asthma since childhood";

  /** GET a FHIR path; checks the content type and validates the body against the schema. */
  async function fhir(path: string, token?: string, status = 200): Promise<Json> {
    const res = await api.request<Json>("GET", `/fhir/R4${path}`, { token });
    assert.equal(res.status, status, `${path}: ${JSON.stringify(res.body)}`);
    assert.equal(res.headers.get("content-type"), "application/fhir+json", path);
    assert.deepEqual(validator.errors(res.body), [], `${path} is valid FHIR R4`);
    if (status >= 400) {
      assert.equal(res.body.resourceType, "OperationOutcome");
      assert.equal(res.body.issue[0].severity, "error");
    }
    return res.body;
  }

  async function bookAt(start: string, reason?: string): Promise<string> {
    return (await book(api, patient, doctor.id, start, { reason })).appointment.id;
  }

  const me = await api.request("PUT", "/v1/me", {
    token: patient.accessToken,
    body: {
      name: "Anil Sharma",
      dateOfBirth: "1980-04-12",
      gender: "male",
      medicalHistory: history,
    },
  });
  assert.equal(me.status, 200, JSON.stringify(me.body));
  const slots = await firstSlots(api, doctor.id, day);
  const booked = await bookAt(slots[0].start, reason);
  const completed = await bookAt(slots[1].start);
  const cancelled = await bookAt(slots[2].start);
  const cancel = await api.request("POST", `/v1/appointments/${cancelled}/cancel`, {
    token: patient.accessToken,
    body: {},
  });
  assert.equal(cancel.status, 200);

  await t.step("the schema is the official R4 one and the validator can fail", () => {
    assert.equal(validator.resourceTypes, 146, "all R4 resource types, nothing added");
    const bad = validator.errors({ resourceType: "Practitioner", id: "doc_1", phone: "x" });
    assert.ok(bad.length > 0, "an underscore id and an unknown field are rejected");
    assert.ok(validator.errors({ resourceType: "Slot", status: "open" }).length > 0);
    const cs = { resourceType: "CapabilityStatement", fhirVersion: "9.9.9" };
    assert.ok(validator.errors(cs).length > 0);
  });

  await t.step("metadata is a CapabilityStatement listing every resource", async () => {
    const cs = await fhir("/metadata");
    assert.equal(cs.resourceType, "CapabilityStatement");
    assert.equal(cs.fhirVersion, "4.0.1");
    const types = cs.rest[0].resource.map((r: Json) => r.type);
    assert.deepEqual(types, ["Practitioner", "Schedule", "Slot", "Appointment", "Patient"]);
  });

  await t.step("Practitioner: public read and search, never a phone", async () => {
    const p = await fhir(`/Practitioner/${fhirId(doctor.id)}`);
    assert.equal(p.id, fhirId(doctor.id));
    assert.equal(p.name[0].text, "Dr. Meera Iyer");
    assert.ok(!JSON.stringify(p).includes(doctor.phone.slice(3)), "no phone digits");
    assert.equal(p.telecom, undefined);
    const byName = await fhir("/Practitioner?name=meera");
    assert.equal(byName.type, "searchset");
    assert.equal(byName.total, 1);
    assert.equal(byName.entry[0].fullUrl, `${server.url}/fhir/R4/Practitioner/${p.id}`);
    assert.equal(byName.link[0].relation, "self");
    const bySpecialty = await fhir("/Practitioner?specialty=shalya%20tantra");
    assert.deepEqual(bySpecialty.entry.map((e: Json) => e.resource.id), [fhirId(other.id)]);
    await fhir("/Practitioner/doc-00000000000000000000000000", undefined, 404);
  });

  await t.step("Practitioner search pages with next links, no repeats", async () => {
    const first = await fhir("/Practitioner?_count=1");
    assert.equal(first.total, 2);
    const next = first.link.find((l: Json) => l.relation === "next");
    assert.ok(next, "a next link on the first page");
    const second = await fhir(new URL(next.url).pathname.slice(8) + new URL(next.url).search);
    assert.notEqual(second.entry[0].resource.id, first.entry[0].resource.id);
    assert.equal(second.link.some((l: Json) => l.relation === "next"), false);
  });

  await t.step("Schedule: one per doctor, found by actor", async () => {
    const s = await fhir(`/Schedule/${fhirId(doctor.id)}`);
    assert.equal(s.actor[0].reference, `Practitioner/${fhirId(doctor.id)}`);
    const found = await fhir(`/Schedule?actor=Practitioner/${fhirId(doctor.id)}`);
    assert.equal(found.total, 1);
    assert.equal(found.entry[0].resource.id, s.id);
  });

  await t.step("Slot: free slots in a bounded range; booked ones are absent", async () => {
    const q = `schedule=Schedule/${fhirId(doctor.id)}&start=ge${day}&start=le${day}`;
    const bundle = await fhir(`/Slot?${q}&status=free`);
    assert.equal(bundle.total, slots.length - 2, "the cancelled slot is free again");
    const starts = bundle.entry.map((e: Json) => e.resource.start);
    assert.ok(!starts.includes(slots[0].start) && !starts.includes(slots[1].start));
    assert.ok(starts.includes(slots[2].start));
    assert.ok(bundle.entry.every((e: Json) => e.resource.status === "free"));
    const one = await fhir(`/Slot/${bundle.entry[0].resource.id}`);
    assert.equal(one.schedule.reference, `Schedule/${fhirId(doctor.id)}`);
    await fhir(`/Slot/${fhirId(doctor.id)}.${Date.parse(slots[0].start)}`, undefined, 404);
    const paged = await fhir(`/Slot?${q}&_count=5`);
    assert.equal(paged.entry.length, 5);
    assert.ok(paged.link.some((l: Json) => l.relation === "next"));
    const wide = await fhir(
      `/Slot?schedule=Schedule/${fhirId(doctor.id)}&start=ge2026-01-01&start=le2026-03-01`,
      undefined,
      400,
    );
    assert.equal(wide.issue[0].code, "invalid");
    await fhir(`/Slot?schedule=Schedule/${fhirId(doctor.id)}&start=ge${day}`, undefined, 400);
  });

  await t.step(
    "Appointment: the patient's own, statuses mapped, reason as reasonCode",
    async () => {
      const bundle = await fhir(`/Appointment?date=ge${day}&date=le${day}`, patient.accessToken);
      assert.equal(bundle.total, 3);
      const byId = new Map(bundle.entry.map((e: Json) => [e.resource.id, e.resource]));
      const a = byId.get(fhirId(booked)) as Json;
      assert.equal(a.status, "booked");
      assert.equal(a.reasonCode[0].text, reason);
      assert.deepEqual(a.participant.map((p: Json) => p.actor.reference), [
        `Practitioner/${fhirId(doctor.id)}`,
        `Patient/${fhirId(patient.user.id)}`,
      ]);
      assert.equal((byId.get(fhirId(completed)) as Json).status, "booked");
      assert.equal((byId.get(fhirId(cancelled)) as Json).status, "cancelled");
      const booking = await fhir(`/Appointment?status=booked`, patient.accessToken);
      assert.deepEqual(
        booking.entry.map((e: Json) => e.resource.id),
        [fhirId(booked), fhirId(completed)],
      );
      const read = await fhir(`/Appointment/${fhirId(booked)}`, doc.accessToken);
      assert.equal(read.reasonCode[0].text, reason, "the doctor sees the reason");
      const none = await fhir(`/Appointment?date=ge${dateInDays(10)}`, patient.accessToken);
      assert.equal(none.total, 0);
    },
  );

  await t.step("Appointment: others get 404 or nothing; anonymous 401; admin 403", async () => {
    const hidden = await fhir(`/Appointment/${fhirId(booked)}`, stranger.accessToken, 404);
    assert.equal(hidden.issue[0].code, "not-found");
    const theirs = await fhir("/Appointment", stranger.accessToken);
    assert.equal(theirs.total, 0);
    const res = await api.request<Json>("GET", "/fhir/R4/Appointment");
    assert.equal(res.status, 401);
    assert.equal(res.body.issue[0].code, "login");
    assert.deepEqual(validator.errors(res.body), []);
    assert.ok(res.headers.get("www-authenticate"));
    await fhir("/Appointment", admin.accessToken, 403);
  });

  await t.step("Patient: only the patient's own record", async () => {
    const p = await fhir(`/Patient/${fhirId(patient.user.id)}`, patient.accessToken);
    assert.equal(p.telecom[0].value, patient.phone);
    assert.equal(p.birthDate, "1980-04-12");
    assert.equal(p.gender, "male");
    assert.equal(p.name[0].text, "Anil Sharma");
    assert.ok(!JSON.stringify(p).includes(history), "no medical history");
    await fhir(`/Patient/${fhirId(patient.user.id)}`, stranger.accessToken, 404);
    await fhir(`/Patient/${fhirId(patient.user.id)}`, doc.accessToken, 403);
    await fhir(`/Patient/${fhirId(patient.user.id)}`, undefined, 401);
  });

  await t.step(
    "errors elsewhere stay problem+json; unknown FHIR paths are OperationOutcome",
    async () => {
      const v1 = await api.request("GET", "/v1/doctors/doc_nope");
      assert.equal(v1.headers.get("content-type"), "application/problem+json");
      await fhir("/Encounter", undefined, 404);
      await fhir(`/Slot?schedule=Schedule/${fhirId(doctor.id)}&start=ge2026-02-30`, undefined, 400);
    },
  );

  await t.step(
    "every parameter is checked whatever the search finds (found by Schemathesis); 405 has Allow",
    async () => {
      const long = "x".repeat(101);
      const spaces = encodeURIComponent(" ".repeat(101));
      for (
        const path of [
          // A bad parameter next to `_id`/`actor`, which pick one doctor, is still refused.
          `/Practitioner?_id=${fhirId(doctor.id)}&name=${long}`,
          `/Schedule?actor=Practitioner/${fhirId(doctor.id)}&address-city=${spaces}`,
          `/Practitioner?_id=${fhirId(doctor.id)}&_cursor=${encodeURIComponent("not a cursor")}`,
          // Before the schedule is looked up: an unknown one no longer hides a malformed range.
          "/Slot?schedule=Schedule/doc-nope&start=%26%3C",
          "/Slot?schedule=Schedule/doc-nope&start=ge2026-12-01",
          // Before an unknown status answers "nothing".
          "/Appointment?status=proposed&_count=0",
          "/Appointment?status=proposed&_cursor=%C2%A4",
        ]
      ) {
        const token = path.startsWith("/Appointment") ? patient.accessToken : undefined;
        const outcome = await fhir(path, token, 400);
        assert.equal(outcome.issue[0].code, "invalid", path);
      }
      // A FHIR id is at most 64 characters: a longer one is unknown, never a store error.
      await fhir(`/Practitioner/doc-${"a".repeat(5000)}`, undefined, 404);
      const empty = await fhir(`/Practitioner?_id=doc-${"a".repeat(5000)}`);
      assert.equal(empty.total, 0);
      const post = await api.request<Json>("POST", "/fhir/R4/Practitioner", { body: {} });
      assert.equal(post.status, 405);
      assert.equal(post.headers.get("allow"), "GET, HEAD");
    },
  );

  await t.step("Appointment: a visit completed once it started is fulfilled", async () => {
    // A visit is completed only after its start: the server restarts on the same data with its
    // clock past the start (CLOCK_OFFSET_MS), as if the day had come.
    const start = Date.parse(
      (await fhir(`/Appointment/${fhirId(completed)}`, doc.accessToken))
        .start,
    );
    server.env.CLOCK_OFFSET_MS = String(start + 20 * 60_000 - Date.now());
    await server.restart();
    const later = await api.login(doctor.phone, true);
    const done = await api.request("PATCH", `/v1/appointments/${completed}`, {
      token: later.accessToken,
      body: { status: "completed" },
    });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    const read = await fhir(`/Appointment/${fhirId(completed)}`, later.accessToken);
    assert.equal(read.status, "fulfilled");
  });

  await t.step("logs carry no phone or medical text", () => {
    const logs = server.logs();
    assert.ok(!logs.includes(patient.phone), "no patient phone");
    assert.ok(!logs.includes(reason) && !logs.includes(history), "no medical text");
  });
});
