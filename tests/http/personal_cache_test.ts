/**
 * Personal answers are not kept by HTTP caches: tokens (RFC 6749 §5.1), a patient's profile,
 * appointments and the problems answered to a signed-in caller carry `Cache-Control: no-store`,
 * so a shared browser, a kiosk or a caching proxy cannot hand them to the next person. Public
 * answers and the explorer's assets keep their own caching. In-process app.
 */
import assert from "node:assert/strict";
import { startAppWithDoctor } from "../_harness/app.ts";
import { book } from "../_harness/book.ts";
import { randomPhone } from "../_harness/api.ts";

Deno.test("personal answers carry Cache-Control: no-store; public ones keep their caching", async (t) => {
  await using app = await startAppWithDoctor();
  const { api, patient, doctor, slots } = app;
  const token = patient.accessToken;
  const cacheOf = async (method: string, path: string, options = {}) => {
    const res = await api.request(method, path, options);
    return { status: res.status, cache: res.headers.get("cache-control") };
  };

  await t.step("login tokens and refreshed tokens", async () => {
    const phone = randomPhone();
    assert.equal((await api.request("POST", "/v1/auth/otp", { body: { phone } })).status, 202);
    const code = await api.latestCode(phone);
    const verify = await api.request<{ refreshToken: string }>("POST", "/v1/auth/verify", {
      body: { phone, code },
    });
    assert.equal(verify.status, 200);
    assert.equal(verify.headers.get("cache-control"), "no-store");
    const refresh = await cacheOf("POST", "/v1/auth/refresh", {
      body: { refreshToken: verify.body.refreshToken },
    });
    assert.deepEqual(refresh, { status: 200, cache: "no-store" });
  });

  await t.step("a signed-in caller's profile, appointments and problems", async () => {
    const booked = await book(api, patient, doctor.id, slots[0].start);
    assert.deepEqual(await cacheOf("GET", "/v1/me", { token }), { status: 200, cache: "no-store" });
    assert.deepEqual(await cacheOf("GET", "/v1/appointments", { token }), {
      status: 200,
      cache: "no-store",
    });
    assert.deepEqual(await cacheOf("GET", `/v1/appointments/${booked.appointment.id}`, { token }), {
      status: 200,
      cache: "no-store",
    });
    assert.deepEqual(await cacheOf("GET", "/v1/appointments/apt_nope", { token }), {
      status: 404,
      cache: "no-store",
    });
  });

  await t.step("public answers and the explorer's assets are left as they were", async () => {
    assert.notEqual((await cacheOf("GET", "/v1/doctors")).cache, "no-store");
    assert.deepEqual(await cacheOf("GET", "/.well-known/jwks.json"), {
      status: 200,
      cache: "public, max-age=300",
    });
    assert.deepEqual(await cacheOf("GET", "/docs/swagger-ui.css", { token }), {
      status: 200,
      cache: "public, max-age=300",
    });
  });
});
