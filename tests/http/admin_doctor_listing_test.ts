/**
 * The admin's doctor listing (`GET /v1/admin/doctors?active=...`) on a real server, on KV records
 * and on MongoDB records (FerretDB): deactivated doctors only, active ones only or all, paged by
 * cursor, with the search's filters; public fields only (no phone); admins only; bad input 400.
 */
import assert from "node:assert/strict";
import { Api, createDoctor, randomPhone } from "../_harness/api.ts";
import { appEnv, startFerretDb } from "../_harness/ferretdb.ts";
import { assertProblem } from "../_harness/problem.ts";
import { startServer } from "../_harness/server.ts";

type Doctor = { id: string; active: boolean; deactivatedAt: string | null };
type Page = { items: Doctor[]; nextCursor: string | null };

async function listingScenario(api: Api) {
  const admin = await api.loginAdmin();
  const list = async (query: string) => {
    const res = await api.request<Page>("GET", `/v1/admin/doctors?${query}`, {
      token: admin.accessToken,
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };
  const ids = async (query: string) => (await list(query)).items.map((d) => d.id);
  const [a, b, c] = [
    await createDoctor(api, admin),
    await createDoctor(api, admin, { city: "Nashik" }),
    await createDoctor(api, admin),
  ];
  assert.deepEqual(await ids("active=false"), [], "nobody is deactivated yet");
  for (const d of [a, c]) {
    const off = await api.request("POST", `/v1/admin/doctors/${d.id}/deactivate`, {
      token: admin.accessToken,
    });
    assert.equal(off.status, 200, JSON.stringify(off.body));
  }

  const inactive = await list("active=false");
  assert.deepEqual(inactive.items.map((d) => d.id), [a.id, c.id]);
  assert.equal(inactive.nextCursor, null);
  for (const d of inactive.items) {
    assert.equal(d.active, false);
    assert.match(String(d.deactivatedAt), /^\d{4}-\d\d-\d\dT/);
    const text = JSON.stringify(d);
    assert.ok(!/phone/i.test(text), `no phone field: ${text}`);
    assert.ok(!text.includes(a.phone.slice(3)) && !text.includes(c.phone.slice(3)));
  }
  const first = await list("active=false&limit=1");
  assert.deepEqual(first.items.map((d) => d.id), [a.id]);
  assert.ok(first.nextCursor, "a second page");
  const second = await list(`active=false&limit=1&cursor=${first.nextCursor}`);
  assert.deepEqual([second.items.map((d) => d.id), second.nextCursor], [[c.id], null]);
  assert.deepEqual(await ids("active=true"), [b.id]);
  assert.deepEqual(await ids(""), [a.id, b.id, c.id], "absent: every doctor");
  assert.deepEqual(await ids("active=false&city=pune"), [a.id, c.id]);
  assert.deepEqual(await ids("active=false&city=Nashik"), []);
  assert.deepEqual(await ids("city=Nashik"), [b.id]);
  const search = await api.request<Page>("GET", "/v1/doctors?city=Pune");
  assert.deepEqual(search.body.items.map((d) => d.id), [], "the public search is unchanged");

  await api.request("POST", `/v1/admin/doctors/${a.id}/reactivate`, { token: admin.accessToken });
  assert.deepEqual(await ids("active=false"), [c.id], "listed at once: not cached");
  assert.deepEqual(await ids("active=true"), [a.id, b.id]);

  const patient = await api.login(randomPhone());
  const doctor = await api.login(b.phone);
  for (const who of [patient, doctor]) {
    assertProblem(
      await api.request("GET", "/v1/admin/doctors?active=false", { token: who.accessToken }),
      403,
      "forbidden",
    );
  }
  assertProblem(await api.request("GET", "/v1/admin/doctors?active=false"), 401, "unauthenticated");
  for (const bad of ["active=no", "active=", "limit=0", "limit=101", "cursor=%24%24"]) {
    assertProblem(
      await api.request("GET", `/v1/admin/doctors?${bad}`, { token: admin.accessToken }),
      400,
      "validation_failed",
    );
  }
  assertProblem(
    await api.request("GET", "/v1/admin/doctors?active=false&cursor=bm90LWEtY3Vyc29y", {
      token: admin.accessToken,
    }),
    400,
    "validation_failed",
  );
}

Deno.test("GET /v1/admin/doctors on KV records lists deactivated, active or all doctors, paged", async () => {
  await using server = await startServer({ env: { RATE_LIMIT_DISABLED: "true" } });
  await listingScenario(new Api(server.url));
});

Deno.test("GET /v1/admin/doctors on MongoDB records lists deactivated, active or all doctors, paged", async () => {
  const mongo = await startFerretDb();
  try {
    await using server = await startServer({
      env: { RATE_LIMIT_DISABLED: "true", ...appEnv(mongo) },
    });
    await listingScenario(new Api(server.url));
  } finally {
    await mongo.stop();
  }
});
