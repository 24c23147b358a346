/**
 * Issue 17 item 2: /metrics cannot be grown by clients. Labels come from fixed sets: the HTTP
 * method is one of the standard ones or "other", the route is a registered route pattern or
 * "unmatched", so random methods and paths add no series.
 */
import assert from "node:assert/strict";
import { startApp } from "../_harness/app.ts";

function randomWord(length: number): string {
  const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (b) => letters[b % 26]).join("");
}

Deno.test("random methods and paths add no metric series", async () => {
  await using app = await startApp();
  const scrape = async () => {
    const res = await app.fetch(new Request("http://vaidya.test/metrics"));
    assert.equal(res.status, 200);
    return await res.text();
  };
  await app.fetch(new Request("http://vaidya.test/healthz"));
  for (let i = 0; i < 300; i++) {
    const method = randomWord(1 + (i % 40) * 25);
    const path = i % 2 ? "/healthz" : `/${randomWord(30)}/${i}`;
    const res = await app.fetch(new Request(`http://vaidya.test${path}`, { method }));
    await res.body?.cancel();
  }
  const text = await scrape();
  const methods = new Set([...text.matchAll(/method="([^"]*)"/g)].map((m) => m[1]));
  const routes = new Set([...text.matchAll(/route="([^"]*)"/g)].map((m) => m[1]));
  assert.deepEqual([...methods].sort(), ["GET", "other"]);
  assert.ok(routes.size <= 5, `route labels: ${[...routes].join(" ")}`);
  assert.ok(text.length < 64 * 1024, `${text.length} bytes of metrics after 300 hostile requests`);
});
