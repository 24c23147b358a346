/**
 * Runs the whole test suite and ends with one summary line `N passed, N failed` (tests and test
 * steps), which CI reads. The tests start their own services (server processes, redis-server,
 * FerretDB, denokv, nginx, Chromium) on loopback ports. First it runs scripts/provision.sh, which
 * installs whatever of those is missing (cached: well under a second when all is present, one line
 * per part on stderr) and prints the NAME=value environment the tests read (FERRETDB_BIN,
 * DENOKV_BIN, SCHEMATHESIS_BIN), which this passes on to them.
 *
 * Usage: deno task test [--no-provision] [--filter NAME] [PATH...]
 *   --help          show this text
 *   --no-provision  skip scripts/provision.sh (the harness then finds binaries in their defaults)
 *   --filter X      run only tests whose name contains X
 *   PATH            test files or folders (default: tests/)
 */
const USAGE = `Usage: deno task test [--no-provision] [--filter NAME] [PATH...]
Provisions what the tests start (scripts/provision.sh), runs every test and prints
'N passed, N failed'.`;

const args = [...Deno.args];
if (args.includes("--help")) {
  console.log(USAGE);
  Deno.exit(0);
}

/** Runs scripts/provision.sh (its lines go to our stderr); its NAME=value lines, or null. */
async function provision(): Promise<Record<string, string> | null> {
  const script = new URL("./provision.sh", import.meta.url).pathname;
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command("bash", {
      args: [script],
      stdin: "null",
      stdout: "piped",
      stderr: "inherit",
    }).output();
  } catch (error) {
    console.error(`Cannot run bash ${script}: ${(error as Error).message}`);
    return null;
  }
  if (!out.success) return null;
  const env: Record<string, string> = {};
  for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) env[match[1]] = match[2];
  }
  return env;
}

const provisioned = args.includes("--no-provision") ? {} : await provision();
if (provisioned === null) {
  console.error("Provisioning failed (the line above says which part); no test ran");
  console.log("0 passed, 1 failed");
  Deno.exit(1);
}

const paths = args.filter((a, i) => !a.startsWith("--") && args[i - 1] !== "--filter");
const filterAt = args.indexOf("--filter");
const testArgs = ["test", "-A", "--no-check=remote"];
if (filterAt >= 0) testArgs.push("--filter", args[filterAt + 1]);
testArgs.push(...(paths.length > 0 ? paths : ["tests/"]));

const child = new Deno.Command(Deno.execPath(), {
  args: testArgs,
  stdout: "piped",
  stderr: "inherit",
  env: { NO_COLOR: "1", ...provisioned },
}).spawn();

let tail = "";
const decoder = new TextDecoder();
for await (const chunk of child.stdout) {
  const text = decoder.decode(chunk, { stream: true });
  await Deno.stdout.write(chunk);
  tail = (tail + text).slice(-4000);
}
const status = await child.status;

// deno prints e.g. "ok | 12 passed (40 steps) | 0 failed" or "FAILED | 3 passed (5 steps) | 1 failed (2 steps)".
const summary = /\|\s*(\d+) passed(?: \((\d+) steps?\))?\s*\|\s*(\d+) failed(?: \((\d+) steps?\))?/
  .exec(tail);
let passed = 0;
let failed = status.success ? 0 : 1;
if (summary) {
  passed = Number(summary[1]) + Number(summary[2] ?? 0);
  failed = Number(summary[3]) + Number(summary[4] ?? 0);
  if (!status.success && failed === 0) failed = 1;
}
console.log(`${passed} passed, ${failed} failed`);
Deno.exit(status.success ? 0 : 1);
