/**
 * `deno task fuzz:api` with its own permissions: a bounded Schemathesis run against the real
 * server (one operation, anonymous, fuzzing phase) passes, and a missing Schemathesis or an
 * unknown role stops it with a plain message and exit code 2. The full four-role run is
 * `deno task fuzz:api` (see /work/notes/issue-16.md for its figures).
 */
import assert from "node:assert/strict";
import { runTask } from "./_run_task.ts";

Deno.test("fuzz:api runs Schemathesis as anonymous against a fresh server and passes /healthz", async () => {
  const dir = await Deno.makeTempDir();
  const res = await runTask("fuzz:api", [
    "--roles",
    "anonymous",
    "--phases",
    "fuzzing",
    "--max-examples",
    "3",
    "--paths",
    "^/healthz$",
  ], dir);
  assert.equal(res.code, 0, res.stdout + res.stderr);
  assert.match(res.stdout, /== anonymous: no failures/);
  assert.match(res.stdout, /Selected: 1\/\d+/);
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
