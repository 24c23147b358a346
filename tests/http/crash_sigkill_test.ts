/**
 * kill -9 at several points of confirm, cancel and reschedule: the server runs with
 * `FAULT_INJECTION=<step>.<point>:hang`, freezes exactly there (before or after the step's one
 * atomic commit), and this test kills it with SIGKILL, then restarts it on the same KV and checks
 * that the change happened entirely or not at all, that a retry finishes it once, and that the
 * doctor's calendar agrees (no slot lost, none doubly booked).
 */
import assert from "node:assert/strict";
import { Api, createDoctor, dateInDays, firstSlots, randomPhone } from "../_harness/api.ts";
import { startServer, type TestServer } from "../_harness/server.ts";

type Body = Record<string, unknown>;
type Step = "confirm" | "cancel" | "reschedule";
type Point = "before_commit" | "after_commit";

async function untilHanging(server: TestServer, point: string) {
  const deadline = Date.now() + 15_000;
  while (!server.logs().includes(`fault injection: hanging at ${point}`)) {
    if (Date.now() > deadline) throw new Error(`never reached ${point}:\n${server.logs()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function holdWithCode(
  api: Api,
  token: string,
  phone: string,
  doctorId: string,
  start: string,
) {
  const hold = await api.request<Body>("POST", "/v1/holds", {
    token,
    body: { doctorId, start },
  });
  assert.equal(hold.status, 201, JSON.stringify(hold.body));
  return { id: hold.body.id as string, code: await api.latestCode(phone) };
}

async function crashAt(step: Step, point: Point) {
  const crashing = await startServer({
    env: { FAULT_INJECTION: `${step}.${point}:hang`, RATE_LIMIT_DISABLED: "true" },
  });
  const api = new Api(crashing.url);
  const doctor = await createDoctor(api, await api.loginAdmin());
  const day = dateInDays(2);
  const [a, b] = await firstSlots(api, doctor.id, day);
  const phone = randomPhone();
  const patient = await api.login(phone);
  const token = patient.accessToken;

  const first = await holdWithCode(api, token, phone, doctor.id, a.start);
  let appointmentId = "";
  let moveHold = "";
  let request: () => Promise<unknown>;
  if (step === "confirm") {
    request = () =>
      api.request("POST", `/v1/holds/${first.id}/confirm`, { token, body: { code: first.code } });
  } else {
    const ok = await api.request<{ appointment: Body }>(
      "POST",
      `/v1/holds/${first.id}/confirm`,
      { token, body: { code: first.code } },
    );
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    appointmentId = ok.body.appointment.id as string;
    if (step === "cancel") {
      request = () =>
        api.request("POST", `/v1/appointments/${appointmentId}/cancel`, { token, body: {} });
    } else {
      moveHold = (await holdWithCode(api, token, phone, doctor.id, b.start)).id;
      request = () =>
        api.request("POST", `/v1/appointments/${appointmentId}/reschedule`, {
          token,
          body: { holdId: moveHold },
        });
    }
  }
  const pending = request().catch(() => "connection lost");
  await untilHanging(crashing, `${step}.${point}`);
  await crashing.kill();
  assert.equal(crashing.exitStatus()?.signal, "SIGKILL", `${step}.${point}: killed by SIGKILL`);
  await pending;

  await using server = await startServer({
    env: { RATE_LIMIT_DISABLED: "true" },
    kvPath: crashing.kvPath,
    port: crashing.port,
  });
  const mine = async () =>
    (await api.request<{ items: Body[] }>("GET", "/v1/appointments", { token })).body.items;
  const free = async () => (await firstSlots(api, doctor.id, day)).map((s) => s.start);
  const before = await mine();

  if (step === "confirm") {
    assert.equal(before.length, point === "after_commit" ? 1 : 0, "all or nothing");
    const retry = await api.request<{ appointment: Body }>(
      "POST",
      `/v1/holds/${first.id}/confirm`,
      { token, body: { code: first.code } },
    );
    assert.equal(retry.status, 201, JSON.stringify(retry.body));
    const after = await mine();
    assert.equal(after.length, 1, "booked exactly once");
    if (point === "after_commit") assert.equal(retry.body.appointment.id, before[0].id);
    assert.ok(!(await free()).includes(a.start), "the booked slot is not offered");
  } else if (step === "cancel") {
    assert.equal(before[0].status, point === "after_commit" ? "cancelled" : "confirmed");
    const retry = await api.request<Body>("POST", `/v1/appointments/${appointmentId}/cancel`, {
      token,
      body: {},
    });
    assert.ok([200, 409].includes(retry.status), `${retry.status} ${JSON.stringify(retry.body)}`);
    assert.equal((await mine())[0].status, "cancelled");
    assert.ok((await free()).includes(a.start), "the cancelled slot is offered again");
  } else {
    assert.equal(before.length, 1);
    assert.equal(before[0].start, point === "after_commit" ? b.start : a.start, "all or nothing");
    const retry = await api.request<Body>(
      "POST",
      `/v1/appointments/${appointmentId}/reschedule`,
      { token, body: { holdId: moveHold } },
    );
    assert.equal(retry.status, 200, JSON.stringify(retry.body));
    assert.equal(retry.body.start, b.start);
    const after = await mine();
    assert.equal(after.length, 1);
    assert.equal(after[0].start, b.start, "moved once, to the new time");
    const open = await free();
    assert.ok(open.includes(a.start), "the old slot is free again");
    assert.ok(!open.includes(b.start), "the new slot is taken");
  }
  void server;
}

for (const step of ["confirm", "cancel", "reschedule"] as const) {
  for (const point of ["before_commit", "after_commit"] as const) {
    Deno.test(`kill -9 at ${step}.${point}: all or nothing, a retry finishes it once`, () =>
      crashAt(step, point));
  }
}
