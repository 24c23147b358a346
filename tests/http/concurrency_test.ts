/**
 * Invariant 1 under concurrency: no doctor ever has two active claims on overlapping time — with
 * 200 patients racing for one slot on one server, the same race across two server processes that
 * share one KV file, and holds on two different slot grids after the doctor changes slot length.
 */
import assert from "node:assert/strict";
import {
  Api,
  createDoctor,
  dateInDays,
  firstSlots,
  randomPhone,
  type Session,
} from "../_harness/api.ts";
import { startServer } from "../_harness/server.ts";

type Body = Record<string, unknown>;
const FAST = { RATE_LIMIT_DISABLED: "true" };

async function loginMany(apis: Api[], n: number): Promise<{ api: Api; session: Session }[]> {
  const out: { api: Api; session: Session }[] = [];
  for (let i = 0; i < n; i += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, n - i) }, async (_, j) => {
        const api = apis[(i + j) % apis.length];
        return { api, session: await api.login(randomPhone()) };
      }),
    );
    out.push(...batch);
  }
  return out;
}

function tally(results: { status: number; body: Body }[]) {
  const counts: Record<string, number> = {};
  for (const r of results) {
    const key = r.status === 201 ? "201" : `${r.status} ${r.body.code}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

Deno.test("200 concurrent holds on one slot: exactly one 201 and 199 slot_unavailable", async () => {
  await using server = await startServer({ env: FAST });
  const api = new Api(server.url);
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
  assert.deepEqual(tally(results), { "201": 1, "409 slot_unavailable": 199 });
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
  assert.deepEqual(tally(results), { "201": 1, "409 slot_unavailable": 199 });

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
  await using server = await startServer({ env: FAST });
  const api = new Api(server.url);
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
    JSON.stringify(tally(results)),
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
