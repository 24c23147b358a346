/**
 * Slot listing on a real `denokv` server (KV Connect), in-process: the calendar version rounds
 * read through a KV handle of their own (bootstrap.ts `kvRounds`, its own connection), while holds
 * and releases commit through the app's main handle. A listing must still see each of those
 * writes once it has answered: a hold is never offered, a released slot is offered again at once.
 */
import assert from "node:assert/strict";
import { loadConfig } from "../../src/config/config.ts";
import { openResources } from "../../src/bootstrap.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { firstSlots } from "../_harness/api.ts";
import { startAppWithDoctor } from "../_harness/app.ts";
import { startDenoKv } from "../_harness/denokv.ts";
import { ADMIN_PHONE } from "../_harness/server.ts";

const quiet = createLogger({ level: "error", write: () => {} });

Deno.test("openResources() gives the version rounds a handle of their own on a denokv server only", async () => {
  const denokv = await startDenoKv();
  const base = { APP_ENV: "test", ADMIN_PHONES: ADMIN_PHONE, LOG_LEVEL: "error" };
  const remote = await openResources(loadConfig({ ...base, KV_PATH: denokv.url }), quiet);
  try {
    assert.ok(remote.kvRounds, "no handle for the rounds on a denokv server");
    assert.notEqual(remote.kvRounds, remote.kv);
    await remote.kv.set(["probe"], 1);
    assert.equal((await remote.kvRounds.get(["probe"])).value, 1, "not the same KV");
  } finally {
    await remote.close();
  }
  const local = await openResources(loadConfig({ ...base, KV_PATH: ":memory:" }), quiet);
  try {
    assert.equal(local.kvRounds, undefined, "a local KV needs no second handle");
  } finally {
    await local.close();
    await denokv.stop();
  }
});

Deno.test("on denokv, a listing never offers a held slot and offers a released one at once", async () => {
  const denokv = await startDenoKv();
  try {
    await using app = await startAppWithDoctor({
      KV_PATH: denokv.url,
      RATE_LIMIT_DISABLED: "true",
    });
    const { api, doctor, token, day, slots } = app;
    const offered = async (start: string) =>
      (await firstSlots(api, doctor.id, day)).some((s) => s.start === start);
    for (const slot of slots.slice(0, 3)) {
      assert.ok(await offered(slot.start), "a free slot is offered"); // and its listing kept
      const hold = await api.request<{ id: string }>("POST", "/v1/holds", {
        token,
        body: { doctorId: doctor.id, start: slot.start },
      });
      assert.equal(hold.status, 201, JSON.stringify(hold.body));
      assert.ok(!(await offered(slot.start)), "a held slot was offered after the hold answered");
      const released = await api.request("DELETE", `/v1/holds/${hold.body.id}`, { token });
      assert.equal(released.status, 204);
      assert.ok(await offered(slot.start), "a released slot was not offered again at once");
    }
  } finally {
    await denokv.stop();
  }
});
