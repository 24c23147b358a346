/**
 * Runs Debian's wrk against one loopback server and parses its `--latency` report. Paths rotate
 * through a generated Lua script (each thread starts at a random offset), so a run spreads over
 * many doctors. The generator's own CPU time comes from the shell's `times` after wrk exits, so
 * a report can say which share of the machine the generator took; a `done` hook prints the
 * percentiles wrk's `--latency` table leaves out (p90, p99.9) and the mean, and with
 * `generatorSched` its threads' scheduling is read just before it stops (thread_sched.ts).
 */
import { readSched } from "./thread_sched.ts";

export interface WrkOptions {
  url: string;
  paths: string[];
  connections: number;
  seconds: number;
  threads?: number;
  /** Request headers every request sends (wrk's `-H`); optional. */
  headers?: Record<string, string>;
  /** Extra Lua appended to the script (e.g. a `response` hook, not `done`); optional. */
  lua?: string;
  /** Read how wrk's threads were scheduled 300 ms before the run ends (generatorWaitPct). */
  generatorSched?: boolean;
}

export interface WrkResult {
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  /** From the script's `done` hook; NaN in a report without its line. */
  p999Ms: number;
  meanMs: number;
  maxMs: number;
  errors: number;
  non2xx: number;
  /** CPU seconds (user + system) wrk itself used. */
  generatorCpuSeconds: number;
  /** generatorCpuSeconds over (duration x CPUs), in percent of the whole machine. */
  generatorCpuShare: number;
  /**
   * With `generatorSched`: the share of its worker threads' time wrk spent runnable but waiting
   * for a CPU (a response it had not read yet counts as latency meanwhile); otherwise null.
   */
  generatorWaitPct: number | null;
}

export const WRK = "/usr/bin/wrk";

function luaScript(paths: string[], extra: string): string {
  const list = paths.map((p) => `  ${JSON.stringify(p)},`).join("\n");
  return `local paths = {\n${list}\n}
local i = 0
function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
  i = math.random(#paths) - 1
end
function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
function done(summary, latency, requests)
  io.write(string.format("vaidya-latency-us p90=%d p99.9=%d mean=%.1f\\n",
    latency:percentile(90), latency:percentile(99.9), latency.mean))
end
${extra}
`;
}

function toMs(value: string, unit: string): number {
  const n = Number(value);
  return unit === "us" ? n / 1000 : unit === "s" ? n * 1000 : unit === "m" ? n * 60_000 : n;
}

function seconds(clock: string): number {
  const m = /(\d+)m([\d.]+)s/.exec(clock);
  return m ? Number(m[1]) * 60 + Number(m[2]) : 0;
}

/** Parses wrk's text report; throws with the text when it is not one. */
export function parseWrk(
  text: string,
): Omit<WrkResult, "generatorCpuSeconds" | "generatorCpuShare" | "generatorWaitPct"> {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(text);
  const total = /(\d+) requests in/.exec(text);
  if (!rps || !total) throw new Error(`Cannot read wrk's report:\n${text}`);
  const pct = (p: string) => {
    const m = new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s|m)`).exec(text);
    return m ? Math.round(toMs(m[1], m[2]) * 100) / 100 : NaN;
  };
  const max = /Latency\s+\S+\s+\S+\s+([\d.]+)(us|ms|s|m)/.exec(text);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  const done = /vaidya-latency-us p90=(\d+) p99\.9=(\d+) mean=([\d.]+)/.exec(text);
  const us = (i: number) => done ? Math.round(Number(done[i]) / 10) / 100 : NaN;
  return {
    requests: Number(total[1]),
    requestsPerSecond: Math.round(Number(rps[1])),
    p50Ms: pct("50"),
    p90Ms: pct("90"),
    p99Ms: pct("99"),
    p999Ms: us(2),
    meanMs: us(3),
    maxMs: max ? Math.round(toMs(max[1], max[2]) * 100) / 100 : NaN,
    errors: sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
    non2xx: non2xx ? Number(non2xx[1]) : 0,
  };
}

/** wrk's threads' total wait so far (it runs under `sh`: its pid is the shell's child). */
async function wrkWait(
  shellPid: number,
): Promise<{ waitMs: number; aliveMs: (since: number) => number } | null> {
  const children = await new Deno.Command("cat", {
    args: [`/proc/${shellPid}/task/${shellPid}/children`],
    stdout: "piped",
    stderr: "null",
  }).output();
  const wrkPid = Number(new TextDecoder().decode(children.stdout).trim().split(/\s+/)[0]);
  if (!Number.isInteger(wrkPid) || wrkPid <= 0) return null;
  const at = performance.now();
  // wrk's main thread only sleeps until the end; its workers are the ones that read responses.
  const workers = [...(await readSched([wrkPid])).entries()]
    .filter(([tid]) => tid !== wrkPid).map(([, t]) => t);
  if (workers.length === 0) return null;
  const waitMs = workers.reduce((sum, t) => sum + t.waitNs, 0) / 1e6;
  return { waitMs, aliveMs: (since) => (at - since) * workers.length };
}

export async function runWrk(o: WrkOptions): Promise<WrkResult> {
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(o.url)) {
    throw new Error(`wrk only runs against loopback; found ${o.url}`);
  }
  const script = await Deno.makeTempFile({ prefix: "vaidya-wrk-", suffix: ".lua" });
  try {
    await Deno.writeTextFile(script, luaScript(o.paths, o.lua ?? ""));
    const args = [
      `-t${o.threads ?? 2}`,
      `-c${o.connections}`,
      `-d${o.seconds}s`,
      "--latency",
      ...Object.entries(o.headers ?? {}).flatMap(([name, value]) => ["-H", `${name}: ${value}`]),
      "--timeout",
      "10s",
      "-s",
      script,
      o.url,
    ];
    // `times` prints the shell's, then its children's, user and system CPU time.
    const cmd = new Deno.Command("sh", {
      args: ["-c", `"$0" "$@" && times`, WRK, ...args],
      stdout: "piped",
      stderr: "piped",
    });
    const child = cmd.spawn();
    const started = performance.now();
    const sched = o.generatorSched
      ? new Promise((r) => setTimeout(r, o.seconds * 1000 - 300)).then(() => wrkWait(child.pid))
      : Promise.resolve(null);
    const [res, generatorWait] = await Promise.all([child.output(), sched]);
    const text = new TextDecoder().decode(res.stdout);
    if (!res.success) {
      throw new Error(`wrk failed: ${text}\n${new TextDecoder().decode(res.stderr)}`);
    }
    const timesLine = text.trim().split("\n").at(-1) ?? "";
    const [user, sys] = timesLine.split(/\s+/).map(seconds);
    const cpu = Math.round(((user ?? 0) + (sys ?? 0)) * 100) / 100;
    return {
      ...parseWrk(text),
      generatorCpuSeconds: cpu,
      generatorCpuShare: Math.round(cpu / (o.seconds * navigator.hardwareConcurrency) * 1000) / 10,
      generatorWaitPct: generatorWait === null
        ? null
        : Math.round((generatorWait.waitMs / generatorWait.aliveMs(started)) * 1000) / 10,
    };
  } finally {
    await Deno.remove(script).catch(() => {});
  }
}
