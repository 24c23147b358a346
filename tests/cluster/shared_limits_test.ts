/**
 * Two instances of the app on one denokv server share their API limits: a client has one
 * allowance per minute however its requests are spread over instances (per IP and per user).
 * In-process apps (`app.request`), real KV Connect, so the test is about the shared store only.
 */
import assert from "node:assert/strict";
import { createApp } from "../../src/app.ts";
import { bootstrap, type Runtime } from "../../src/bootstrap.ts";
import { loadConfig } from "../../src/config/config.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { Api, randomPhone } from "../_harness/api.ts";
import { startDenoKv } from "../_harness/denokv.ts";

/**
 * The limits count in fixed one-minute windows: a burst that straddles a window's end rightly
 * counts its later requests in the next minute (it flaked so in CI). Waits, if need be, until the
 * current window has at least 5 s left, far more than a burst here takes.
 */
async function awayFromWindowEnd() {
  const leftMs = 60_000 - (Date.now() % 60_000);
  if (leftMs < 5_000) await new Promise((resolve) => setTimeout(resolve, leftMs + 50));
}

Deno.test({
  name: "per-IP and per-user API limits are one allowance across instances on one KV",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const denokv = await startDenoKv();
    const env = {
      APP_ENV: "test",
      KV_PATH: denokv.url,
      LOG_LEVEL: "error",
      API_REQUESTS_PER_MINUTE_PER_IP: "6",
      API_REQUESTS_PER_MINUTE_PER_USER: "4",
    };
    const runtimes: Runtime[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const runtime = await bootstrap(
          loadConfig(env),
          createLogger({ level: "error", write: () => {} }),
        );
        runtimes.push(runtime);
      }
      // The client address comes from a header here, so one test can play many clients.
      const apps = runtimes.map((r) =>
        createApp(r.deps, { clientIp: (req) => req.headers.get("x-test-ip") ?? "0.0.0.0" })
      );
      const ask = (n: number, ip: string, token?: string) =>
        apps[n % 2].request("/v1/doctors", {
          headers: { "x-test-ip": ip, ...(token ? { authorization: `Bearer ${token}` } : {}) },
        });

      const ip = `10.1.${Math.floor(Math.random() * 250)}.7`;
      const perIp: number[] = [];
      await awayFromWindowEnd();
      for (let n = 0; n < 8; n++) perIp.push((await ask(n, ip)).status);
      assert.deepEqual(perIp, [200, 200, 200, 200, 200, 200, 429, 429], "6 per minute in all");
      const refused = await ask(1, ip);
      assert.equal(refused.status, 429);
      assert.ok(Number(refused.headers.get("Retry-After")) >= 1);

      // One user, every request from a new address so only the per-user limit can refuse.
      let spare = 0;
      const fresh = () => `10.2.${Math.floor(Math.random() * 250)}.${++spare}`;
      const api = new Api("http://vaidya.test", (req) => {
        const headers = new Headers(req.headers);
        headers.set("x-test-ip", fresh());
        return apps[spare % 2].fetch(new Request(req, { headers }));
      });
      const session = await api.login(randomPhone());
      const perUser: number[] = [];
      await awayFromWindowEnd();
      for (let n = 0; n < 6; n++) perUser.push((await ask(n, fresh(), session.accessToken)).status);
      assert.deepEqual(perUser, [200, 200, 200, 200, 429, 429], "4 per minute for the user");
    } finally {
      for (const r of runtimes) await r.close();
      await denokv.stop();
    }
  },
});
