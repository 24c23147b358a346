/**
 * Login while the records store is down (MongoDB records on a real FerretDB, halted): a new
 * patient's verify must register them, and a doctor's web login must find the doctor, so both
 * fail cleanly; the code they were given is not used up by that failure, so once the store is
 * back the retry with the same code signs in (before, the code was spent before the records were
 * asked, and the retry was told no code was waiting).
 */
import assert from "node:assert/strict";
import { createDoctor, randomPhone } from "../_harness/api.ts";
import { startApp } from "../_harness/app.ts";
import { appEnv, startFerretDb } from "../_harness/ferretdb.ts";

Deno.test("records down at verify: 503, and the same code logs in once they are back", async () => {
  const mongo = await startFerretDb();
  try {
    await using app = await startApp({ ...appEnv(mongo), MONGODB_TIMEOUT_MS: "1000" });
    const { api } = app;
    const phone = randomPhone();
    assert.equal((await api.request("POST", "/v1/auth/otp", { body: { phone } })).status, 202);
    const code = await api.latestCode(phone);

    await mongo.halt();
    const down = await api.request("POST", "/v1/auth/verify", { body: { phone, code } });
    assert.equal(down.status, 503, JSON.stringify(down.body));

    await mongo.restart();
    let back = await api.request<{ user: { role: string } }>("POST", "/v1/auth/verify", {
      body: { phone, code },
    });
    for (let i = 0; i < 50 && back.status === 503; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      back = await api.request("POST", "/v1/auth/verify", { body: { phone, code } });
    }
    assert.equal(back.status, 200, JSON.stringify(back.body));
    assert.equal(back.body.user.role, "patient");
    const again = await api.request("POST", "/v1/auth/verify", { body: { phone, code } });
    assert.equal(again.status, 422, "the code is still single use");
  } finally {
    await mongo.stop();
  }
});

Deno.test("records down at the doctor web login's verify: the same code signs in once they are back", async () => {
  const mongo = await startFerretDb();
  try {
    await using app = await startApp({ ...appEnv(mongo), MONGODB_TIMEOUT_MS: "1000" });
    const doctor = await createDoctor(app.api, await app.api.loginAdmin());
    const csrf = "c".repeat(32);
    const post = (path: string, form: Record<string, string>) =>
      app.fetch(
        new Request(`http://vaidya.test${path}`, {
          method: "POST",
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            cookie: `vaidya_ui_login=${csrf}`,
          },
          body: new URLSearchParams({ _csrf: csrf, ...form }),
        }),
      );
    await (await post("/doctor/login", { phone: doctor.phone })).body?.cancel();
    const code = await app.api.latestCode(doctor.phone);

    await mongo.halt();
    // The pages answer their own failure page (500) for what the API answers 503.
    const down = await post("/doctor/login/verify", { phone: doctor.phone, code });
    await down.body?.cancel();
    assert.ok(down.status >= 500, `${down.status}`);

    await mongo.restart();
    let back = await post("/doctor/login/verify", { phone: doctor.phone, code });
    for (let i = 0; i < 50 && back.status >= 500; i++) {
      await back.body?.cancel();
      await new Promise((resolve) => setTimeout(resolve, 200));
      back = await post("/doctor/login/verify", { phone: doctor.phone, code });
    }
    await back.body?.cancel();
    assert.equal(back.status, 303, "signed in with the code the failed attempt was given");
  } finally {
    await mongo.stop();
  }
});
