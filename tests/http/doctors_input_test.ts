/**
 * Bad input to the doctor routes: unknown doctors are 404, bad slot ranges 400, another doctor's
 * availability 404, overlapping hours 400 with the field named. In-process app.
 */
import assert from "node:assert/strict";
import { createDoctor, dateInDays } from "../_harness/api.ts";
import { startAppWithDoctor } from "../_harness/app.ts";
import { assertProblem } from "../_harness/problem.ts";

type Body = Record<string, unknown>;

Deno.test("doctors: unknown ids, bad ranges and bad availability answer 4xx problems", async (t) => {
  await using app = await startAppWithDoctor();
  const { api, admin, doctor, day, slots, token } = app;

  await t.step("an unknown doctor is 404 for slots, profile and holds", async () => {
    assertProblem(await api.request("GET", "/v1/doctors/doc_nope"), 404, "not_found");
    assertProblem(
      await api.request("GET", `/v1/doctors/doc_nope/slots?from=${day}&to=${day}`),
      404,
      "not_found",
    );
    assertProblem(
      await api.request("POST", "/v1/holds", {
        token,
        body: { doctorId: "doc_nope", start: slots[0].start },
      }),
      404,
      "not_found",
    );
  });

  await t.step("from after to, and ranges over 31 days, are 400", async () => {
    assertProblem(
      await api.request(
        "GET",
        `/v1/doctors/${doctor.id}/slots?from=${dateInDays(3)}&to=${dateInDays(1)}`,
      ),
      400,
      "validation_failed",
    );
    assertProblem(
      await api.request(
        "GET",
        `/v1/doctors/${doctor.id}/slots?from=${dateInDays(1)}&to=${dateInDays(40)}`,
      ),
      400,
      "validation_failed",
    );
    assertProblem(
      await api.request("GET", `/v1/doctors/${doctor.id}/slots?from=2026-13-01&to=2026-13-02`),
      400,
      "validation_failed",
    );
  });

  await t.step("a doctor cannot change another doctor's availability (404)", async () => {
    const other = await createDoctor(api, admin);
    const doc = await api.login(doctor.phone);
    assertProblem(
      await api.request("PUT", `/v1/doctors/${other.id}/availability`, {
        token: doc.accessToken,
        body: { weekly: [], overrides: [] },
      }),
      404,
      "not_found",
    );
  });

  await t.step("availability with overlapping ranges is 400 with the field named", async () => {
    const res = await api.request<Body>("PUT", `/v1/doctors/${doctor.id}/availability`, {
      token: admin.accessToken,
      body: {
        weekly: [{ day: "mon", start: "09:00", end: "12:00" }, {
          day: "mon",
          start: "11:00",
          end: "13:00",
        }],
        overrides: [],
      },
    });
    assertProblem(res, 400, "validation_failed");
    assert.ok((res.body.errors as unknown[]).length > 0);
  });
});
