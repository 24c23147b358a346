/**
 * scripts/load/count_kv_ops.ts counts what it is asked to: in memory a booking's records are KV
 * keys; with `--mongo` they live on FerretDB and the confirm writes no appointment key to KV, while
 * the hold, the calendar version and the outbox stay there (the confirm claims no lease for its
 * inline events: they are stored held back for it); `--file` counts on a KV file. Each run
 * is the script itself, as an operator runs it.
 */
import assert from "node:assert/strict";
import { runCommand } from "../_harness/command.ts";

async function count(...flags: string[]): Promise<string> {
  const args = ["run", "-A", "scripts/load/count_kv_ops.ts", "--trace", ...flags];
  const out = await runCommand(Deno.execPath(), args);
  assert.equal(out.code, 0, out.stderr);
  return out.stdout;
}

/** The keys one step touched, from its `--trace` block (its first: the single booking's). */
function stepTrace(text: string, step: string): string[] {
  const block = text.split(`## ${step}\n`)[1]?.split("\n## ")[0] ?? "";
  return block.split("\n").map((l) => l.trim()).filter((l) => l !== "");
}

const confirmTrace = (text: string) => stepTrace(text, "POST /v1/holds/:id/confirm");

/** The "50 at once: per booking" row's commits and mutations. */
function perBooking(text: string): { commits: number; mutations: number } {
  const row = text.split("\n").find((l) => l.includes("at once: per booking"));
  assert.ok(row, text);
  const cells = row.split("|").map((c) => c.trim()).filter((c) => c !== "");
  return { commits: Number(cells[1]), mutations: Number(cells[3]) };
}

Deno.test("count_kv_ops: --mongo counts only what stays on KV, --file counts on a file", async () => {
  const memory = await count();
  assert.ok(confirmTrace(memory).some((l) => l.startsWith("set appointment/")));
  assert.ok(perBooking(memory).commits > 0);

  const mongo = await count("--mongo");
  assert.match(mongo, /Records on FerretDB: what stays on KV, on a file\./);
  const confirm = confirmTrace(mongo);
  assert.ok(confirm.length > 0, mongo);
  assert.ok(!confirm.some((l) => l.startsWith("set appointment")), confirm.join("\n"));
  assert.ok(confirm.some((l) => l.startsWith("delete hold/")), confirm.join("\n"));
  assert.ok(confirm.some((l) => l.startsWith("set calendar/")), confirm.join("\n"));
  // Its inline events are stored held back for it, as on KV: no commit claims their leases, and
  // each is marked done once run.
  assert.ok(!confirm.some((l) => l.startsWith("check event_handled/")), confirm.join("\n"));
  assert.ok(confirm.includes("set event_handled/patient.notice"), confirm.join("\n"));
  // The hold's drop reads the calendar version and the patient's holds in one call, and takes
  // the hold's expiry check out of the outbox.
  assert.ok(confirm.includes("getMany calendar/…, patient_holds/…"), confirm.join("\n"));
  const expiry = stepTrace(mongo, "POST /v1/holds").find((l) => l.startsWith("set event_due/"));
  assert.ok(expiry, mongo);
  assert.ok(confirm.includes(expiry.replace("set ", "delete ")), confirm.join("\n"));
  assert.ok(perBooking(mongo).mutations > 0);

  const file = await count("--file");
  assert.match(file, /On a KV file\./);
  assert.ok(confirmTrace(file).some((l) => l.startsWith("set appointment/")));
});

Deno.test("count_kv_ops: --mongo with a FerretDB that does not start fails and leaves no temp dir", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "vaidya-count-kv-test-" });
  try {
    const out = await runCommand(
      Deno.execPath(),
      ["run", "-A", "scripts/load/count_kv_ops.ts", "--mongo"],
      { TMPDIR: tmp, FERRETDB_BIN: "/bin/false" },
    );
    assert.notEqual(out.code, 0, "the count ran without FerretDB");
    const left = await Array.fromAsync(Deno.readDir(tmp), (e) => e.name);
    assert.deepEqual(left, [], `left behind in TMPDIR: ${left.join(", ")}`);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
