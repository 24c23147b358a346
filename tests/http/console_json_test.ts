/**
 * Every line the real server prints is JSON, from start-up to exit:
 * - under chunked request bodies (the body-size guard wraps the request with its signal), Deno.serve
 *   used to print "request.signal aborts on successful responses (legacy behavior)" in plain text;
 *   deno.json opts in to `no-legacy-abort`, so the line must not appear at all;
 * - a bad configuration stops start-up with exit code 78 and one JSON line naming the variable
 *   (it used to be plain text on stderr, printed before any logger existed);
 * - console.* calls and an unhandled rejection, in a real Deno process with the entry point's
 *   wiring, come out as JSON lines (redacted), and the rejection still ends the process with 1.
 */
import assert from "node:assert/strict";
import { startServer } from "../_harness/server.ts";
import { REPO_ROOT } from "../_harness/ports.ts";
import { runCommand } from "../_harness/command.ts";
import { ensureBuilt } from "../../scripts/build.ts";
import { START_ENTRY } from "../../scripts/_start_task.ts";

function nonJsonLines(lines: string[]): string[] {
  return lines.filter((l) => {
    try {
      return typeof JSON.parse(l) !== "object";
    } catch {
      return true;
    }
  });
}

function linesOf(text: string): string[] {
  return text.split("\n").filter((l) => l.trim() !== "");
}

function runDeno(args: string[], env: Record<string, string> = {}) {
  return runCommand(Deno.execPath(), args, env);
}

Deno.test("the server's stdout and stderr are JSON lines only; no legacy request.signal warning", async () => {
  await using server = await startServer();
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${server.url}/v1/auth/otp`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      // A stream: sent chunked, without Content-Length.
      body: ReadableStream.from([
        new TextEncoder().encode(JSON.stringify({ phone: "+919800000" + String(100 + i) })),
      ]),
    });
    assert.equal(res.status, 202);
    await res.body?.cancel();
  }
  await server.stop();
  const lines = linesOf(server.logs());
  assert.ok(lines.length > 2, "the server logged something");
  assert.deepEqual(nonJsonLines(lines), []);
  const legacy = lines.filter((l) => l.includes("legacy behavior"));
  assert.deepEqual(legacy, [], "deno.json's no-legacy-abort keeps Deno.serve's warning away");
});

Deno.test("a bad configuration stops start-up with 78 and one JSON line naming the variable", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vaidya-config-" });
  try {
    // The bundle, as `deno task start` and the image run it.
    await ensureBuilt();
    const run = await runDeno(["run", "-A", START_ENTRY], {
      APP_ENV: "test",
      KV_PATH: `${dir}/test.kv`,
      PORT: "not-a-port",
      METRICS_PORT: "8000",
    });
    assert.equal(run.code, 78, run.stdout + run.stderr);
    const lines = [...linesOf(run.stdout), ...linesOf(run.stderr)];
    assert.deepEqual(nonJsonLines(lines), []);
    assert.equal(lines.length, 1, lines.join("\n"));
    const entry = JSON.parse(lines[0]);
    assert.equal(entry.level, "error");
    assert.equal(entry.msg, "invalid configuration");
    assert.ok(entry.problems.some((p: string) => p.startsWith("PORT")), entry.problems);
    assert.equal(entry.exitCode, 78);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("console.* and an unhandled rejection become JSON lines; the process still exits 1", async () => {
  const module = (path: string) => new URL(path, `file://${REPO_ROOT}`).href;
  const script = `
    import { createLogger } from "${module("src/observability/logger.ts")}";
    import { logUncaughtErrors, routeConsoleToLog } from "${
    module("src/observability/console_json.ts")
  }";
    const log = createLogger({ level: "info" });
    logUncaughtErrors(log);
    routeConsoleToLog(log);
    console.warn("a library warns about", { phone: "+919812345678" });
    console.error(new Error("printed error"));
    Promise.reject(new Error("nobody caught this"));
    setTimeout(() => console.log("still running"), 2000);
  `;
  const run = await runDeno(["eval", script]);
  assert.equal(run.code, 1, run.stdout + run.stderr);
  assert.equal(run.stderr, "", "nothing printed around the logger");
  const lines = linesOf(run.stdout);
  assert.deepEqual(nonJsonLines(lines), []);
  const entries = lines.map((l) => JSON.parse(l));
  assert.deepEqual(entries.map((e) => [e.level, e.source]), [
    ["warn", "console"],
    ["error", "console"],
    ["error", "runtime"],
  ]);
  assert.doesNotMatch(entries[0].msg, /9812345678/, "console text is redacted like any log");
  assert.equal(entries[2].msg, "unhandled rejection");
  assert.equal(entries[2].detail, "nobody caught this");
  assert.match(entries[2].stack, /nobody caught this/);
});
