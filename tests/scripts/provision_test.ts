/**
 * The set-up behind the README's two commands: scripts/provision.sh on a provisioned machine
 * (what every run after the first sees) installs nothing, says so in one line per part and prints
 * the harness environment; `deno task test` (scripts/test.ts) hands that environment to the tests,
 * and when provisioning cannot run it says so and still ends with the `N passed, N failed` line.
 * Timings are not asserted here (see the README for the measured figure).
 */
import assert from "node:assert/strict";
import { runCommand } from "../_harness/command.ts";

const PARTS = ["Debian packages", "FerretDB", "denokv", "Lighthouse", "Schemathesis"];
const PROBE = "tests/fixtures/provisioned_env_probe.ts";

const lines = (text: string) => text.split("\n").filter((l) => l.trim() !== "");

Deno.test("provision.sh, everything present: one 'present' line per part, NAME=value lines", async () => {
  const { code, stdout, stderr } = await runCommand("bash", ["scripts/provision.sh"]);
  assert.equal(code, 0, stderr);
  const said = lines(stderr);
  assert.ok(said.every((l) => l.startsWith("== provision: ")), said.join("\n"));
  assert.deepEqual(
    said.map((l) => PARTS.find((p) => l.includes(`: ${p}`))),
    PARTS,
    said.join("\n"),
  );
  for (const line of said) {
    assert.match(line, /: (present|ready) \(/, `nothing installed or built: ${line}`);
    assert.doesNotMatch(line, /installing|building|fetching/);
  }
  const env: Record<string, string> = Object.fromEntries(
    lines(stdout).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  assert.deepEqual(Object.keys(env), ["FERRETDB_BIN", "DENOKV_BIN", "SCHEMATHESIS_BIN"]);
  for (const [name, path] of Object.entries(env)) {
    const info = await Deno.stat(path);
    assert.ok(info.isFile && (info.mode ?? 0) & 0o111, `${name}=${path} is executable`);
  }
});

Deno.test("deno task test provisions first and passes FERRETDB_BIN, DENOKV_BIN, SCHEMATHESIS_BIN on", async () => {
  // Without provisioning, the probe sees none of them (this process's own env may carry them).
  const env = { FERRETDB_BIN: "", DENOKV_BIN: "", SCHEMATHESIS_BIN: "" };
  const bare = await runCommand(
    Deno.execPath(),
    ["run", "-A", "scripts/test.ts", "--no-provision", PROBE],
    env,
  );
  assert.equal(bare.code, 1);
  assert.equal(lines(bare.stdout).at(-1), "0 passed, 1 failed");
  const provisioned = await runCommand(
    Deno.execPath(),
    ["run", "-A", "scripts/test.ts", PROBE],
    env,
  );
  assert.equal(provisioned.code, 0, provisioned.stdout + provisioned.stderr);
  assert.equal(lines(provisioned.stdout).at(-1), "1 passed, 0 failed");
  assert.equal(lines(provisioned.stderr).filter((l) => l.startsWith("== provision: ")).length, 5);
});

Deno.test("deno task test: provisioning that cannot run stops before the tests, with the summary line", async () => {
  const result = await runCommand(Deno.execPath(), ["run", "-A", "scripts/test.ts", PROBE], {
    PATH: "/nonexistent", // no bash
  });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /Cannot run bash .*provision\.sh/);
  assert.match(result.stderr, /Provisioning failed/);
  assert.equal(lines(result.stdout).at(-1), "0 passed, 1 failed");
  assert.doesNotMatch(result.stdout, /running 1 test/);
});

Deno.test(".ci/run without Node.js: says npx is needed and still ends with the summary line", async () => {
  // A PATH with the few tools the script uses before npx (dirname), and no npx.
  const bin = await Deno.makeTempDir({ prefix: "vaidya-no-node-" });
  try {
    await Deno.symlink("/usr/bin/dirname", `${bin}/dirname`);
    const result = await runCommand("/bin/bash", [".ci/run"], { PATH: bin });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Node\.js is required/);
    assert.equal(lines(result.stdout).at(-1), "0 passed, 1 failed");
  } finally {
    await Deno.remove(bin, { recursive: true });
  }
});
