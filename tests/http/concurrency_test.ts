/**
 * Invariant 1 under concurrency: no doctor ever has two active claims on overlapping time — with
 * 200 patients racing for one slot on one server, the same race across two server processes that
 * share one KV file, and holds on two different slot grids after the doctor changes slot length.
 * The one-instance races run in-process on the in-memory app; the two-process ones spawn servers.
 */
import assert from "node:assert/strict";
import {
  Api,
  createDoctor,
  dateInDays,
  firstSlots,
  loginMany,
  tallyAnswers,
} from "../_harness/api.ts";
import { startApp } from "../_harness/app.ts";
import { startServer } from "../_harness/server.ts";
import { listingStorm } from "../_harness/listing_storm.ts";

type Body = Record<string, unknown>;
const FAST = { RATE_LIMIT_DISABLED: "true" };

Deno.test("200 concurrent holds on one slot: exactly one 201 and 199 slot_unavailable", async () => {
  await using app = await startApp(FAST);
  const { api } = app;
  const doctor = await createDoctor(api, await api.loginAdmin());
  const [slot] = await firstSlots(api, doctor.id);
  const patients = await loginMany([api], 200);
  const results = await Promise.all(
    patients.map(({ session }) =>
      api.request<Body>("POST", "/v1/holds", {
        token: session.accessToken,
        body: { doctorId: doctor.id, start: slot.start },
      })
    ),
  );
  assert.deepEqual(tallyAnswers(results), { "201": 1, "409 slot_unavailable": 199 });
});

Deno.test("the same race across two server processes sharing one KV file has one winner", async () => {
  await using a = await startServer({ env: FAST });
  await using b = await startServer({ env: FAST, kvPath: a.kvPath });
  const apiA = new Api(a.url);
  const apiB = new Api(b.url);
  const doctor = await createDoctor(apiA, await apiA.loginAdmin());
  const [slot] = await firstSlots(apiB, doctor.id);
  const patients = await loginMany([apiA, apiB], 200);
  const results = await Promise.all(
    patients.map(({ api, session }) =>
      api.request<Body>("POST", "/v1/holds", {
        token: session.accessToken,
        body: { doctorId: doctor.id, start: slot.start },
      })
    ),
  );
  assert.deepEqual(tallyAnswers(results), { "201": 1, "409 slot_unavailable": 199 });

  const winner = patients[results.findIndex((r) => r.status === 201)];
  const hold = results.find((r) => r.status === 201)!.body;
  const code = await winner.api.latestCode(winner.session.phone);
  // Confirm through the other process than the one that created the hold.
  const other = winner.api === apiA ? apiB : apiA;
  const ok = await other.request<{ appointment: Body }>("POST", `/v1/holds/${hold.id}/confirm`, {
    token: winner.session.accessToken,
    body: { code },
  });
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  const again = await Promise.all(
    patients.slice(0, 50).map(({ api, session }) =>
      api.request<Body>("POST", "/v1/holds", {
        token: session.accessToken,
        body: { doctorId: doctor.id, start: slot.start },
      })
    ),
  );
  assert.ok(again.every((r) => r.status === 409), "a booked slot stays taken in both processes");
});

Deno.test("after a slot-length change, holds on the old and new grids never overlap", async () => {
  await using app = await startApp(FAST);
  const { api } = app;
  const admin = await api.loginAdmin();
  const doctor = await createDoctor(api, admin);
  const day = dateInDays(4);
  const slots30 = await firstSlots(api, doctor.id, day);
  const patients = await loginMany([api], 60);
  const at = (hhmm: string) => new Date(Date.parse(`${day}T${hhmm}:00+05:30`)).toISOString();

  // Deterministic case: 10:00–10:30 held on the 30-minute grid blocks 09:45–10:30 on the 45-minute one.
  const first = await api.request<Body>("POST", "/v1/holds", {
    token: patients[0].session.accessToken,
    body: { doctorId: doctor.id, start: at("10:00") },
  });
  assert.equal(first.status, 201);
  assert.ok(slots30.some((s) => s.start === at("10:00")));

  const switchGrid = api.request("PATCH", `/v1/admin/doctors/${doctor.id}`, {
    token: admin.accessToken,
    body: { slotMinutes: 45 },
  });
  // Race: half the patients aim at the old grid's 10:30, half at the new grid's 10:30 and 09:45.
  const targets = ["10:30", "09:45", "10:30", "11:00", "11:15"];
  const racing = patients.slice(1).map(({ session }, i) =>
    api.request<Body>("POST", "/v1/holds", {
      token: session.accessToken,
      body: { doctorId: doctor.id, start: at(targets[i % targets.length]) },
    })
  );
  const [switched, ...results] = await Promise.all([switchGrid, ...racing]);
  assert.equal(switched.status, 200);
  assert.ok(
    results.every((r) => [201, 409, 422].includes(r.status)),
    JSON.stringify(tallyAnswers(results)),
  );
  const held = [first, ...results].filter((r) => r.status === 201).map((r) => ({
    start: Date.parse(r.body.start as string),
    end: Date.parse(r.body.end as string),
  }));
  for (let i = 0; i < held.length; i++) {
    for (let j = i + 1; j < held.length; j++) {
      const overlap = held[i].start < held[j].end && held[j].start < held[i].end;
      assert.ok(!overlap, `holds ${i} and ${j} overlap: ${JSON.stringify([held[i], held[j]])}`);
    }
  }
  const blocked = await api.request<Body>("POST", "/v1/holds", {
    token: patients[59].session.accessToken,
    body: { doctorId: doctor.id, start: at("09:45") },
  });
  assert.ok(
    blocked.status === 409 || held.some((h) => h.start === Date.parse(at("09:45"))),
    "09:45–10:30 on the new grid overlaps the held 10:00–10:30",
  );
});

