/**
 * Every line the real server prints is JSON, Deno's own runtime warnings included: a chunked body
 * (no Content-Length) makes the body-size guard wrap the request with its signal, which has
 * Deno.serve print its
 * "request.signal aborts on successful responses (legacy behavior)" warning through
 * console.warn; it must arrive as a JSON log line at level "warn".
 */
import assert from "node:assert/strict";
import { startServer } from "../_harness/server.ts";

Deno.test("the server's stdout and stderr are JSON lines only, Deno's serve warning included", async () => {
  await using server = await startServer();
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${server.url}/v1/auth/otp`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      // A stream: sent chunked, without Content-Length.
      body: ReadableStream.from([
        new TextEncoder().encode(JSON.stringify({ phone: "+919800000" + String(100 + i) })),
      ]),
    });
    await res.body?.cancel();
  }
  await server.stop();
  const lines = server.logs().split("\n").filter((l) => l.trim() !== "");
  assert.ok(lines.length > 2, "the server logged something");
  const notJson = lines.filter((l) => {
    try {
      return typeof JSON.parse(l) !== "object";
    } catch {
      return true;
    }
  });
  assert.deepEqual(notJson, []);
  const warning = lines.map((l) => JSON.parse(l)).find((e) =>
    String(e.msg).includes("legacy behavior")
  );
  assert.ok(warning, "Deno's request.signal warning was printed (as JSON)");
  assert.equal(warning.level, "warn");
  assert.equal(warning.source, "console");
});
