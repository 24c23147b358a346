/**
 * Events end to end against the real server process: admin-only audit and webhook endpoints,
 * a signed webhook delivery retried after failures, patient messages from the event bus, the
 * audit trail of a booking and of a notes read, the waitlist, and `deno task audit:verify`.
 */
import assert from "node:assert/strict";
import { eventually } from "../_harness/eventually.ts";
import { book } from "../_harness/book.ts";
import { Api, createDoctor, dateInDays, firstSlots, randomPhone } from "../_harness/api.ts";
import { startServer } from "../_harness/server.ts";
import { receiverAccepts } from "../_harness/webhook_signature.ts";

type Body = Record<string, unknown>;

Deno.test("events over HTTP: webhooks, audit, patient messages and the waitlist", async (t) => {
  const received: { body: string; signature: string }[] = [];
  const statuses = [500, 500];
  const receiver = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    received.push({ body: await req.text(), signature: req.headers.get("vaidya-signature")! });
    return new Response(null, { status: statuses.shift() ?? 204 });
  });
  await using server = await startServer({
    env: { EVENT_RETRY_BASE_MS: "50", EVENT_MAX_ATTEMPTS: "5", RATE_LIMIT_DISABLED: "true" },
  });
  const api = new Api(server.url);
  const admin = await api.loginAdmin();
  const doctor = await createDoctor(api, admin);
  const doc = await api.login(doctor.phone);
  const patient = await api.login(randomPhone());
  const other = await api.login(randomPhone());
  const day = dateInDays(4);
  let secret = "";
  let appointmentId = "";

  await t.step("audit and webhooks answer admins only", async () => {
    for (const path of ["/v1/admin/audit", "/v1/admin/webhooks"]) {
      assert.equal((await api.request("GET", path)).status, 401);
      assert.equal((await api.request("GET", path, { token: patient.accessToken })).status, 403);
      assert.equal((await api.request("GET", path, { token: doc.accessToken })).status, 403);
      assert.equal((await api.request("GET", path, { token: admin.accessToken })).status, 200);
    }
    const denied = await api.request("POST", "/v1/admin/webhooks", {
      token: doc.accessToken,
      body: { url: "http://127.0.0.1:9/x", events: ["appointment.confirmed"] },
    });
    assert.equal(denied.status, 403);
  });

  await t.step("an admin registers a webhook; the secret is shown once", async () => {
    const bad = await api.request("POST", "/v1/admin/webhooks", {
      token: admin.accessToken,
      body: { url: "ftp://clinic.example/x", events: ["appointment.confirmed"] },
    });
    assert.equal(bad.status, 400);
    const res = await api.request<Body>("POST", "/v1/admin/webhooks", {
      token: admin.accessToken,
      body: {
        url: `http://127.0.0.1:${receiver.addr.port}/vaidya`,
        events: ["appointment.confirmed"],
      },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    secret = res.body.secret as string;
    assert.match(secret, /^whsec_/);
    const list = await api.request<{ items: Body[] }>("GET", "/v1/admin/webhooks", {
      token: admin.accessToken,
    });
    assert.equal(JSON.stringify(list.body).includes(secret), false);
  });

  await t.step("a booking is delivered, signed, after two failed tries", async () => {
    const [slot] = await firstSlots(api, doctor.id, day);
    const booked = await book(api, patient, doctor.id, slot.start, {
      reason: "persistent migraine",
    });
    appointmentId = booked.appointment.id;

    await eventually(
      "three webhook tries",
      () => Promise.resolve(received.length >= 3 ? true : undefined),
    );
    const nowSec = Math.floor(Date.now() / 1000);
    for (const r of received) assert.ok(receiverAccepts(r.signature, secret, r.body, nowSec));
    const payload = JSON.parse(received[2].body);
    assert.equal(payload.type, "appointment.confirmed");
    assert.equal(payload.data.appointmentId, appointmentId);
    assert.equal(received[2].body.includes("migraine"), false, "no medical text in webhooks");

    const listed = await eventually("the success to be recorded", async () => {
      const list = await api.request<{ items: { status: string; recentAttempts: Body[] }[] }>(
        "GET",
        "/v1/admin/webhooks",
        { token: admin.accessToken },
      );
      return list.body.items[0].status === "healthy" ? list.body.items[0] : undefined;
    });
    assert.deepEqual(listed.recentAttempts.map((a) => a.httpStatus), [204, 500, 500]);
  });

  await t.step("the patient gets a confirmation message without medical text", async () => {
    const msg = await eventually("the confirmation message", async () => {
      const res = await api.request<{ messages: { body: string }[] }>(
        "GET",
        `/v1/dev/outbox?to=${encodeURIComponent(patient.phone)}`,
      );
      return res.body.messages.find((m) => /confirmed for/.test(m.body));
    });
    assert.equal(msg.body.includes("migraine"), false);
  });

  await t.step("booking, note writes and note reads are in the audit trail", async () => {
    const patch = await api.request("PATCH", `/v1/appointments/${appointmentId}`, {
      token: doc.accessToken,
      body: { notes: "Prescribed triphala" },
    });
    assert.equal(patch.status, 200, JSON.stringify(patch.body));
    const read = await api.request("GET", `/v1/appointments/${appointmentId}`, {
      token: doc.accessToken,
    });
    assert.equal(read.status, 200);
    const audit = await api.request<{ items: Body[] }>(
      "GET",
      `/v1/admin/audit?appointmentId=${appointmentId}`,
      { token: admin.accessToken },
    );
    assert.equal(audit.status, 200);
    assert.deepEqual(audit.body.items.map((e) => e.action), [
      "appointment.notes_read",
      "appointment.notes_write",
      "appointment.book",
    ]);
    assert.equal(audit.body.items[0].actorId, doc.user.id);
    assert.equal(JSON.stringify(audit.body).includes("triphala"), false);
    const byActor = await api.request<{ items: Body[] }>(
      "GET",
      `/v1/admin/audit?actorId=${patient.user.id}&limit=1`,
      { token: admin.accessToken },
    );
    assert.equal(byActor.body.items[0].action, "appointment.book");
  });

  await t.step("the waitlist: idempotent join, message when the slot frees, leave", async () => {
    const join = () =>
      api.request<Body>("POST", `/v1/doctors/${doctor.id}/waitlist`, {
        token: other.accessToken,
        body: { date: day },
      });
    const first = await join();
    assert.equal(first.status, 201, JSON.stringify(first.body));
    const again = await join();
    assert.equal(again.status, 200);
    assert.equal(again.body.id, first.body.id);
    const byDoctor = await api.request("POST", `/v1/doctors/${doctor.id}/waitlist`, {
      token: doc.accessToken,
      body: { date: day },
    });
    assert.equal(byDoctor.status, 403);
    const badDate = await api.request("POST", `/v1/doctors/${doctor.id}/waitlist`, {
      token: other.accessToken,
      body: { date: "01-12-2026" },
    });
    assert.equal(badDate.status, 400);

    const cancel = await api.request("POST", `/v1/appointments/${appointmentId}/cancel`, {
      token: patient.accessToken,
      body: {},
    });
    assert.equal(cancel.status, 200, JSON.stringify(cancel.body));
    await eventually("the waitlist message", async () => {
      const res = await api.request<{ messages: { body: string }[] }>(
        "GET",
        `/v1/dev/outbox?to=${encodeURIComponent(other.phone)}`,
      );
      return res.body.messages.find((m) => /slot opened/.test(m.body));
    });
    const mine = await api.request<{ items: Body[] }>("GET", "/v1/waitlist", {
      token: other.accessToken,
    });
    assert.equal(mine.body.items.length, 1);
    assert.ok(mine.body.items[0].notifiedAt);
    const del = await api.request("DELETE", `/v1/waitlist/${first.body.id}`, {
      token: other.accessToken,
    });
    assert.equal(del.status, 204);
    const gone = await api.request("DELETE", `/v1/waitlist/${first.body.id}`, {
      token: other.accessToken,
    });
    assert.equal(gone.status, 404);
  });

  await t.step("deno task audit:verify passes on the server's store", async () => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "scripts/audit_verify.ts", "--kv", server.kvPath],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, text);
    assert.match(text, /intact: \d+ entries/);
  });

  await receiver.shutdown();
});
