/**
 * gc_trace.ts reads V8's `--trace-gc` lines (as deno 2.9's V8 prints them) into young and full
 * collections with their pauses, and keeps only those that arrived inside a window; and
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
  assert.deepEqual(parseGcLine(SCAVENGE), { kind: "young", pauseMs: 15.45 });
  assert.deepEqual(parseGcLine(MARK_COMPACT), { kind: "full", pauseMs: 104.06 });
  assert.deepEqual(parseGcLine(REDUCE), { kind: "full", pauseMs: 7.5 });
  assert.equal(parseGcLine('{"level":"warn","msg":"outbox pass failed"}'), null);
});

Deno.test("GcWatch joins lines split across chunks and sums one window only", () => {
  const watch = new GcWatch();
  watch.add(SCAVENGE.slice(0, 40), 10);
  watch.add(SCAVENGE.slice(40) + "\n" + "noise\n", 11); // completes at 11
  watch.add(MARK_COMPACT + "\n" + SCAVENGE + "\n", 20);
  watch.add(REDUCE + "\n", 30);
  assert.deepEqual(watch.between(0, 25), {
    young: 2,
    youngMs: 30.9,
    youngMaxMs: 15.45,
    full: 1,
    fullMs: 104.1,
    fullMaxMs: 104.06,
  });
  assert.deepEqual(watch.between(25, 40), {
    young: 0,
    youngMs: 0,
    youngMaxMs: 0,
    full: 1,
    fullMs: 7.5,
    fullMaxMs: 7.5,
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
