/**
 * Every privileged change an admin makes over the API leaves an audit entry naming who, what and
 * when, with ids only: never the doctor's phone, the webhook's URL or its secret.
 */
import assert from "node:assert/strict";
import { createAuditKeyring, parseAuditKeys } from "../../src/audit/audit_keys.ts";
import { verifyAuditChain } from "../../src/audit/audit_verify.ts";
import { startApp } from "../_harness/app.ts";
import { createDoctor } from "../_harness/api.ts";

type Entry = Record<string, unknown>;

const AUDIT_KEY = `t1:${btoa("k".repeat(32))}`;

Deno.test("admin actions on doctors and webhooks are in the audit trail, ids only", async () => {
  await using app = await startApp({ AUDIT_KEY });
  const { api } = app;
  const admin = await api.loginAdmin();
  const adminId = admin.user.id;
  const token = admin.accessToken;

  const doctor = await createDoctor(api, admin); // create + availability
  const patched = await api.request("PATCH", `/v1/admin/doctors/${doctor.id}`, {
    token,
    body: { city: "Mumbai" },
  });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));

  const url = "http://127.0.0.1:9/clinic-hook";
  const created = await api.request<{ id: string; secret: string }>(
    "POST",
    "/v1/admin/webhooks",
    { token, body: { url, events: ["appointment.confirmed"] } },
  );
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const hookId = created.body.id;
  const rotated = await api.request<{ secret: string }>(
    "POST",
    `/v1/admin/webhooks/${hookId}/rotate-secret`,
    { token },
  );
  assert.equal(rotated.status, 200);
  const removed = await api.request("DELETE", `/v1/admin/webhooks/${hookId}`, { token });
  assert.equal(removed.status, 204);

  const page = await api.request<{ items: Entry[] }>(
    "GET",
    `/v1/admin/audit?actorId=${adminId}&limit=50`,
    { token },
  );
  assert.equal(page.status, 200);
  const actions = page.body.items.map((e) => `${e.action} ${e.doctorId ?? e.targetId}`).reverse();
  assert.deepEqual(actions, [
    `doctor.create ${doctor.id}`,
    `doctor.availability_set ${doctor.id}`,
    `doctor.update ${doctor.id}`,
    `webhook.register ${hookId}`,
    `webhook.rotate_secret ${hookId}`,
    `webhook.delete ${hookId}`,
  ]);
  for (const e of page.body.items) {
    assert.equal(e.actorId, adminId);
    assert.equal(e.actorRole, "admin");
    assert.match(String(e.at), /^\d{4}-\d\d-\d\dT/);
  }
  const text = JSON.stringify(page.body);
  for (const secret of [created.body.secret, rotated.body.secret, doctor.phone, url]) {
    assert.equal(text.includes(secret), false, `the trail holds ${secret}`);
  }
  const keys = await createAuditKeyring(parseAuditKeys(AUDIT_KEY));
  assert.deepEqual(await verifyAuditChain(app.runtime.kv, keys), {
    ok: true,
    checked: 6,
    broken: null,
  });
});

Deno.test("a doctor setting their own hours is not an admin action in the trail", async () => {
  await using app = await startApp();
  const { api } = app;
  const admin = await api.loginAdmin();
  const doctor = await createDoctor(api, admin);
  const doc = await api.login(doctor.phone);
  const res = await api.request("PUT", `/v1/doctors/${doctor.id}/availability`, {
    token: doc.accessToken,
    body: { weekly: [{ day: "mon", start: "10:00", end: "12:00" }], overrides: [] },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const page = await api.request<{ items: Entry[] }>(
    "GET",
    `/v1/admin/audit?actorId=${doc.user.id}`,
    { token: admin.accessToken },
  );
  assert.deepEqual(page.body.items, []);
});
