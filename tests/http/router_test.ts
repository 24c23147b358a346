/**
 * Every route of the app compiles on Hono's RegExpRouter. Hono's SmartRouter silently falls back
 * to the TrieRouter, which matches per request and allocates per match, when one path pattern
 * cannot be compiled; `/room/static/:name` beside `/room/:appointmentId` once did that for every
 * request of the app.
 */
import assert from "node:assert/strict";
import { createApp } from "../../src/app.ts";
import { startApp } from "../_harness/app.ts";

Deno.test("createApp(): every route compiles on Hono's RegExpRouter (no TrieRouter fallback)", async () => {
  await using app = await startApp();
  const hono = createApp(app.runtime.deps);
  // The first match is the interim router's (src/http/deferred_router.ts); the second compiles.
  for (let i = 0; i < 2; i++) {
    const res = await hono.fetch(new Request("http://vaidya.test/healthz"));
    await res.body?.cancel();
    assert.equal(res.status, 200);
  }
  assert.equal(hono.router.name, "SmartRouter + RegExpRouter");
});
