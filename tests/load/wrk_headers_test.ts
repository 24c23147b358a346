/**
 * runWrk() sends the headers it is given on every request (bench:http --accept-encoding), and none
 * it is not given: Debian's wrk against a loopback Deno.serve that tallies what arrived.
 */
import assert from "node:assert/strict";
import { runWrk } from "../../scripts/load/wrk.ts";

async function tally(headers: Record<string, string> | undefined) {
  const seen = new Map<string, number>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const value = req.headers.get("accept-encoding") ?? "(none)";
    seen.set(value, (seen.get(value) ?? 0) + 1);
    return new Response("ok");
  });
  try {
    const result = await runWrk({
      url: `http://127.0.0.1:${server.addr.port}`,
      paths: ["/a", "/b"],
      connections: 2,
      seconds: 1,
      threads: 1,
      headers,
    });
    return { result, seen };
  } finally {
    await server.shutdown();
  }
}

Deno.test("runWrk() sends the given headers on every request, and no Accept-Encoding otherwise", async () => {
  const given = await tally({ "Accept-Encoding": "gzip" });
  assert.ok(given.result.requests > 0);
  assert.deepEqual([...given.seen.keys()], ["gzip"]);
  const plain = await tally(undefined);
  assert.ok(plain.result.requests > 0);
  assert.deepEqual([...plain.seen.keys()], ["(none)"]);
});
