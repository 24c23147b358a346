/**
 * gc_trace.ts reads V8's `--trace-gc` lines (as deno 2.9's V8 prints them) into young and full
 * collections with their pauses and V8's time, and keeps only those that happened inside a window
 * (by V8's time, not by when their buffered block arrived); and
 * v8FlagsWith adds a benchmark's V8 flags to the start task's in one `--v8-flags` argument.
 */
import assert from "node:assert/strict";
import { GcWatch, parseGcLine } from "../../scripts/load/gc_trace.ts";
import { parseStartTask, v8FlagsWith } from "../../scripts/_start_task.ts";

const SCAVENGE =
  "[19303:0x55a4c958f000]       73 ms: Scavenge 3.3 (3.6) -> 3.1 (4.6) MB, pooled: 0.0 MB, 15.45 / 0.00 ms (average mu = 1.000, current mu = 1.000) allocation failure; ";
const MARK_COMPACT =
  "[19348:0x55ebb3a77000]      817 ms: Incremental Mark-Compact 84.6 (86.6) -> 68.2 (70.6) MB, pooled: 0.0 MB, 104.06 / 0.00 ms (+ 1.7 ms in 21 steps since start of marking, biggest step 0.7 ms, walltime since start of marking 115 ms) (average mu = 0.801, current mu = 0.796) finalize incremental marking via stack guard; GC in old space requested";
const REDUCE =
  "[1:0x1]     9001 ms: Mark-Compact (reduce) 40.1 (52.0) -> 30.2 (41.0) MB, 7.50 / 0.00 ms (average mu = 0.9, current mu = 0.9) memory reducer; GC in old space requested";

Deno.test("parseGcLine() tells young from full collections and reads the pause", () => {
  assert.deepEqual(parseGcLine(SCAVENGE), { kind: "young", pauseMs: 15.45, v8Ms: 73 });
  assert.deepEqual(parseGcLine(MARK_COMPACT), { kind: "full", pauseMs: 104.06, v8Ms: 817 });
  assert.deepEqual(parseGcLine(REDUCE), { kind: "full", pauseMs: 7.5, v8Ms: 9001 });
  assert.equal(parseGcLine('{"level":"warn","msg":"outbox pass failed"}'), null);
});

/** `line` (one of the above) as printed `v8Ms` ms after the isolate started. */
function at(line: string, v8Ms: number): string {
  return line.replace(/\d+ ms: /, `${v8Ms} ms: `);
}

Deno.test("GcWatch joins lines split across chunks and places each at V8's time, not its block's arrival", () => {
  const watch = new GcWatch();
  // V8's stdio sends lines in blocks: three scavenges at 100-300 ms arrive together at 1330.
  const first = [100, 200, 300].map((ms) => at(SCAVENGE, ms)).join("\n") + "\n";
  watch.add(first.slice(0, 40), 1330);
  watch.add(first.slice(40) + "noise\n", 1330);
  // The next block's last line arrives 30 ms after V8 printed it: the clocks' offset.
  watch.add(at(MARK_COMPACT, 1300) + "\n" + at(SCAVENGE, 2000) + "\n", 2030);
  assert.deepEqual(watch.between(0, 1000), {
    young: 3,
    youngMs: 46.3,
    youngMaxMs: 15.45,
    full: 0,
    fullMs: 0,
    fullMaxMs: 0,
  });
  assert.deepEqual(watch.between(1000, 1500), {
    young: 0,
    youngMs: 0,
    youngMaxMs: 0,
    full: 1,
    fullMs: 104.1,
    fullMaxMs: 104.06,
  });
  assert.deepEqual(watch.between(1500, 2100), {
    young: 1,
    youngMs: 15.5,
    youngMaxMs: 15.45,
    full: 0,
    fullMs: 0,
    fullMaxMs: 0,
  });
});

Deno.test("v8FlagsWith() adds flags to the start task's one --v8-flags argument", () => {
  const task = parseStartTask("deno run --v8-flags=--a=8,--b -A src/main.ts");
  assert.deepEqual(v8FlagsWith(task, []), ["--v8-flags=--a=8,--b"]);
  assert.deepEqual(v8FlagsWith(task, ["--trace-gc", "--c"]), [
    "--v8-flags=--a=8,--b,--trace-gc,--c",
  ]);
  const bare = parseStartTask("deno run -A src/main.ts");
  assert.deepEqual(v8FlagsWith(bare, ["--trace-gc"]), ["--v8-flags=--trace-gc"]);
});
