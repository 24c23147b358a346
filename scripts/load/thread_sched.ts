/**
 * How the threads of a few processes were scheduled between two readings: CPU time, time spent
 * runnable but waiting for a CPU (`/proc/PID/task/TID/schedstat`, nanoseconds) and involuntary
 * context switches (`nonvoluntary_ctxt_switches`, a preemption each). `bench:http` reads it around
 * each wrk run so a report can tell a server that was busy from one that waited for a CPU the load
 * generator or its own GC helpers held (issue 15: on 2 CPUs the server's main thread, wrk's two
 * threads and V8's helpers are more runnable threads than CPUs). One `sh` reads every thread at
 * once (Deno asks for --allow-all to read /proc itself); it reads only.
 */

/** One thread's counters so far. */
export interface ThreadCounters {
  pid: number;
  name: string;
  cpuNs: number;
  waitNs: number;
  involuntary: number;
}

/** Counters by thread id. */
export type SchedReading = Map<number, ThreadCounters>;

// For each task: "pid tid cpu_ns wait_ns slices involuntary name" (the name last: it has spaces).
const READ_TASKS = `for p in "$@"; do for t in /proc/$p/task/*; do
  s=$(cat "$t/schedstat" 2>/dev/null) || continue
  v=$(grep -s '^nonvoluntary_ctxt_switches' "$t/status" | tr -dc 0-9)
  echo "$p \${t##*/} $s \${v:-0} $(cat "$t/comm" 2>/dev/null)"
done; done`;

/** Parses READ_TASKS's output (exported for its test). */
export function parseTasks(text: string): SchedReading {
  const out: SchedReading = new Map();
  for (const line of text.split("\n")) {
    const m = /^(\d+) (\d+) (\d+) (\d+) \d+ (\d+) (.*)$/.exec(line);
    if (!m) continue;
    out.set(Number(m[2]), {
      pid: Number(m[1]),
      name: m[6].trim(),
      cpuNs: Number(m[3]),
      waitNs: Number(m[4]),
      involuntary: Number(m[5]),
    });
  }
  return out;
}

/** Every thread of the running processes among `pids` (gone ones are left out). */
export async function readSched(pids: number[]): Promise<SchedReading> {
  const out = await new Deno.Command("sh", {
    args: ["-c", READ_TASKS, "sh", ...pids.map(String)],
    stdout: "piped",
    stderr: "null",
  }).output();
  return parseTasks(new TextDecoder().decode(out.stdout));
}

/** What one process's threads did over `wallMs`, per request where it says so. */
export interface ProcessSched {
  /** The main thread (tid = pid): shares of the wall time running, runnable but waiting, neither. */
  mainBusyPct: number;
  mainWaitPct: number;
  mainIdlePct: number;
  /** Preemptions of the main thread per request. */
  mainPreemptionsPerRequest: number;
  /** Every other thread together (V8's GC and compiler helpers, Deno KV's SQLite, ...). */
  otherCpuMs: number;
  otherWaitMs: number;
  /**
   * Of `otherCpuMs`, Deno KV's SQLite threads (named `sw-N`): where a local KV file's reads and
   * commits run, one at a time, so its CPU beside the main thread's tells which of the two a
   * store-bound phase waited for.
   */
  kvCpuMs: number;
}

const pct = (part: number, whole: number) => Math.round((part / whole) * 1000) / 10;

/** The scheduling of process `pid` between two readings that span `wallMs` and `requests`. */
export function processSched(
  before: SchedReading,
  after: SchedReading,
  pid: number,
  wallMs: number,
  requests: number,
): ProcessSched | null {
  const main = after.get(pid);
  const main0 = before.get(pid);
  if (!main || !main0 || wallMs <= 0) return null;
  const busyMs = (main.cpuNs - main0.cpuNs) / 1e6;
  const waitMs = (main.waitNs - main0.waitNs) / 1e6;
  let otherCpuNs = 0;
  let otherWaitNs = 0;
  let kvCpuNs = 0;
  for (const [tid, t] of after) {
    if (t.pid !== pid || tid === pid) continue;
    const t0 = before.get(tid);
    const cpuNs = t.cpuNs - (t0?.cpuNs ?? 0);
    otherCpuNs += cpuNs;
    otherWaitNs += t.waitNs - (t0?.waitNs ?? 0);
    if (/^sw-\d+$/.test(t.name)) kvCpuNs += cpuNs;
  }
  return {
    mainBusyPct: pct(busyMs, wallMs),
    mainWaitPct: pct(waitMs, wallMs),
    mainIdlePct: pct(Math.max(0, wallMs - busyMs - waitMs), wallMs),
    mainPreemptionsPerRequest: requests > 0
      ? Math.round(((main.involuntary - main0.involuntary) / requests) * 100) / 100
      : 0,
    otherCpuMs: Math.round(otherCpuNs / 1e6),
    otherWaitMs: Math.round(otherWaitNs / 1e6),
    kvCpuMs: Math.round(kvCpuNs / 1e6),
  };
}

/**
 * CPU ms of the main threads of `pids` together, and of all their other threads together (V8's
 * compiler and GC helpers, Deno KV's threads, ...), between two readings: `bench:http --cluster`
 * splits the instances' CPU this way, so a cold run's JIT compiling shows beside the requests'.
 */
export function threadsCpu(
  before: SchedReading,
  after: SchedReading,
  pids: number[],
): { mainCpuMs: number; otherCpuMs: number } {
  const of = new Set(pids);
  let mainNs = 0;
  let otherNs = 0;
  for (const [tid, t] of after) {
    if (!of.has(t.pid)) continue;
    const spent = t.cpuNs - (before.get(tid)?.cpuNs ?? 0);
    if (tid === t.pid) mainNs += spent;
    else otherNs += spent;
  }
  return { mainCpuMs: Math.round(mainNs / 1e6), otherCpuMs: Math.round(otherNs / 1e6) };
}
