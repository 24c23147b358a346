/**
 * `deno task load --starts N`: each start is the full run's own (startStack on a fresh KV), timed,
 * and closed before the next. Asserts that every start answered and nothing is left running —
 * never a timing.
 */
import assert from "node:assert/strict";
import { DEFAULT_OPTIONS } from "../../scripts/load/options.ts";
import { renderStarts, runStarts } from "../../scripts/load/starts.ts";

Deno.test({
  name: "runStarts() times each start of the stack and closes it before the next",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const seen: string[] = [];
    const r = await runStarts(
      { ...DEFAULT_OPTIONS, quiet: true },
      2,
      (phase, done, total) => seen.push(`${phase} ${done}/${total}`),
    );
    assert.equal(r.store, "kv");
    assert.equal(r.startupMs.length, 2);
    assert.ok(r.startupMs.every((ms) => Number.isInteger(ms) && ms > 0), r.startupMs.join());
    assert.equal(r.medianMs, (r.startupMs[0] + r.startupMs[1]) / 2);
    assert.deepEqual(seen, ["starts 0/2", "starts 1/2", "starts 2/2"]);
    const text = renderStarts(r, { nproc: "2", cpu: "x", memory: "1 GiB", deno: "2" });
    assert.match(text, new RegExp(`spawn to the first 2xx: ${r.startupMs.join(", ")} ms`));
  },
});
