/**
 * The routes that answer from start-up (routes/system.ts, routes/dev_sleep.ts) are plain Hono on
 * plain zod, their query validated once per URL like the API groups' routes: a bad query is the
 * same 400 problem, every time, and the value a handler gets is zod's output.
 */
import assert from "node:assert/strict";
import { createApp } from "../../src/app.ts";
import { bootstrap } from "../../src/bootstrap.ts";
import { loadConfig } from "../../src/config/config.ts";
import { createLogger } from "../../src/observability/logger.ts";

async function buildApp(env: Record<string, string> = {}) {
  const config = loadConfig({ APP_ENV: "test", KV_PATH: ":memory:", LOG_LEVEL: "error", ...env });
  const runtime = await bootstrap(config, createLogger({ level: "error", write: () => {} }));
  return { app: createApp(runtime.deps), runtime };
}

type Problem = { code: string; status: number; errors?: { path: string }[] };

Deno.test("the dev outbox and dev sleep refuse a bad query with 400, every time", async () => {
  const { app, runtime } = await buildApp();
  try {
    const bad = [
      ["/v1/dev/outbox", "to"],
      ["/v1/dev/outbox?to=919811110001", "to"],
      ["/v1/dev/outbox?to=%2B91123", "to"],
      ["/v1/dev/sleep", "ms"],
      ["/v1/dev/sleep?ms=abc", "ms"],
      ["/v1/dev/sleep?ms=6000", "ms"],
    ];
    for (const [url, field] of bad) {
      for (let attempt = 0; attempt < 2; attempt++) {
        const res = await app.request(url);
        assert.equal(res.status, 400, url);
        assert.match(res.headers.get("content-type") ?? "", /^application\/problem\+json/);
        const body = await res.json() as Problem;
        assert.equal(body.code, "validation_failed", url);
        assert.deepEqual(body.errors?.map((e) => e.path), [field], url);
      }
    }
  } finally {
    await runtime.close();
  }
});

Deno.test("the dev outbox and dev sleep hand their handler zod's output", async () => {
  const { app, runtime } = await buildApp();
  try {
    // A trunk 0 after the country code is the same phone: the outbox is asked for the normalised one.
    const phone = "+919811110041";
    const sent = await app.request("/v1/auth/otp", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ phone }),
    });
    assert.equal(sent.status, 202);
    const res = await app.request(`/v1/dev/outbox?to=${encodeURIComponent("+9109811110041")}`);
    assert.equal(res.status, 200);
    const { messages } = await res.json() as { messages: { to: string }[] };
    assert.ok(
      messages.length > 0 && messages.every((m) => m.to === phone),
      JSON.stringify(messages),
    );
    const slept = await app.request("/v1/dev/sleep?ms=3");
    assert.equal(slept.status, 200);
    assert.deepEqual(await slept.json(), { sleptMs: 3 });
  } finally {
    await runtime.close();
  }
});

Deno.test("dev sleep is not served outside APP_ENV=test", async () => {
  const { app, runtime } = await buildApp({ APP_ENV: "development" });
  try {
    assert.equal((await app.request("/v1/dev/sleep?ms=1")).status, 404);
    assert.equal((await app.request("/healthz")).status, 200);
  } finally {
    await runtime.close();
  }
});
