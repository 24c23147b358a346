/**
 * Correcting a visit's outcome over HTTP (the app built by the real start-up, in-process, on a
 * hand-moved clock; on KV records and on MongoDB records in a real FerretDB): completed ⇄ no_show
 * by its doctor or an admin until OUTCOME_CORRECTION_WINDOW_MS after the end, as its own change
 * (version, audit entry with both statuses, the new status's webhook with `previousStatus`, no
 * patient message), reflected in listings and FHIR; refused outside the window and on a cancelled
 * visit; the status it already has answers 200 and writes nothing; its doctor and an admin
 * correcting at once both answer 200, with one correction written.
 */
import assert from "node:assert/strict";
import { startAppWithDoctor } from "../_harness/app.ts";
import { book } from "../_harness/book.ts";
import { eventually } from "../_harness/eventually.ts";
import { appEnv, startFerretDb } from "../_harness/ferretdb.ts";
import { OUTCOME_CORRECTION_WINDOW_MS } from "../../src/domain/appointment_machine.ts";

type Body = Record<string, unknown>;

async function correctsWithinTheWindow(env: Record<string, string>) {
  const received: Body[] = [];
  const receiver = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    received.push(JSON.parse(await req.text()));
    return new Response(null, { status: 204 });
  });
  const clock = { now: Date.now() };
  try {
    await using app = await startAppWithDoctor(env, () => clock.now);
    const { api, doctor, patient, slots } = app;
    let admin = app.admin;
    const hook = await api.request<Body>("POST", "/v1/admin/webhooks", {
      token: admin.accessToken,
      body: {
        url: `http://127.0.0.1:${receiver.addr.port}/vaidya`,
        events: ["appointment.completed", "appointment.no_show"],
      },
    });
    assert.equal(hook.status, 201, JSON.stringify(hook.body));
    const { appointment } = await book(api, patient, doctor.id, slots[0].start);
    const path = `/v1/appointments/${appointment.id}`;
    const messages = async () =>
      (await api.request<{ messages: unknown[] }>(
        "GET",
        `/v1/dev/outbox?to=${encodeURIComponent(patient.phone)}`,
      )).body.messages.length;

    clock.now = Date.parse(appointment.start) + 10 * 60_000;
    let doc = await api.login(doctor.phone, true);
    const marked = await api.request<Body>("PATCH", path, {
      token: doc.accessToken,
      body: { status: "no_show" },
    });
    assert.equal(marked.status, 200, JSON.stringify(marked.body));
    const sentBefore = await messages();

    // Three days after the visit the doctor finds the mistaken tap: the patient did join.
    clock.now = Date.parse(appointment.end) + 3 * 24 * 3_600_000;
    doc = await api.login(doctor.phone, true);
    const fixed = await api.request<Body>("PATCH", path, {
      token: doc.accessToken,
      body: { status: "completed" },
    });
    assert.equal(fixed.status, 200, JSON.stringify(fixed.body));
    assert.equal(fixed.body.status, "completed");
    assert.notEqual(fixed.body.updatedAt, marked.body.updatedAt);

    const read = await api.request<Body>("GET", path, { token: doc.accessToken });
    assert.equal(read.body.status, "completed");
    const listed = async (status: string) =>
      (await api.request<{ items: Body[] }>(
        "GET",
        `/v1/appointments?status=${status}&from=${appointment.start}&to=${appointment.end}`,
        { token: doc.accessToken },
      )).body.items.map((a) => a.id);
    assert.deepEqual(await listed("completed"), [appointment.id]);
    assert.deepEqual(await listed("no_show"), []);
    const fhir = await api.request<Body>(
      "GET",
      `/fhir/R4/Appointment/${appointment.id.replace("_", "-")}`,
      { token: doc.accessToken },
    );
    assert.equal(fhir.status, 200, JSON.stringify(fhir.body));
    assert.equal(fhir.body.status, "fulfilled");

    // An admin corrects it back; notes stay the doctor's.
    admin = await api.login(app.admin.phone, true);
    const notes = await api.request<Body>("PATCH", path, {
      token: admin.accessToken,
      body: { status: "no_show", notes: "Called twice" },
    });
    assert.equal(notes.status, 403, JSON.stringify(notes.body));
    assert.equal(notes.body.code, "forbidden");
    const back = await api.request<Body>("PATCH", path, {
      token: admin.accessToken,
      body: { status: "no_show" },
    });
    assert.equal(back.status, 200, JSON.stringify(back.body));
    assert.equal(back.body.status, "no_show");

    const trail = await eventually("both corrections in the audit trail", async () => {
      const res = await api.request<{ items: Body[] }>(
        "GET",
        `/v1/admin/audit?appointmentId=${appointment.id}`,
        { token: admin.accessToken },
      );
      const items = res.body.items.filter((e) => e.action === "appointment.outcome_correct");
      return items.length === 2 ? items : undefined;
    });
    assert.deepEqual(
      trail.map((e) => [e.actorId, e.fromStatus, e.toStatus]).reverse(),
      [[doctor.id, "no_show", "completed"], [app.admin.user.id, "completed", "no_show"]],
    );

    const hooks = await eventually(
      "three outcome webhooks",
      () => received.length >= 3 ? received : undefined,
    );
    // Deliveries are independent (each its own outbox entry, retried on its own), so they may
    // arrive in any order: what arrives is the mark and each correction, once.
    const seen = hooks.map((h) => `${h.type} from ${(h.data as Body).previousStatus ?? "-"}`);
    assert.deepEqual(seen.toSorted(), [
      "appointment.completed from no_show",
      "appointment.no_show from -",
      "appointment.no_show from completed",
    ]);
    assert.equal(new Set(hooks.map((h) => h.id)).size, 3, "each correction its own event id");
    // In the appointment's version order, whatever order they arrived in: mark, then corrections.
    const byVersion = hooks.toSorted((a, b) =>
      Number((a.data as Body).version) - Number((b.data as Body).version)
    );
    assert.deepEqual(byVersion.map((h) => [h.type, (h.data as Body).previousStatus]), [
      ["appointment.no_show", undefined],
      ["appointment.completed", "no_show"],
      ["appointment.no_show", "completed"],
    ]);
    const versions = byVersion.map((h) => Number((h.data as Body).version));
    assert.deepEqual(versions, [versions[0], versions[0] + 1, versions[0] + 2], "one per change");
    assert.equal(await messages(), sentBefore, "no patient message about an outcome");
  } finally {
    await receiver.shutdown();
  }
}

