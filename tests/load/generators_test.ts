import assert from "node:assert/strict";
import { generatorCommand, shares } from "../../scripts/load/generators.ts";
import { parseLoadArgs } from "../../scripts/load/options.ts";

Deno.test("shares() splits the day's bookings and clients over generator processes, none lost", () => {
  assert.deepEqual(shares(5000, 2), [2500, 2500]);
  assert.deepEqual(shares(50, 3), [17, 17, 16]);
  assert.deepEqual(shares(7, 4), [2, 2, 2, 1]);
  for (const [total, parts] of [[5000, 3], [1, 1], [99, 8]]) {
    assert.equal(shares(total, parts).reduce((a, b) => a + b, 0), total);
  }
});

Deno.test("parseLoadArgs() takes --generators, at most one per virtual patient", () => {
  assert.equal(parseLoadArgs([])?.generators, 2);
  assert.equal(parseLoadArgs(["--generators", "4"])?.generators, 4);
  assert.throws(() => parseLoadArgs(["--generators", "0"]), RangeError);
  assert.throws(() => parseLoadArgs(["--generators", "8", "--concurrency", "4"]), RangeError);
});

Deno.test("parseLoadArgs() takes --settle-seconds, 0 skipping the idle memory reading", () => {
  assert.equal(parseLoadArgs([])?.settleSeconds, 15);
  assert.equal(parseLoadArgs(["--settle-seconds", "0"])?.settleSeconds, 0);
  assert.equal(parseLoadArgs(["--settle-seconds", "3"])?.settleSeconds, 3);
  assert.throws(() => parseLoadArgs(["--settle-seconds=-1"]), RangeError);
  assert.throws(() => parseLoadArgs(["--settle-seconds", "x"]), RangeError);
});

Deno.test("parseLoadArgs() takes --starts, at most 30 and only for a single server", () => {
  assert.equal(parseLoadArgs([])?.starts, undefined);
  assert.equal(parseLoadArgs(["--starts", "5"])?.starts, 5);
  assert.throws(() => parseLoadArgs(["--starts", "0"]), RangeError);
  assert.throws(() => parseLoadArgs(["--starts", "31"]), RangeError);
  assert.throws(() => parseLoadArgs(["--starts", "2", "--instances", "2"]), RangeError);
  assert.throws(() => parseLoadArgs(["--starts", "2", "--faults"]), RangeError);
});

Deno.test("parseLoadArgs() takes --generator-nice from 0 to 19, and the generators run under nice", () => {
  assert.equal(parseLoadArgs([])?.generatorNice, 0);
  assert.equal(parseLoadArgs(["--generator-nice", "10"])?.generatorNice, 10);
  assert.throws(() => parseLoadArgs(["--generator-nice", "20"]), RangeError);
  assert.throws(() => parseLoadArgs(["--generator-nice=-1"]), RangeError);
  assert.throws(() => parseLoadArgs(["--generator-nice", "1.5"]), RangeError);
  assert.deepEqual(generatorCommand(0).command, Deno.execPath());
  const niced = generatorCommand(10);
  assert.equal(niced.command, "nice");
  assert.deepEqual(niced.args.slice(0, 4), ["-n", "10", Deno.execPath(), "run"]);
  assert.deepEqual(niced.args.slice(3), generatorCommand(0).args);
});

Deno.test("a generator started under nice runs at that nice value", async () => {
  const { args } = generatorCommand(7);
  // The same `nice` invocation, running a probe that reports its own nice value instead.
  const probe = new Deno.Command("nice", {
    args: [...args.slice(0, 2), "sh", "-c", "cut -d' ' -f19 /proc/self/stat"],
    stdout: "piped",
  });
  const out = await probe.output();
  assert.ok(out.success);
  assert.equal(new TextDecoder().decode(out.stdout).trim(), "7");
});
