/**
 * A KV server that goes away: Deno's KV Connect client retries it forever, so without a deadline
 * every request would hang. With KV_TIMEOUT_MS, a call that gets no answer fails as 503 with
 * Retry-After (never a 500), /readyz says the KV is unavailable instead of hanging, and once the
 * server is back the same client works again with the data it had.
 */
import assert from "node:assert/strict";
import { createApp } from "../../src/app.ts";
import { bootstrap } from "../../src/bootstrap.ts";
import { loadConfig } from "../../src/config/config.ts";
import { ServiceUnavailableError } from "../../src/errors.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { withKvDeadline } from "../../src/stores/kv/kv_deadline.ts";
import { startDenoKv } from "../_harness/denokv.ts";

Deno.test("withKvDeadline() turns a stopped denokv into ServiceUnavailableError, then recovers", async () => {
  const denokv = await startDenoKv();
  const raw = await denokv.open();
  const kv = withKvDeadline(raw, 400);
  try {
    await kv.set(["kept"], "before");
    await denokv.halt();
    for (
      const call of [
        () => kv.get(["kept"]),
        () => kv.getMany([["kept"]]),
        () => kv.atomic().check({ key: ["x"], versionstamp: null }).set(["x"], 1).commit(),
        () => kv.list({ prefix: [] }).next(),
      ]
    ) {
      const started = performance.now();
      await assert.rejects(call(), (err) => {
        assert.ok(err instanceof ServiceUnavailableError, String(err));
        assert.equal(err.status, 503);
        assert.equal(err.headers["Retry-After"], "1");
        return true;
      });
      assert.ok(performance.now() - started < 3_000, "failed at the deadline, not later");
    }
    await denokv.restart();
    assert.equal((await kv.get(["kept"])).value, "before", "nothing lost, same client works");
  } finally {
    raw.close();
    await denokv.stop();
  }
});

Deno.test({
  name: "the app on a stopped denokv answers 503 + Retry-After and /readyz 503, then recovers",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const denokv = await startDenoKv();
    const config = loadConfig({
      APP_ENV: "test",
      KV_PATH: denokv.url,
      KV_TIMEOUT_MS: "500",
      LOG_LEVEL: "error",
    });
    const runtime = await bootstrap(config, createLogger({ level: "error", write: () => {} }));
    const app = createApp(runtime.deps);
    try {
      assert.equal((await app.request("/v1/doctors")).status, 200);
      await denokv.halt();
      const down = await app.request("/v1/doctors");
      assert.equal(down.status, 503, await down.clone().text());
      assert.ok(Number(down.headers.get("Retry-After")) >= 1, "Retry-After tells when to retry");
      assert.equal((await down.json()).code, "service_unavailable");
      const ready = await app.request("/readyz");
      assert.equal(ready.status, 503);
      assert.equal((await ready.json()).checks.kv, "unavailable");
      await denokv.restart();
      assert.equal((await app.request("/v1/doctors")).status, 200);
      assert.equal((await app.request("/readyz")).status, 200);
    } finally {
      await runtime.close();
      await denokv.stop();
    }
  },
});

Deno.test({
  name:
    "the booking pages and the doctor pages on a stopped denokv answer 503 + Retry-After, not 500",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const denokv = await startDenoKv();
    const config = loadConfig({
      APP_ENV: "test",
      KV_PATH: denokv.url,
      KV_TIMEOUT_MS: "500",
      LOG_LEVEL: "error",
    });
    const runtime = await bootstrap(config, createLogger({ level: "error", write: () => {} }));
    const app = createApp(runtime.deps);
    try {
      await denokv.halt();
      // A patient opening a doctor's page, and a signed-in doctor opening the agenda, while the
      // KV restarts: the page says to come back shortly, as the API does, rather than "failed".
      for (
        const [path, cookie] of [
          ["/book/doctors/doc_01m90hgr52cvsqtpagh56pq7en", ""],
          ["/doctor", "vaidya_ui=0123456789abcdef0123456789abcdef"],
        ]
      ) {
        const down = await app.request(path, { headers: cookie ? { cookie } : {} });
        await down.body?.cancel();
        assert.equal(down.status, 503, path);
        assert.ok(Number(down.headers.get("Retry-After")) >= 1, `${path}: Retry-After`);
      }
    } finally {
      await denokv.restart();
      await runtime.close();
      await denokv.stop();
    }
  },
});
