/**
 * Invariant 2 and 3 across crashes: the server is killed with SIGKILL between hold and confirm,
 * and between confirm's steps (a test-only crash point), then restarted on the same KV file. The
 * slot ends up booked exactly once or free again after the hold's expiry — never stuck, never twice.
 */
import assert from "node:assert/strict";
import { Api, createDoctor, dateInDays, firstSlots, randomPhone } from "../_harness/api.ts";
import { startServer } from "../_harness/server.ts";

type Body = Record<string, unknown>;
const HOLD_TTL_SECONDS = 3;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("kill -9 between hold and confirm: the hold survives, or expires and frees the slot", async () => {
  const env = { HOLD_TTL_SECONDS: String(HOLD_TTL_SECONDS), OTP_RESEND_COOLDOWN_SECONDS: "0" };
  await using server = await startServer({ env });
  const api = new Api(server.url);
  const doctor = await createDoctor(api, await api.loginAdmin());
  const day = dateInDays(2);
  const [s1, s2] = await firstSlots(api, doctor.id, day);
  const patient = await api.login(randomPhone());

  const h1 = await api.request<Body>("POST", "/v1/holds", {
    token: patient.accessToken,
    body: { doctorId: doctor.id, start: s1.start },
  });
  const code1 = await api.latestCode(patient.phone);
  const h2 = await api.request<Body>("POST", "/v1/holds", {
    token: patient.accessToken,
    body: { doctorId: doctor.id, start: s2.start },
  });
  assert.equal(h1.status, 201);
  assert.equal(h2.status, 201);

  await server.kill();
  await server.restart();

  const held = await firstSlots(api, doctor.id, day);
  assert.ok(!held.some((s) => s.start === s1.start || s.start === s2.start), "holds survive");
  const ok = await api.request<{ appointment: Body }>("POST", `/v1/holds/${h1.body.id}/confirm`, {
    token: patient.accessToken,
    body: { code: code1 },
  });
  assert.equal(ok.status, 201, "a hold confirmed after the restart books");

  await sleep(HOLD_TTL_SECONDS * 1000 + 300);
  const after = await firstSlots(api, doctor.id, day);
  assert.ok(after.some((s) => s.start === s2.start), "the unconfirmed hold expired: free again");
  assert.ok(!after.some((s) => s.start === s1.start), "the confirmed one stays booked");
  const list = await api.request<{ items: Body[] }>("GET", "/v1/appointments", {
    token: patient.accessToken,
  });
  assert.equal(list.body.items.length, 1);
});

Deno.test("kill -9 between confirm's steps: booked exactly once, retry answers the same appointment", async () => {
  const base = { HOLD_TTL_SECONDS: String(HOLD_TTL_SECONDS) };
  const crashing = await startServer({ env: { ...base, FAULT_INJECTION: "confirm.after_commit" } });
  const api = new Api(crashing.url);
  const doctor = await createDoctor(api, await api.loginAdmin());
  const day = dateInDays(2);
  const [slot] = await firstSlots(api, doctor.id, day);
  const patient = await api.login(randomPhone());
  const hold = await api.request<Body>("POST", "/v1/holds", {
    token: patient.accessToken,
    body: { doctorId: doctor.id, start: slot.start },
  });
  assert.equal(hold.status, 201);
  const code = await api.latestCode(patient.phone);

  await assert.rejects(
    api.request("POST", `/v1/holds/${hold.body.id}/confirm`, {
      token: patient.accessToken,
      body: { code },
    }),
    "the process dies mid-confirm; the client sees a broken connection",
  );
  await crashing.stop();
  assert.match(crashing.logs(), /fault injection: crashing/);

  await using server = await startServer({
    env: base,
    kvPath: crashing.kvPath,
    port: crashing.port,
  });
  const list = await api.request<{ items: Body[] }>("GET", "/v1/appointments", {
    token: patient.accessToken,
  });
  assert.equal(list.body.items.length, 1, "the booking written before the crash is there");
  const retry = await api.request<{ appointment: Body }>(
    "POST",
    `/v1/holds/${hold.body.id}/confirm`,
    {
      token: patient.accessToken,
      body: { code },
    },
  );
  assert.equal(retry.status, 201, JSON.stringify(retry.body));
  assert.equal(retry.body.appointment.id, list.body.items[0].id, "the retry books nothing new");

  await sleep(HOLD_TTL_SECONDS * 1000 + 300);
  assert.ok(!(await firstSlots(api, doctor.id, day)).some((s) => s.start === slot.start));
  const other = await api.login(randomPhone());
  const steal = await api.request<Body>("POST", "/v1/holds", {
    token: other.accessToken,
    body: { doctorId: doctor.id, start: slot.start },
  });
  assert.equal(steal.status, 409, "never twice");
  const again = await api.request<{ items: Body[] }>("GET", "/v1/appointments", {
    token: patient.accessToken,
  });
  assert.equal(again.body.items.length, 1);
  void server;
});

Deno.test("kill -9 after a hold is stored but before its code is sent: the slot frees at expiry", async () => {
  const base = { HOLD_TTL_SECONDS: String(HOLD_TTL_SECONDS) };
  const crashing = await startServer({ env: { ...base, FAULT_INJECTION: "hold.after_create" } });
  const api = new Api(crashing.url);
  const doctor = await createDoctor(api, await api.loginAdmin());
  const day = dateInDays(2);
  const [slot] = await firstSlots(api, doctor.id, day);
  const patient = await api.login(randomPhone());
  await assert.rejects(
    api.request("POST", "/v1/holds", {
      token: patient.accessToken,
      body: { doctorId: doctor.id, start: slot.start },
    }),
  );
  await crashing.stop();
  await using server = await startServer({
    env: base,
    kvPath: crashing.kvPath,
    port: crashing.port,
  });
  assert.ok(!(await firstSlots(api, doctor.id, day)).some((s) => s.start === slot.start));
  await sleep(HOLD_TTL_SECONDS * 1000 + 300);
  assert.ok((await firstSlots(api, doctor.id, day)).some((s) => s.start === slot.start));
  void server;
});
