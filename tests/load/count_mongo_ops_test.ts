/**
 * scripts/load/count_mongo_ops.ts counts the commands of each step of a booking on FerretDB as the
 * driver sends them, and those counts say what the booking core's choices cost: a sign-in reads
 * the phone pointers (doctor's and patient's) in one find, and a new patient registers without
 * reading them again; a booking inserts its event mark rather than upserting it. Each run is the
 * script itself, as an operator runs it (`AT_ONCE=2` keeps its concurrent part short).
 */
import assert from "node:assert/strict";
import { runCommand } from "../_harness/command.ts";

/** Each step's "command collection" → count, from the script's table under `label`. */
function stepsUnder(text: string, label: string): Map<string, Map<string, number>> {
  const table = text.split(`\n${label}\n`)[1]?.split("\n\n")[0];
  assert.ok(table, text);
  const steps = new Map<string, Map<string, number>>();
  for (const row of table.split("\n").slice(2)) {
    const [step, , by] = row.split("|").slice(1).map((c) => c.trim());
    const counts = new Map<string, number>();
    for (const item of by ? by.split(", ") : []) {
      const at = item.lastIndexOf(" ");
      counts.set(item.slice(0, at), Number(item.slice(at + 1)));
    }
    steps.set(step, counts);
  }
  return steps;
}

Deno.test("count_mongo_ops: a returning patient's sign-in reads phones once; a booking inserts its mark", async () => {
  const out = await runCommand(Deno.execPath(), ["run", "-A", "scripts/load/count_mongo_ops.ts"], {
    AT_ONCE: "2",
  });
  assert.equal(out.code, 0, out.stderr);
  const first = stepsUnder(out.stdout, "first booking, new patient");
  const again = stepsUnder(out.stdout, "second booking, same patient");

  const verify = again.get("POST /v1/auth/verify");
  assert.ok(verify, out.stdout);
  assert.equal(verify.get("find phones"), 1, "the doctor's and the patient's pointer in one find");
  assert.equal(verify.get("find patients"), 1);
  assert.equal(verify.get("insert phones"), undefined, "a returning patient inserts nothing");
  // A new patient's pointers are read once, then its pointer and record are inserted.
  const registers = first.get("POST /v1/auth/verify");
  assert.ok(registers, out.stdout);
  assert.equal(registers.get("find phones"), 1, "no second look before the insert");
  assert.equal(registers.get("insert phones"), 1);
  assert.equal(registers.get("insert patients"), 1);

  for (const steps of [first, again]) {
    const confirm = steps.get("POST /v1/holds/:id/confirm");
    assert.ok(confirm, out.stdout);
    assert.equal(confirm.get("insert event_marks"), 1, "the booking's mark is inserted");
    assert.equal(confirm.get("update event_marks"), undefined, "no upsert of the mark");
  }
});
