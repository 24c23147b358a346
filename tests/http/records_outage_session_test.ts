/**
 * Sessions while the records store is down (MongoDB records on a real FerretDB, halted): an
 * admin's refresh needs no record and still answers 200, as an admin's role comes from
 * ADMIN_PHONES or KV; a patient's, which must ask whether the phone is a doctor's now, answers a
 * clean 503 (never a 500, never a session it could not check), and that failed refresh leaves its
 * token unused: once the store is back, the client's retry with the same token succeeds (before,
 * the token counted as used and the retry was refused as reuse, ending the session).
 */
import assert from "node:assert/strict";
import { Api, randomPhone, type Session } from "../_harness/api.ts";
import { appEnv, startFerretDb } from "../_harness/ferretdb.ts";
import { startServer } from "../_harness/server.ts";

const refresh = (api: Api, s: Session) =>
  api.request<Session & { code?: string }>("POST", "/v1/auth/refresh", {
    body: { refreshToken: s.refreshToken },
  });

Deno.test("records down: an admin's session refreshes, a patient's answers 503 until they are back", async () => {
  const mongo = await startFerretDb();
  try {
    await using server = await startServer({
      env: { RATE_LIMIT_DISABLED: "true", ...appEnv(mongo), MONGODB_TIMEOUT_MS: "1000" },
    });
    const api = new Api(server.url);
    let admin = await api.loginAdmin();
    let patient = await api.login(randomPhone());
    assert.equal(patient.user.role, "patient");

    await mongo.halt();
    const adminRefresh = await refresh(api, admin);
    assert.equal(adminRefresh.status, 200, JSON.stringify(adminRefresh.body));
    assert.equal(adminRefresh.body.user.role, "admin");
    admin = { ...adminRefresh.body, phone: admin.phone };
    const patientRefresh = await refresh(api, patient);
    assert.equal(patientRefresh.status, 503, JSON.stringify(patientRefresh.body));

    await mongo.restart();
    // The same token as the refresh that failed; the driver finds the server within a few heartbeats.
    let back = await refresh(api, patient);
    for (let i = 0; i < 50 && back.status === 503; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      back = await refresh(api, patient);
    }
    assert.equal(back.status, 200, JSON.stringify(back.body));
    assert.equal(back.body.user.role, "patient");
    patient = { ...back.body, phone: patient.phone };
    assert.equal((await refresh(api, admin)).status, 200);
  } finally {
    await mongo.stop();
  }
});
