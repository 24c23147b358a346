/**
 * scripts/load/step_cpu.ts (`deno task bench:step-cpu`) measures each booking step on the store it
 * is asked for: a KV file by default, MongoDB records on FerretDB with `--mongo`. Each run is the
 * script itself, as an operator runs it, at its smallest size.
 */
import assert from "node:assert/strict";
import { runCommand } from "../_harness/command.ts";

const STEPS = [
  "login: POST /v1/auth/otp",
  "login: POST /v1/auth/verify",
  "GET /v1/doctors/:id/slots",
  "POST /v1/holds",
  "POST /v1/holds/:id/confirm",
];

async function stepCpu(...flags: string[]): Promise<string> {
  const args = ["run", "-A", "scripts/load/step_cpu.ts", "--rounds", "1", "--at-once", "3"];
  const out = await runCommand(Deno.execPath(), [...args, ...flags]);
  assert.equal(out.code, 0, out.stderr);
  return out.stdout;
}

/** The main thread's CPU ms per request of each step, from the printed table. */
function mainThread(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const cells = line.split("|").map((c) => c.trim()).filter((c) => c !== "");
    if (cells.length === 5 && STEPS.includes(cells[0])) out.set(cells[0], Number(cells[1]));
  }
  return out;
}

Deno.test("bench:step-cpu measures every step on a KV file, and with --mongo on FerretDB records", async () => {
  for (const flags of [[], ["--mongo"]]) {
    const text = await stepCpu(...flags);
    const onMongo = text.includes("Records on FerretDB");
    assert.equal(onMongo, flags.length > 0, text);
    const main = mainThread(text);
    assert.deepEqual([...main.keys()].sort(), [...STEPS].sort(), text);
    for (const [step, ms] of main) assert.ok(ms > 0 && Number.isFinite(ms), `${step}: ${ms}`);
  }
});
