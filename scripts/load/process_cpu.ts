/**
 * CPU time of the processes a benchmark started, grouped by program: every descendant of this
 * process (the instances, nginx and its workers, denokv, FerretDB, ...) by its command name, read
 * from /proc/PID/stat (user + system). A run reads it before and after a wrk run and divides by the
 * requests answered, so a report can say which process spends what per request (issue 15: on the
 * cluster wrk, nginx, three instances and denokv share two CPUs). Reads only; starts nothing but
 * `ps` and `cat`.
 */
import { cpuSecondsOf } from "./server_process.ts";

/** CPU seconds by command name (`deno`, `nginx`, `denokv`, ...), descendants of this process only. */
export type CpuByProgram = Map<string, number>;

async function descendants(exclude: Set<number>): Promise<Map<number, string>> {
  const out = await new Deno.Command("ps", {
    args: ["-e", "-o", "pid=,ppid=,comm="],
    stdout: "piped",
    stderr: "null",
  }).output();
  const parent = new Map<number, number>();
  const name = new Map<number, string>();
  for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
    const m = /^\s*(\d+)\s+(\d+)\s+(.+)$/.exec(line);
    if (!m) continue;
    parent.set(Number(m[1]), Number(m[2]));
    name.set(Number(m[1]), m[3].trim());
  }
  const mine = new Map<number, string>();
  for (const [pid, comm] of name) {
    if (exclude.has(pid) || comm === "ps" || comm === "cat") continue;
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) {
      if (exclude.has(p)) break;
      if (p === Deno.pid) {
        mine.set(pid, comm);
        break;
      }
    }
  }
  return mine;
}

/** The process ids of `program` (a command name) among this process's descendants, except `exclude`. */
export async function descendantPids(program: string, exclude: number[] = []): Promise<number[]> {
  return [...await descendants(new Set(exclude))].filter(([, comm]) => comm === program)
    .map(([pid]) => pid);
}

/** CPU seconds so far of each program among this process's descendants, except `exclude`. */
export async function cpuByProgram(exclude: number[] = []): Promise<CpuByProgram> {
  const totals: CpuByProgram = new Map();
  for (const [pid, comm] of await descendants(new Set(exclude))) {
    const seconds = await cpuSecondsOf(pid).catch(() => null);
    if (seconds === null) continue; // exited meanwhile
    totals.set(comm, (totals.get(comm) ?? 0) + seconds);
  }
  return totals;
}

/** Microseconds of CPU per request for each program between two readings. */
export function microsecondsPerRequest(
  before: CpuByProgram,
  after: CpuByProgram,
  requests: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [program, seconds] of after) {
    const spent = seconds - (before.get(program) ?? 0);
    out[program] = requests > 0 ? Math.round((spent * 1e6) / requests) : 0;
  }
  return out;
}
