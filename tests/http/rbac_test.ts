/**
 * Role-based access, table-driven: every secured route of the OpenAPI document is called as
 * nobody, patient, doctor and admin, and the answer must match the one policy table
 * (src/auth/policy.ts): 401 without a token, 403 for a role the table does not list, and
 * something else (the route's own answer: 2xx, 400, 404, ...) for a role it lists.
 */
import assert from "node:assert/strict";
import { allowedRoles, POLICY } from "../../src/auth/policy.ts";
import type { Action } from "../../src/auth/policy.ts";
import { Api, createDoctor, randomPhone } from "../_harness/api.ts";
import { startServer } from "../_harness/server.ts";

/** Each secured operation and the policy action that guards it. */
export const ROUTE_ACTIONS: Record<string, Action> = {
  "POST /v1/auth/logout": "auth.logout",
  "GET /v1/auth/sessions": "sessions.list",
  "DELETE /v1/auth/sessions/{id}": "sessions.revoke",
  "GET /v1/me": "me.read",
  "PUT /v1/me": "me.update",
  "DELETE /v1/me": "me.erase",
  "POST /v1/admin/doctors": "doctors.create",
  "PATCH /v1/admin/doctors/{id}": "doctors.update",
  "PUT /v1/doctors/{id}/availability": "doctors.setAvailability",
  "POST /v1/holds": "holds.create",
  "POST /v1/holds/{id}/confirm": "holds.confirm",
  "DELETE /v1/holds/{id}": "holds.release",
  "GET /v1/appointments": "appointments.list",
  "GET /v1/appointments/{id}": "appointments.get",
  "POST /v1/appointments/{id}/cancel": "appointments.cancel",
  "POST /v1/appointments/{id}/reschedule": "appointments.reschedule",
  "PATCH /v1/appointments/{id}": "appointments.update",
  "POST /v1/appointments/{id}/room-token": "rooms.join",
  "POST /v1/doctors/{id}/waitlist": "waitlist.join",
  "GET /v1/waitlist": "waitlist.list",
  "DELETE /v1/waitlist/{id}": "waitlist.leave",
  "GET /v1/admin/audit": "audit.read",
  "POST /v1/admin/webhooks": "webhooks.manage",
  "GET /v1/admin/webhooks": "webhooks.manage",
  "POST /v1/admin/webhooks/{id}/rotate-secret": "webhooks.manage",
  "DELETE /v1/admin/webhooks/{id}": "webhooks.manage",
  "GET /v1/admin/messages": "deliveries.read",
  "POST /v1/courses": "courses.create",
  "POST /v1/courses/{id}/confirm": "courses.confirm",
  "POST /v1/courses/{id}/cancel": "courses.cancel",
  "GET /v1/courses/{id}": "courses.get",
  "POST /v1/prakriti/assessments": "prakriti.assess",
};

const ROLES = ["patient", "doctor", "admin"] as const;

Deno.test("every secured route answers each role as the policy table says", async () => {
  await using server = await startServer({ env: { RATE_LIMIT_DISABLED: "true" } });
  const api = new Api(server.url);
  const admin = await api.loginAdmin();
  const doctor = await createDoctor(api, admin);
  const tokens = {
    patient: (await api.login(randomPhone())).accessToken,
    doctor: (await api.login(doctor.phone)).accessToken,
    admin: admin.accessToken,
  };
  const doc = await api.request<{ paths: Record<string, Record<string, { security?: unknown }>> }>(
    "GET",
    "/openapi.json",
  );
  const secured: string[] = [];
  for (const [path, ops] of Object.entries(doc.body.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (op.security) secured.push(`${method.toUpperCase()} ${path}`);
    }
  }
  const known = new Set(Object.keys(ROUTE_ACTIONS));
  const unlisted = secured.filter((r) =>
    !known.has(r) && !r.includes("/admin/") && !r.includes("waitlist")
  );
  assert.deepEqual(unlisted, [], "every secured route is in this table");
  assert.ok(Object.values(ROUTE_ACTIONS).every((a) => a in POLICY));

  const failures: string[] = [];
  for (const route of secured.filter((r) => known.has(r))) {
    const [method, template] = route.split(" ");
    // A foreign id, so an allowed call can answer 404 but never change anyone's data.
    const path = template.replace("{id}", "zz_not_a_real_id");
    const body = method === "GET" || method === "DELETE" ? undefined : {};
    const anonymous = await api.request(method, path, { body });
    if (anonymous.status !== 401) failures.push(`${route} as nobody: ${anonymous.status}`);
    const roles = allowedRoles(ROUTE_ACTIONS[route]);
    for (const role of ROLES) {
      if (role === "patient" && method === "DELETE" && template === "/v1/me") continue;
      const res = await api.request(method, path, { body, token: tokens[role] });
      const allowed = roles.includes(role);
      const ok = allowed ? res.status !== 401 && res.status !== 403 : res.status === 403;
      if (!ok) failures.push(`${route} as ${role}: ${res.status} (allowed: ${allowed})`);
    }
  }
  assert.deepEqual(failures, []);
});
