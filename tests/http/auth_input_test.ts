/**
 * Bad input to authentication and authorization: an invalid phone is 400, missing, malformed and
 * forged tokens are 401, a role calling another role's route is 403. In-process app.
 */
import { randomPhone } from "../_harness/api.ts";
import { startAppWithDoctor } from "../_harness/app.ts";
import { assertProblem } from "../_harness/problem.ts";

Deno.test("auth: bad phones, bad tokens and wrong roles answer 400, 401 and 403", async (t) => {
  await using app = await startAppWithDoctor();
  const { api, doctor, slots, token } = app;

  await t.step("an invalid phone is 400", async () => {
    assertProblem(
      await api.request("POST", "/v1/auth/otp", { body: { phone: "98123" } }),
      400,
      "validation_failed",
    );
  });

  await t.step("missing, malformed and forged tokens are 401", async () => {
    assertProblem(await api.request("GET", "/v1/appointments"), 401, "unauthenticated");
    assertProblem(
      await api.request("GET", "/v1/appointments", { headers: { authorization: "Bearer nope" } }),
      401,
      "unauthenticated",
    );
    const [h, p] = token.split(".");
    const payload = JSON.parse(atob(p.replace(/-/g, "+").replace(/_/g, "/")));
    const forged = btoa(JSON.stringify({ ...payload, role: "admin" })).replace(/=+$/, "")
      .replace(/\+/g, "-").replace(/\//g, "_");
    assertProblem(
      await api.request("GET", "/v1/appointments", {
        token: `${h}.${forged}.${token.split(".")[2]}`,
      }),
      401,
      "unauthenticated",
    );
    const none = btoa(JSON.stringify({ alg: "none", typ: "JWT" })).replace(/=+$/, "");
    assertProblem(
      await api.request("GET", "/v1/appointments", { token: `${none}.${p}.` }),
      401,
      "unauthenticated",
    );
  });

  await t.step(
    "a patient calling admin routes is 403; a doctor holding a slot is 403",
    async () => {
      assertProblem(
        await api.request("POST", "/v1/admin/doctors", {
          token,
          body: {
            name: "X",
            phone: randomPhone(),
            specializations: ["Rasayana"],
            languages: ["en"],
            city: "Delhi",
            timezone: "Asia/Kolkata",
            slotMinutes: 30,
          },
        }),
        403,
        "forbidden",
      );
      const doc = await api.login(doctor.phone);
      assertProblem(
        await api.request("POST", "/v1/holds", {
          token: doc.accessToken,
          body: { doctorId: doctor.id, start: slots[0].start },
        }),
        403,
        "forbidden",
      );
    },
  );
});
