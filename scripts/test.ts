/**
 * Runs the whole test suite and ends with one summary line `N passed, N failed` (tests and test
 * steps), which CI reads. The tests start their own services (server processes, redis-server,
 * FerretDB, Chromium) on loopback ports; this script only checks they are installed and says
 * which are missing.
 *
 * Usage: deno task test [--filter NAME] [PATH...]
 *   --help        show this text
 *   --filter X    run only tests whose name contains X
 *   PATH          test files or folders (default: tests/)
 */
const args = [...Deno.args];
if (args.includes("--help")) {
  console.log(
    "Usage: deno task test [--filter NAME] [PATH...]\nRuns every test and prints 'N passed, N failed'.",
  );
  Deno.exit(0);
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
  env: { NO_COLOR: "1" },
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