Deno.test("listings on two processes never offer a slot once its hold answered, and offer it again once released", async () => {
  await using a = await startServer({ env: FAST });
  await using b = await startServer({ env: FAST, kvPath: a.kvPath });
  const apiA = new Api(a.url);
  const apiB = new Api(b.url);
  const doctor = await createDoctor(apiA, await apiA.loginAdmin());
  const day = dateInDays(3);
  // Both processes have listed the day, so each holds a view of the doctor's calendar.
  const offered = await firstSlots(apiA, doctor.id, day);
  assert.deepEqual(await firstSlots(apiB, doctor.id, day), offered);
  const patients = await loginMany([apiA, apiB], 12);
  const starts = (slots: { start: string }[]) => new Set(slots.map((s) => s.start));

  // Holds race on 12 slots while both processes keep listing; every listing that starts after a
  // hold answered 201 must not offer that slot, on either process.
  const listing = await Promise.all(patients.map(async ({ api, session }, i) => {
    const slot = offered[i];
    const other = api === apiA ? apiB : apiA;
    const noise = firstSlots(other, doctor.id, day);
    const held = await api.request<Body>("POST", "/v1/holds", {
      token: session.accessToken,
      body: { doctorId: doctor.id, start: slot.start },
    });
    assert.equal(held.status, 201, JSON.stringify(held.body));
    await noise;
    const [onA, onB] = await Promise.all([
      firstSlots(apiA, doctor.id, day),
      firstSlots(apiB, doctor.id, day),
    ]);
    assert.ok(!starts(onA).has(slot.start), `process A still offers held ${slot.start}`);
    assert.ok(!starts(onB).has(slot.start), `process B still offers held ${slot.start}`);
    return { api, other, session, hold: held.body };
  }));

  // Release half through the other process: right after the 204 both processes offer them again.
  for (const { other, session, hold } of listing.slice(0, 6)) {
    const released = await other.request("DELETE", `/v1/holds/${hold.id}`, {
      token: session.accessToken,
    });
    assert.equal(released.status, 204);
    for (const api of [apiA, apiB]) {
      assert.ok(starts(await firstSlots(api, doctor.id, day)).has(hold.start as string));
    }
  }
  // Confirm one of the rest and cancel it: offered again right after the cancel answered.
  const { api, other, session, hold } = listing[6];
  const confirmed = await other.request<{ appointment: Body }>(
    "POST",
    `/v1/holds/${hold.id}/confirm`,
    { token: session.accessToken, body: { code: await api.latestCode(session.phone) } },
  );
  assert.equal(confirmed.status, 201, JSON.stringify(confirmed.body));
  assert.ok(!starts(await firstSlots(api, doctor.id, day)).has(hold.start as string));
  const cancelled = await api.request(
    "POST",
    `/v1/appointments/${confirmed.body.appointment.id}/cancel`,
    {
      token: session.accessToken,
      body: {},
    },
  );
  assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
  for (const each of [apiA, apiB]) {
    assert.ok(starts(await firstSlots(each, doctor.id, day)).has(hold.start as string));
  }
});

Deno.test("a storm of shared listings on two processes and many doctors: no held slot once answered, released ones at once", async () => {
  await using a = await startServer({ env: FAST });
  await using b = await startServer({ env: FAST, kvPath: a.kvPath });
  const apis = [new Api(a.url), new Api(b.url)];
  const admin = await apis[0].loginAdmin();
  const doctors: string[] = [];
  for (let i = 0; i < 6; i++) doctors.push((await createDoctor(apis[0], admin)).id);
  const patients = (await loginMany(apis, 12)).map((p) => p.session);
  const checked = await listingStorm({ apis, doctors, day: dateInDays(3), patients });
  assert.ok(checked > 100, `only ${checked} listings fell inside the windows`);
});
