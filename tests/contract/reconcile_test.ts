/**
 * `deno task migrate` and `deno task reconcile` against FerretDB: migrate is idempotent; a claim
 * left by a crash (no appointment, older than the grace period) is reported by the dry run, left
 * alone, and deleted by --fix; a fresh claim (a booking in flight) is never touched.
 */
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { REPO_ROOT } from "../_harness/ports.ts";
import { startFerretDb } from "../_harness/ferretdb.ts";

async function task(name: string, args: string[], env: Record<string, string>) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", name, ...args],
    cwd: REPO_ROOT,
    env: { ...env, NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { code: out.code, text };
}

Deno.test("migrate is idempotent; reconcile finds an orphan claim and --fix removes only it", async () => {
  const ferret = await startFerretDb();
  const dbName = ferret.database();
  const env = { MONGODB_URI: ferret.uri, MONGODB_DB: dbName, MONGODB_TIMEOUT_MS: "5000" };
  const client = new MongoClient(ferret.uri);
  try {
    const first = await task("migrate", [], env);
    assert.equal(first.code, 0, first.text);
    assert.match(first.text, /created/);
    const second = await task("migrate", [], env);
    assert.equal(second.code, 0, second.text);
    assert.doesNotMatch(second.text, /created/, "a second run creates nothing");

    const db = client.db(dbName);
    await db.collection<{ _id: string }>("doctors").insertOne({ _id: "doc_r1" });
    const claims = db.collection<Record<string, unknown> & { _id: string }>("claims");
    await claims.insertMany([
      {
        _id: "doc_r1:1800000000000",
        doctorId: "doc_r1",
        start: new Date(1_800_000_000_000),
        appointmentId: "apt_crashed",
        claimToken: "t1",
        createdAt: new Date(Date.now() - 3_600_000),
      },
      {
        _id: "doc_r1:1800000300000",
        doctorId: "doc_r1",
        start: new Date(1_800_000_300_000),
        appointmentId: "apt_in_flight",
        claimToken: "t2",
        createdAt: new Date(),
      },
    ]);

    const dry = await task("reconcile", [], env);
    assert.equal(dry.code, 0, dry.text);
    assert.match(dry.text, /orphan_claim\tdoctor=doc_r1\tkey=doc_r1:1800000000000/);
    assert.match(dry.text, /1 findings/);
    assert.equal(
      await claims.countDocuments({ doctorId: "doc_r1" }),
      2,
      "a dry run changes nothing",
    );

    const refused = await task("reconcile", ["--fix"], env);
    assert.notEqual(refused.code, 0, "no terminal and no --yes: refuse");
    assert.equal(await claims.countDocuments({ doctorId: "doc_r1" }), 2);

    const fixed = await task("reconcile", ["--fix", "--yes"], env);
    assert.equal(fixed.code, 0, fixed.text);
    assert.match(fixed.text, /1 repaired/);
    const left = await claims.find({ doctorId: "doc_r1" }).toArray();
    assert.deepEqual(left.map((c) => c.appointmentId), ["apt_in_flight"]);

    const bad = await task("reconcile", ["--grace-seconds", "soon"], env);
    assert.equal(bad.code, 2, bad.text);
  } finally {
    await client.close();
    await ferret.stop();
  }
});
