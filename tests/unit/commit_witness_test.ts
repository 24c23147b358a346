/**
 * The commit witness of a local KV file (src/stores/kv/commit_witness.ts), on a real Deno KV file:
 * its mark holds while nothing commits (reads included), and moves on a commit through this
 * process's KV handle and on one by another process; no witness where the KV is not a file.
 */
import assert from "node:assert/strict";
import { type CommitWitness, openCommitWitness } from "../../src/stores/kv/commit_witness.ts";

/** The mark once `node:sqlite` has loaded (the first call only starts loading it). */
async function loadedMark(witness: CommitWitness): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const mark = witness.mark();
    if (mark !== undefined) return mark;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error("the witness never gave a mark");
}

Deno.test("openCommitWitness() gives none where the KV is not a local file", () => {
  assert.equal(openCommitWitness(undefined), undefined);
  assert.equal(openCommitWitness(":memory:"), undefined);
  assert.equal(openCommitWitness("http://127.0.0.1:4512"), undefined);
  assert.equal(openCommitWitness("https://api.deno.com/databases/x/connect"), undefined);
});

Deno.test("a commit witness's mark holds over reads and moves on every commit, this process's or another's", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vaidya-witness-" });
  const path = `${dir}/kv.sqlite`;
  try {
    await using kv = await Deno.openKv(path);
    await kv.set(["a"], 1);
    const witness = openCommitWitness(path)!;
    assert.ok(witness, "a local file has a witness");
    assert.equal(witness.mark(), undefined, "no mark before node:sqlite has loaded");
    const first = await loadedMark(witness);

    await kv.get(["a"]);
    await kv.getMany([["a"], ["b"]]);
    assert.equal(witness.mark(), first, "reads moved the mark");

    await kv.set(["a"], 2);
    const second = witness.mark();
    assert.notEqual(second, first, "this process's commit did not move the mark");
    assert.equal(witness.mark(), second);

    const other = await new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        "--unstable-kv",
        `const kv = await Deno.openKv(${
          JSON.stringify(path)
        }); await kv.set(["b"], 1); kv.close();`,
      ],
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.ok(other.success, new TextDecoder().decode(other.stderr));
    const third = witness.mark();
    assert.ok(third !== undefined && third !== second, "another process's commit did not move it");

    witness.close();
    assert.equal(witness.mark(), undefined, "a closed witness still answered");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a witness of a file that cannot be opened never gives a mark", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vaidya-witness-" });
  try {
    const witness = openCommitWitness(`${dir}/missing.sqlite`)!;
    assert.equal(witness.mark(), undefined);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(witness.mark(), undefined);
    witness.close();
    assert.equal([...Deno.readDirSync(dir)].length, 0, "the witness created a file");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
