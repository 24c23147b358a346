import assert from "node:assert/strict";
import { createUpstashConnection, redisCall } from "../../src/stores/upstash/client.ts";
import { createLogger, errorFields } from "../../src/observability/logger.ts";

Deno.test("redisCall() fails without the command: an HTTP error from Upstash logs no key or value", async () => {
  // Upstash answers an HTTP error with `{error}`; the SDK then puts the whole command (keys that
  // hold phone hashes, the values sent) in its error's message.
  await using upstash = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => Response.json({ error: "ERR max requests limit exceeded" }, { status: 400 }),
  );
  const conn = createUpstashConnection({
    url: `http://127.0.0.1:${upstash.addr.port}`,
    token: "test-token",
    timeoutMs: 2000,
  });
  const key = "vaidya:eph:otp:PHONEHASHx7Qm2";
  const err = await redisCall(conn, "store ephemeral state", (r) => r.set(key, "VALUE-SENT"))
    .then(() => null, (e) => e);
  assert.ok(err, "the call fails");
  const lines: string[] = [];
  createLogger({ level: "warn", write: (l) => lines.push(l) })
    .warn("request failed", errorFields(err));
  assert.equal(lines[0].includes("PHONEHASHx7Qm2"), false, lines[0]);
  assert.equal(lines[0].includes("VALUE-SENT"), false, lines[0]);
  assert.match(lines[0], /ERR max requests limit exceeded/, "Upstash's own reason stays");
});