Deno.test("PATCH /v1/appointments/:id corrects no_show ⇄ completed within the window, audited and announced", async () => {
  await correctsWithinTheWindow({});
});

Deno.test("PATCH /v1/appointments/:id corrects an outcome alike on MongoDB records", async () => {
  const mongo = await startFerretDb();
  try {
    await correctsWithinTheWindow(appEnv(mongo));
  } finally {
    await mongo.stop();
  }
});

/**
 * Endpoints subscribed to one outcome only: the correction (the new status's event, with
 * `previousStatus`) also reaches those subscribed to the previous status's type, so a clinic that
 * acted on `appointment.completed` hears it was undone; one subscribed to both hears it once.
 */
async function correctionReachesPreviousStatusSubscribers(env: Record<string, string>) {
  const received = new Map<string, Body[]>([["completed", []], ["no_show", []], ["both", []]]);
  const receiver = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const body = JSON.parse(await req.text());
    assert.equal(req.headers.get("vaidya-event"), body.type);
    received.get(new URL(req.url).pathname.slice(1))!.push(body);
    return new Response(null, { status: 204 });
  });
  const clock = { now: Date.now() };
  try {
    await using app = await startAppWithDoctor(env, () => clock.now);
    const { api, admin, doctor, patient, slots } = app;
    const subscriptions: [string, string[]][] = [
      ["completed", ["appointment.completed"]],
      ["no_show", ["appointment.no_show"]],
      ["both", ["appointment.completed", "appointment.no_show"]],
    ];
    for (const [name, events] of subscriptions) {
      const hook = await api.request<Body>("POST", "/v1/admin/webhooks", {
        token: admin.accessToken,
        body: { url: `http://127.0.0.1:${receiver.addr.port}/${name}`, events },
      });
      assert.equal(hook.status, 201, JSON.stringify(hook.body));
    }
    const { appointment } = await book(api, patient, doctor.id, slots[0].start);
    const path = `/v1/appointments/${appointment.id}`;
    clock.now = Date.parse(appointment.end) + 60_000;
    const doc = await api.login(doctor.phone, true);
    for (const status of ["completed", "no_show"]) {
      const res = await api.request<Body>("PATCH", path, {
        token: doc.accessToken,
        body: { status },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
    const want = { completed: 2, no_show: 1, both: 2 };
    await eventually(
      "the mark and the correction at every subscribed endpoint",
      () => Object.entries(want).every(([k, n]) => received.get(k)!.length >= n) || undefined,
    );
    const seen = (name: string) =>
      received.get(name)!.map((h) => `${h.type} from ${(h.data as Body).previousStatus ?? "-"}`)
        .toSorted();
    assert.deepEqual(seen("completed"), [
      "appointment.completed from -",
      "appointment.no_show from completed",
    ]);
    assert.deepEqual(seen("no_show"), ["appointment.no_show from completed"]);
    assert.deepEqual(seen("both"), seen("completed"), "once each, though subscribed to both");
    const correctionIds = [...received.values()].flatMap((hooks) =>
      hooks.filter((h) => h.type === "appointment.no_show").map((h) => h.id)
    );
    assert.equal(correctionIds.length, 3);
    assert.equal(new Set(correctionIds).size, 1, "one event id wherever it is delivered");
  } finally {
    await receiver.shutdown();
  }
}

Deno.test("a corrected outcome's webhook also reaches endpoints subscribed to the previous status's event", async () => {
  await correctionReachesPreviousStatusSubscribers({});
});

Deno.test("a corrected outcome's webhook also reaches the previous status's subscribers on MongoDB records", async () => {
  const mongo = await startFerretDb();
  try {
    await correctionReachesPreviousStatusSubscribers(appEnv(mongo));
  } finally {
    await mongo.stop();
  }
});

async function refusesOutsideTheWindow(env: Record<string, string>) {
  const clock = { now: Date.now() };
  await using app = await startAppWithDoctor(env, () => clock.now);
  const { api, doctor, patient, slots } = app;
  const { appointment } = await book(api, patient, doctor.id, slots[0].start);
  const other = await book(api, patient, doctor.id, slots[1].start);
  const cancelled = await api.request<Body>(
    "POST",
    `/v1/appointments/${other.appointment.id}/cancel`,
    { token: patient.accessToken, body: {} },
  );
  assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
  const path = `/v1/appointments/${appointment.id}`;
  clock.now = Date.parse(appointment.start) + 5 * 60_000;
  let doc = await api.login(doctor.phone, true);
  const done = await api.request<Body>("PATCH", path, {
    token: doc.accessToken,
    body: { status: "completed" },
  });
  assert.equal(done.status, 200, JSON.stringify(done.body));

  // The same status again answers the appointment as it is and writes nothing.
  const again = await api.request<Body>("PATCH", path, {
    token: doc.accessToken,
    body: { status: "completed" },
  });
  assert.equal(again.status, 200, JSON.stringify(again.body));
  assert.equal(again.body.updatedAt, done.body.updatedAt);

  clock.now = Date.parse(appointment.end) + OUTCOME_CORRECTION_WINDOW_MS + 60_000;
  doc = await api.login(doctor.phone, true);
  const late = await api.request<Body>("PATCH", path, {
    token: doc.accessToken,
    body: { status: "no_show" },
  });
  assert.equal(late.status, 409, JSON.stringify(late.body));
  assert.equal(late.body.code, "invalid_state");
  assert.match(String(late.body.detail), /could be corrected until/);
  const still = await api.request<Body>("GET", path, { token: doc.accessToken });
  assert.equal(still.body.status, "completed");
  assert.equal(still.body.updatedAt, done.body.updatedAt);

  // A cancelled visit has no outcome to correct.
  const onCancelled = await api.request<Body>("PATCH", `/v1/appointments/${other.appointment.id}`, {
    token: doc.accessToken,
    body: { status: "completed" },
  });
  assert.equal(onCancelled.status, 409, JSON.stringify(onCancelled.body));
  assert.equal(onCancelled.body.code, "invalid_state");
}

Deno.test("PATCH /v1/appointments/:id refuses a correction after the window or of a cancelled visit (409); a repeat writes nothing", async () => {
  await refusesOutsideTheWindow({});
});

Deno.test("PATCH /v1/appointments/:id refuses late corrections alike on MongoDB records", async () => {
  const mongo = await startFerretDb();
  try {
    await refusesOutsideTheWindow(appEnv(mongo));
  } finally {
    await mongo.stop();
  }
});

async function correctionRace(env: Record<string, string>) {
  const clock = { now: Date.now() };
  await using app = await startAppWithDoctor(
    { RATE_LIMIT_DISABLED: "true", ...env },
    () => clock.now,
  );
  const { api, doctor, patient, slots } = app;
  const booked = [];
  for (const slot of slots.slice(0, 4)) {
    booked.push((await book(api, patient, doctor.id, slot.start)).appointment);
  }
  clock.now = Date.parse(booked.at(-1)!.end) + 60_000;
  const doc = await api.login(doctor.phone, true);
  const admin = await api.login(app.admin.phone, true);
  const patch = (id: string, token: string, status: string) =>
    api.request<Body>("PATCH", `/v1/appointments/${id}`, { token, body: { status } });
  const problems: string[] = [];
  for (const [round, a] of booked.entries()) {
    assert.equal((await patch(a.id, doc.accessToken, "no_show")).status, 200);
    const answers = await Promise.all([
      patch(a.id, doc.accessToken, "completed"),
      patch(a.id, admin.accessToken, "completed"),
    ]);
    for (const [i, res] of answers.entries()) {
      if (res.status !== 200 || res.body.status !== "completed") {
        problems.push(`round ${round}, correction ${i}: ${res.status} ${JSON.stringify(res.body)}`);
      }
    }
    const corrections = await eventually("the correction's audit entry", async () => {
      const res = await api.request<{ items: Body[] }>(
        "GET",
        `/v1/admin/audit?appointmentId=${a.id}`,
        { token: admin.accessToken },
      );
      const found = res.body.items.filter((e) => e.action === "appointment.outcome_correct");
      return found.length > 0 ? found : undefined;
    });
    await new Promise((r) => setTimeout(r, 100));
    if (corrections.length !== 1) problems.push(`round ${round}: ${corrections.length} entries`);
  }
  assert.deepEqual(problems, []);
}

Deno.test("PATCH /v1/appointments/:id by its doctor and an admin correcting at once: both 200, one correction (KV records)", async () => {
  await correctionRace({});
});

Deno.test("PATCH /v1/appointments/:id by its doctor and an admin correcting at once: both 200, one correction (MongoDB records)", async () => {
  const mongo = await startFerretDb();
  try {
    await correctionRace(appEnv(mongo));
  } finally {
    await mongo.stop();
  }
});
