/**
 * The typed client (clients/vaidya.ts, openapi-fetch over types generated from /openapi.json)
 * drives a whole booking against the real app served on loopback: login through the OTP flow,
 * a doctor registered by an admin, hold -> confirm -> appointment -> cancel. Every path, body and
 * answer here is type-checked against the document, so a contract change that breaks clients
 * breaks this test at `deno check` or at run time. Also: the committed types match the document
 * (`deno task client:gen --check`).
 */
import assert from "node:assert/strict";
import { createVaidyaClient, type VaidyaClient } from "../../clients/vaidya.ts";
import { startInProcess } from "../_harness/in_process.ts";
import { randomPhone, WEEKDAYS } from "../_harness/api.ts";
import { ADMIN_PHONE } from "../_harness/server.ts";
import { runTask } from "../scripts/_run_task.ts";

async function signIn(url: string, phone: string): Promise<VaidyaClient> {
  const anon = createVaidyaClient(url);
  const otp = await anon.POST("/v1/auth/otp", { body: { phone } });
  assert.equal(otp.response.status, 202);
  const outbox = await anon.GET("/v1/dev/outbox", { params: { query: { to: phone } } });
  const code = outbox.data?.messages.find((m) => m.code)?.code;
  assert.ok(code, "a code in the dev outbox");
  const verified = await anon.POST("/v1/auth/verify", { body: { phone, code } });
  assert.ok(verified.data, JSON.stringify(verified.error));
  return createVaidyaClient(url, { token: verified.data.accessToken });
}

Deno.test("typed client: hold, confirm, read and cancel an appointment against the real app", async () => {
  await using app = await startInProcess();
  const url = app.api.baseUrl;
  const admin = await signIn(url, ADMIN_PHONE);
  const doctor = await admin.POST("/v1/admin/doctors", {
    body: {
      name: "Dr. Meera Nair",
      phone: randomPhone(),
      specializations: ["Kayachikitsa"],
      languages: ["en", "ml"],
      city: "Kochi",
      timezone: "Asia/Kolkata",
      slotMinutes: 30,
    },
  });
  assert.ok(doctor.data, JSON.stringify(doctor.error));
  const doctorId = doctor.data.id;
  const hours = await admin.PUT("/v1/doctors/{id}/availability", {
    params: { path: { id: doctorId } },
    body: {
      weekly: WEEKDAYS.map((day) => ({ day, start: "09:00", end: "17:00" })),
      overrides: [],
      minNoticeMinutes: 0,
      horizonDays: 30,
    },
  });
  assert.equal(hours.response.status, 200, JSON.stringify(hours.error));

  const patientPhone = randomPhone();
  const patient = await signIn(url, patientPhone);
  const day = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Kolkata" })
    .format(Date.now() + 2 * 86_400_000);
  const slots = await patient.GET("/v1/doctors/{id}/slots", {
    params: { path: { id: doctorId }, query: { from: day, to: day } },
  });
  const slot = slots.data?.slots[0];
  assert.ok(slot, "a free slot in two days");

  const hold = await patient.POST("/v1/holds", {
    body: { doctorId, start: slot.start },
    params: { header: { "Idempotency-Key": crypto.randomUUID() } },
  });
  assert.ok(hold.data, JSON.stringify(hold.error));
  const outbox = await patient.GET("/v1/dev/outbox", {
    params: { query: { to: patientPhone } },
  });
  const code = outbox.data?.messages.find((m) => m.code)?.code;
  assert.ok(code);
  const confirmed = await patient.POST("/v1/holds/{id}/confirm", {
    params: { path: { id: hold.data.id } },
    body: { code },
  });
  assert.ok(confirmed.data, JSON.stringify(confirmed.error));
  const id = confirmed.data.appointment.id;

  const read = await patient.GET("/v1/appointments/{id}", { params: { path: { id } } });
  assert.equal(read.data?.status, "confirmed");
  assert.equal(read.data?.start, slot.start);
  const cancelled = await patient.POST("/v1/appointments/{id}/cancel", {
    params: { path: { id } },
    body: { reason: "Travelling" },
  });
  assert.equal(cancelled.data?.status, "cancelled");

  // A typed error answer: a foreign id is a problem+json 404 in `error`.
  const missing = await patient.GET("/v1/appointments/{id}", {
    params: { path: { id: "apt_does_not_exist" } },
  });
  assert.equal(missing.response.status, 404);
  assert.equal(missing.error?.code, "not_found");
});

Deno.test("clients/vaidya_api.ts matches the served /openapi.json (deno task client:gen --check)", async () => {
  const res = await runTask("client:gen", ["--check"], await Deno.makeTempDir());
  assert.equal(res.code, 0, res.stdout + res.stderr);
});
