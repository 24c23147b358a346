/**
 * Runs Debian's wrk against one loopback server and parses its `--latency` report. Paths rotate
 * through a generated Lua script (each thread starts at a random offset), so a run spreads over
 * many doctors. The generator's own CPU time comes from the shell's `times` after wrk exits, so
 * a report can say which share of the machine the generator took.
 */

export interface WrkOptions {
  url: string;
  paths: string[];
  connections: number;
  seconds: number;
  threads?: number;
  /** Extra Lua appended to the script (e.g. a `response` hook); optional. */
  lua?: string;
}

export interface WrkResult {
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  non2xx: number;
  /** CPU seconds (user + system) wrk itself used. */
  generatorCpuSeconds: number;
  /** generatorCpuSeconds over (duration x CPUs), in percent of the whole machine. */
  generatorCpuShare: number;
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
): Omit<WrkResult, "generatorCpuSeconds" | "generatorCpuShare"> {
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
  return {
    requests: Number(total[1]),
    requestsPerSecond: Math.round(Number(rps[1])),
    p50Ms: pct("50"),
    p99Ms: pct("99"),
    maxMs: max ? Math.round(toMs(max[1], max[2]) * 100) / 100 : NaN,
    errors: sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
    non2xx: non2xx ? Number(non2xx[1]) : 0,
  };
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
    const res = await cmd.output();
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
    };
  } finally {
    await Deno.remove(script).catch(() => {});
  }
}
