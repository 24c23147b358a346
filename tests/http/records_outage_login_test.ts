/**
 * Login while the records store is down (MongoDB records on a real FerretDB, halted): a new
 * patient's verify must register them, so it answers a clean 503; the code it was given is not
 * used up by that failure, so once the store is back the patient's retry with the same code logs
 * in (before, the code was spent before the records were asked, and the retry was told no code
 * was waiting).
 */
import assert from "node:assert/strict";
import { randomPhone } from "../_harness/api.ts";
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
