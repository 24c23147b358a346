/**
 * The same commits as kv_commit_bench.ts, over KV Connect to a real `denokv` on loopback (the
 * shared KV of several instances): one at a time, and 50 at once as 50 concurrent requests from
 * several instances would arrive. docs/SCALING.md reads commits per second from it against the
 * commits per booking measured by `deno task load --instances N`. Starts and stops its own
 * denokv (tests/_harness/denokv.ts).
 */
import { startDenoKv } from "../tests/_harness/denokv.ts";

const server = await startDenoKv();
const kv = await server.open();
let n = 0;

Deno.bench("kv.atomic().check().set().commit() over KV Connect", { group: "denokv" }, async () => {
  const key = ["bench", n++];
  await kv.atomic().check({ key, versionstamp: null }).set(key, { value: n }).commit();
});

Deno.bench("50 concurrent commits over KV Connect", { group: "denokv" }, async () => {
  await Promise.all(
    Array.from({ length: 50 }, () => {
      const key = ["bench", n++];
      return kv.atomic().check({ key, versionstamp: null }).set(key, { value: n }).commit();
    }),
  );
});

Deno.bench("kv.get() over KV Connect", { group: "denokv", baseline: true }, async () => {
  await kv.get(["bench", 1]);
});

globalThis.addEventListener("unload", () => {
  kv.close();
  server.stop();
});
