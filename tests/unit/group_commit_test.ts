import assert from "node:assert/strict";
import { createGroupCommit } from "../../src/stores/kv/group_commit.ts";
import { countingKv } from "../_harness/counting_kv.ts";

Deno.test("createGroupCommit() writes concurrent blind writes in shared commits, each landed when it resolves", async () => {
  const raw = await Deno.openKv(":memory:");
  const { kv, commits } = countingKv(raw);
  const group = createGroupCommit(kv);
  await Promise.all(
    Array.from({ length: 60 }, async (_, i) => {
      await group.write((op) => op.set(["g", i], i).set(["h", i], -i), 2);
      // Resolved only once its own commit is in: both keys are readable right away.
      assert.equal((await raw.get(["g", i])).value, i);
      assert.equal((await raw.get(["h", i])).value, -i);
    }),
  );
  // The first write commits alone; the 59 that queued behind it share one or two commits.
  assert.ok(commits.length <= 3, `60 writes took ${commits.length} commits`);
  assert.ok(commits.every((c) => c.checks === 0 && c.mutations <= 200));
  raw.close();
});

Deno.test("createGroupCommit() fails only the write its commit refused; the others land", async () => {
  const kv = await Deno.openKv(":memory:");
  const group = createGroupCommit(kv);
  const tooBig = "x".repeat(70 * 1024); // over KV's 64 KiB value limit
  const results = await Promise.allSettled([
    group.write((op) => op.set(["ok", 0], 0), 1),
    group.write((op) => op.set(["ok", 1], 1), 1),
    group.write((op) => op.set(["bad"], tooBig), 1),
    group.write((op) => op.set(["ok", 2], 2), 1),
  ]);
  assert.deepEqual(results.map((r) => r.status), [
    "fulfilled",
    "fulfilled",
    "rejected",
    "fulfilled",
  ]);
  for (const i of [0, 1, 2]) assert.equal((await kv.get(["ok", i])).value, i);
  assert.equal((await kv.get(["bad"])).value, null);
  assert.throws(() => group.write(() => {}, 0), RangeError);
  kv.close();
});
