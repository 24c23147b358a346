/**
 * Edges of the public contract (issue 16): a PATCH/PUT that changes nothing (no body, `{}`,
 * only unknown fields) is a 400; parallel edits of one doctor without a version are retried inside, not 409s; a known
 * path called with a method it does not serve is a 405 with `Allow`; `GET /` is a small page
 * linking the patient and doctor pages, the API explorer and health. In-process app.
 */
import assert from "node:assert/strict";
import { startAppWithDoctor } from "../_harness/app.ts";
import { assertProblem } from "../_harness/problem.ts";

Deno.test("contract edges: empty changes 400, wrong methods 405 + Allow, a home page", async (t) => {
  await using app = await startAppWithDoctor();
  const { api, admin, doctor, token } = app;

  await t.step("PUT /v1/me and PATCH /v1/admin/doctors/:id need a field to change", async () => {
    const doctorPath = `/v1/admin/doctors/${doctor.id}`;
    for (const body of [undefined, {}, { unknownField: 1 }]) {
      assertProblem(await api.request("PUT", "/v1/me", { token, body }), 400, "validation_failed");
      assertProblem(
        await api.request("PATCH", doctorPath, { token: admin.accessToken, body }),
        400,
        "validation_failed",
      );
    }
    const me = await api.request("PUT", "/v1/me", { token, body: { language: "hi" } });
    assert.equal(me.status, 200, JSON.stringify(me.body));
    const patched = await api.request<{ city: string }>("PATCH", doctorPath, {
      token: admin.accessToken,
      body: { city: "Nashik" },
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.city, "Nashik");
  });

  await t.step(
    "a known path with another method is 405 with Allow; unknown paths 404",
    async () => {
      const list = await api.request("DELETE", "/v1/doctors");
      assertProblem(list, 405, "method_not_allowed");
      assert.equal(list.headers.get("allow"), "GET, HEAD");
      const one = await api.request("POST", `/v1/doctors/${doctor.id}`);
      assertProblem(one, 405, "method_not_allowed");
      assert.ok(one.headers.get("allow")?.split(", ").includes("GET"));
      const me = await api.request("POST", "/v1/me", { token });
      assertProblem(me, 405, "method_not_allowed");
      assert.deepEqual(me.headers.get("allow")?.split(", "), ["DELETE", "GET", "HEAD", "PUT"]);
      assertProblem(await api.request("GET", "/v1/nothing-here"), 404, "not_found");
      assertProblem(await api.request("DELETE", "/v1/nothing-here"), 404, "not_found");
    },
  );

  await t.step(
    "eight parallel edits of one doctor, with no version sent, all succeed",
    async () => {
      const path = `/v1/admin/doctors/${doctor.id}`;
      const cities = Array.from({ length: 8 }, (_, i) => `City ${i}`);
      const patches = await Promise.all(
        cities.map((city) =>
          api.request<{ city: string }>("PATCH", path, { token: admin.accessToken, body: { city } })
        ),
      );
      assert.deepEqual(patches.map((r) => r.status), cities.map(() => 200));
      const availability = {
        weekly: [{ day: "mon", start: "09:00", end: "13:00" }],
        overrides: [],
      };
      const puts = await Promise.all(
        cities.map(() =>
          api.request("PUT", `/v1/doctors/${doctor.id}/availability`, {
            token: admin.accessToken,
            body: availability,
          })
        ),
      );
      assert.deepEqual(puts.map((r) => r.status), cities.map(() => 200));
      const after = await api.request<{ city: string }>("GET", `/v1/doctors/${doctor.id}`);
      assert.ok(cities.includes(after.body.city), "one of the edits is the last one");
    },
  );

  await t.step(
    "GET / links the booking pages, the doctor pages, the explorer and health",
    async () => {
      const res = await app.fetch(new Request(`${api.baseUrl}/`));
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
      const html = await res.text();
      for (const href of ["/book", "/doctor", "/docs", "/healthz"]) {
        assert.ok(html.includes(`href="${href}"`), `links ${href}`);
      }
    },
  );
});
