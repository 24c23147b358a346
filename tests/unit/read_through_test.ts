/**
 * The read-through cache as two instances share it (one Redis, here one memory cache): a writer's
 * failed version bump must not leave the other instances serving the old value for a whole TTL.
 */
import assert from "node:assert/strict";
import { type Cache, createMemoryCache } from "../../src/cache/cache.ts";
import { createReadThrough } from "../../src/cache/read_through.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { eventually } from "../_harness/eventually.ts";

const quiet = createLogger({ level: "error", write: () => {} });

/** `shared`, whose next `failures` bumps throw as a Redis blip would. */
function flakyBumps(shared: Cache, failures: number): Cache {
  let left = failures;
  return {
    ...shared,
    bump(namespace) {
      if (left > 0) {
        left--;
        return Promise.reject(new Error("Redis did not answer"));
      }
      return shared.bump(namespace);
    },
  };
}

Deno.test("createReadThrough() retries a failed bump, so other instances stop serving the old value", async () => {
  const shared = createMemoryCache();
  const writer = createReadThrough(flakyBumps(shared, 2), quiet, { bypassMs: 60_000 });
  const other = createReadThrough(shared, quiet, { bypassMs: 60_000 });
  let source = "old name";
  const read = () => other.read("doctors", "profile:d1", 60_000, () => Promise.resolve(source));

  assert.equal(await read(), "old name");
  source = "new name";
  await writer.invalidate("doctors");
  await eventually(
    "the other instance to read the new name",
    async () => await read() === "new name",
    {
      timeoutMs: 5_000,
      intervalMs: 20,
    },
  );
});
