/**
 * thread_sched.ts: the per-thread reading of /proc (CPU, time runnable but waiting for a CPU,
 * preemptions) and what a run's report makes of two readings. One case reads this test's own
 * process for real while a worker thread spins.
 */
import assert from "node:assert/strict";
import {
  parseTasks,
  processSched,
  readSched,
  threadsCpu,
} from "../../scripts/load/thread_sched.ts";

const BEFORE = `100 100 1000000000 200000000 50 10 deno
100 101 50000000 10000000 5 1 V8 DefaultWorke
100 102 1000000 0 2 0 sw-0
`;
const AFTER = `100 100 1600000000 500000000 90 410 deno
100 101 80000000 30000000 9 3 V8 DefaultWorke
100 102 3000000 1000000 4 0 sw-0
100 103 5000000 2000000 1 0 V8 DefaultWorke
`;

Deno.test("parseTasks() reads each thread's counters and its name with spaces", () => {
  const r = parseTasks(BEFORE + "garbage line\n");
  assert.equal(r.size, 3);
  assert.deepEqual(r.get(101), {
    pid: 100,
    name: "V8 DefaultWorke",
    cpuNs: 50_000_000,
    waitNs: 10_000_000,
    involuntary: 1,
  });
});

Deno.test("processSched() splits the main thread's wall time and sums the other threads", () => {
  const s = processSched(parseTasks(BEFORE), parseTasks(AFTER), 100, 1000, 200);
  assert.deepEqual(s, {
    mainBusyPct: 60, // 600 ms of CPU in 1000 ms
    mainWaitPct: 30, // 300 ms runnable but waiting
    mainIdlePct: 10,
    mainPreemptionsPerRequest: 2, // 400 involuntary switches over 200 requests
    otherCpuMs: 30 + 2 + 5, // a thread born between the readings counts from zero
    otherWaitMs: 20 + 1 + 2,
    kvCpuMs: 2, // of those, the thread named sw-0 (Deno KV's SQLite)
  });
  assert.equal(processSched(parseTasks(BEFORE), parseTasks(AFTER), 999, 1000, 200), null);
});

Deno.test("threadsCpu() sums main threads and other threads over several processes", () => {
  const second = (text: string) => text.replaceAll(/^100 1(\d\d)/gm, "200 2$1");
  const before = parseTasks(BEFORE + second(BEFORE));
  const after = parseTasks(AFTER + second(AFTER));
  assert.deepEqual(threadsCpu(before, after, [100, 200]), {
    mainCpuMs: 2 * 600,
    otherCpuMs: 2 * (30 + 2 + 5),
  });
  assert.deepEqual(threadsCpu(before, after, [100]), { mainCpuMs: 600, otherCpuMs: 37 });
  assert.deepEqual(threadsCpu(before, after, [999]), { mainCpuMs: 0, otherCpuMs: 0 });
});

Deno.test("readSched() reads this process's threads, a new spinning worker among them", async () => {
  const code = "const end = Date.now() + 300; while (Date.now() < end); postMessage('done');";
  const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
  const before = await readSched([Deno.pid]);
  const worker = new Worker(url, { type: "module" });
  await new Promise((resolve) => worker.onmessage = resolve);
  const after = await readSched([Deno.pid]);
  worker.terminate();
  URL.revokeObjectURL(url);
  assert.ok(after.get(Deno.pid)!.cpuNs > 0, "the main thread is listed under the process id");
  // The worker's thread is new: it was not there before and has spent CPU since (how much
  // depends on the machine's load, so no amount is asserted).
  const born = [...after].filter(([tid, t]) => !before.has(tid) && t.cpuNs > 0 && t.name !== "");
  assert.ok(born.length >= 1, `no new busy thread among ${[...after.values()].map((t) => t.name)}`);
});
