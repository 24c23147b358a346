import assert from "node:assert/strict";
import { shares } from "../../scripts/load/generators.ts";
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
