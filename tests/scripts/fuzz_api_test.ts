/**
 * `deno task fuzz:api` with its own permissions: Schemathesis with every check and every phase
 * (stateful included) against a real server as anonymous, patient, doctor and admin finds zero
 * failures, within a bounded budget (5 examples per operation and phase, two roles at a time:
 * about 2.5 minutes on 2 cores); a missing Schemathesis or an unknown role stops it with a plain
 * message and exit code 2. Longer runs: `deno task fuzz:api --max-examples 50`.
 */
import assert from "node:assert/strict";
import { runTask } from "./_run_task.ts";

const ROLES = ["anonymous", "patient", "doctor", "admin"];

Deno.test("fuzz:api finds no failure as anonymous, patient, doctor and admin, stateful phase included", async () => {
  const dir = await Deno.makeTempDir();
  const res = await runTask("fuzz:api", [
    "--phases",
    "examples,coverage,fuzzing,stateful",
    "--max-examples",
    "5",
    "--parallel",
    "2",
  ], dir);
  // On failure Schemathesis' own report (each failing request as a curl line) is the message.
  assert.equal(res.code, 0, res.stdout + res.stderr);
  const sections = res.stdout.split(/^== /m).slice(1);
  assert.deepEqual(sections.map((s) => s.split(":")[0]), ROLES);
  for (const section of sections) {
    const role = section.split(":")[0];
    const generated = Number(/no failures \((\d+) generated/.exec(section)?.[1]);
    // Every operation of the document was tested, in every phase, stateful included.
    assert.ok(generated > 1000, `${role}: only ${generated} test cases`);
    const selected = /Selected: (\d+)\/(\d+)/.exec(section);
    const tested = /Tested: (\d+)/.exec(section);
    assert.ok(selected && selected[1] === selected[2], `${role}: not every operation selected`);
    assert.equal(tested?.[1], selected[2], `${role}: not every operation tested`);
    for (const phase of ["Examples", "Coverage", "Fuzzing", "Stateful"]) {
      assert.match(section, new RegExp(`✅ ${phase}`), `${role}: ${phase} phase did not pass`);
    }
    const cases = /(\d+) generated, (\d+) passed/.exec(section);
    assert.equal(cases?.[2], cases?.[1], `${role}: some test cases did not pass`);
  }
});

Deno.test("fuzz:api refuses an unknown role and a missing Schemathesis with exit code 2", async () => {
  const dir = await Deno.makeTempDir();
  const role = await runTask("fuzz:api", ["--roles", "nurse"], dir);
  assert.equal(role.code, 2);
  assert.match(role.stderr, /unknown role nurse/);
  const missing = await runTask("fuzz:api", ["--roles", "anonymous"], dir, {
    SCHEMATHESIS_BIN: `${dir}/no-such-st`,
  });
  assert.equal(missing.code, 2);
  assert.match(
    missing.stderr,
    /Schemathesis not found at .*no-such-st: run bash scripts\/provision.sh/,
  );
});
