/**
 * Child processes under load: the Vaidya server (`deno run src/main.ts`, optionally with
 * `--cpu-prof`) and the baseline servers. Each runs on a fixed loopback port; this module starts
 * it, times the first answer on its ready path, reads its RSS from /proc, and can SIGKILL it,
 * stop it with SIGTERM, and start it again on the same port and data. It never touches a process
 * it did not start.
 */
import { freePort, REPO_ROOT } from "../../tests/_harness/ports.ts";
import { ADMIN_PHONE } from "../../tests/_harness/server.ts";
import { START_ENTRY, START_TASK, v8FlagsWith, WARM_UP_ARGS } from "../_start_task.ts";
import { ensureBuilt } from "../build.ts";

export interface ProcessSpec {
  /** Arguments after `deno` (e.g. ["run", "-A", "src/main.ts"]). */
  args: string[];
  env: Record<string, string>;
  port: number;
  readyPath: string;
  readyTimeoutMs?: number;
  /** Sees every chunk of the process's stdout and stderr as it arrives. */
  onOutput?: (text: string) => void;
}

export interface ChildServer {
  url: string;
  port: number;
  pid(): number | null;
  /** Milliseconds from spawn to the first 2xx on the ready path, for the latest start. */
  startupMs: number;
  /** VmRSS and VmHWM (peak) of the running process, from /proc, in MB. */
  memory(): Promise<
    | {
      rssMb: number;
      peakMb: number;
      anonMb: number;
      fileMb: number;
      heapUsedMb: number | null;
      /** The V8 heap's committed size: anonMb minus this is malloc, stacks and the rest. */
      heapTotalMb: number | null;
    }
    | null
  >;
  /** User + system CPU seconds the running process has used, from /proc; null if unreadable. */
  cpuSeconds(): Promise<number | null>;
  logTail(): string;
  /** SIGKILL; resolves with how the process ended (null if it was not running). */
  kill(): Promise<Deno.CommandStatus | null>;
  stop(): Promise<void>;
  start(): Promise<void>;
}

const LOG_TAIL_CHARS = 16_000;

/**
 * Reads a /proc file. Deno asks for --allow-all to read /proc directly, so without it this
 * falls back to `cat` (the load task has --allow-run but not -A).
 */
export async function readProc(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    const out = await new Deno.Command("cat", { args: [path], stderr: "null" }).output();
    if (!out.success) throw new Error(`Cannot read ${path}`);
    return new TextDecoder().decode(out.stdout);
  }
}

/** USER_HZ on Linux (`getconf CLK_TCK`). */
const CLOCK_TICKS_PER_SECOND = 100;

/** User + system CPU seconds process `pid` has used, from /proc/PID/stat (throws if it is gone). */
export async function cpuSecondsOf(pid: number): Promise<number> {
  // Fields 14 and 15 of /proc/PID/stat (after the parenthesised name): utime, stime in ticks.
  const stat = await readProc(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

export async function startChild(spec: ProcessSpec): Promise<ChildServer> {
  let child: Deno.ChildProcess | null = null;
  let tail = "";
  let pump: Promise<void> = Promise.resolve();
  const decoder = new TextDecoder();
  const url = `http://127.0.0.1:${spec.port}`;

  async function spawn(): Promise<number> {
    const started = performance.now();
    const proc = new Deno.Command(Deno.execPath(), {
      args: spec.args,
      cwd: REPO_ROOT,
      env: { NO_COLOR: "1", ...spec.env },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    child = proc;
    const read = async (stream: ReadableStream<Uint8Array>) => {
      for await (const chunk of stream) {
        const text = decoder.decode(chunk, { stream: true });
        spec.onOutput?.(text);
        tail = (tail + text).slice(-LOG_TAIL_CHARS);
      }
    };
    pump = Promise.all([read(proc.stdout), read(proc.stderr)]).then(() => {});
    const state: { exited: Deno.CommandStatus | null } = { exited: null };
    proc.status.then((s) => state.exited = s);
    const deadline = Date.now() + (spec.readyTimeoutMs ?? 30_000);
    while (Date.now() < deadline) {
      if (state.exited) {
        throw new Error(`${spec.args.join(" ")} exited with ${state.exited.code}:\n${tail}`);
      }
      try {
        const res = await fetch(url + spec.readyPath, { signal: AbortSignal.timeout(1_000) });
        await res.body?.cancel();
        if (res.ok) return performance.now() - started;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`${spec.args.join(" ")} gave no answer on ${spec.readyPath}:\n${tail}`);
  }

  async function waitExit(): Promise<Deno.CommandStatus | null> {
    const running = child;
    if (!running) return null;
    const status = await running.status;
    await pump;
    if (child === running) child = null;
    return status;
  }

  const server: ChildServer = {
    url,
    port: spec.port,
    pid: () => child?.pid ?? null,
    startupMs: 0,
    async memory() {
      if (!child) return null;
      try {
        const status = await readProc(`/proc/${child.pid}/status`);
        const mb = (field: string) => {
          const kb = new RegExp(`${field}:\\s+(\\d+)\\s+kB`).exec(status);
          return kb ? Math.round(Number(kb[1]) / 102.4) / 10 : 0;
        };
        return {
          rssMb: mb("VmRSS"),
          peakMb: mb("VmHWM"),
          anonMb: mb("RssAnon"),
          fileMb: mb("RssFile"),
          ...await heapMb(url),
        };
      } catch {
        return null;
      }
    },
    async cpuSeconds() {
      if (!child) return null;
      try {
        return await cpuSecondsOf(child.pid);
      } catch {
        return null;
      }
    },
    logTail: () => tail,
    async kill() {
      if (!child) return null;
      child.kill("SIGKILL");
      return await waitExit();
    },
    async stop() {
      if (!child) return;
      child.kill("SIGTERM");
      await waitExit();
    },
    async start() {
      if (child) throw new Error(`Cannot start ${spec.args.join(" ")}: already running`);
      server.startupMs = Math.round(await spawn());
    },
  };
  await server.start();
  return server;
}

export interface AppServerOptions {
  kvPath: string;
  env?: Record<string, string>;
  /** Write a V8 CPU profile into this directory when the server stops (SIGTERM). */
  cpuProfDir?: string;
  /** V8 flags added to the start task's (v8FlagsWith). */
  v8Flags?: string[];
  /** Sees the server's output as it arrives (e.g. `--trace-gc` lines). */
  onOutput?: (text: string) => void;
}

export { ADMIN_PHONE };

/**
 * Runs the image's warm-up step (WARM_UP_ARGS, as the Dockerfile does after `deno cache`), so the
 * start timed next finds Deno's V8 code cache as a deployed image has it. V8 rejects a cached
 * compilation made under other V8 flags, and Deno then compiles the module afresh and rewrites its
 * entry (fsyncs included). This harness runs without the start task's V8 flags and has itself just
 * loaded zod and ~40 of the server's own modules (for the store check); the previous run's Hono
 * baseline and any `deno test` load others: without this step the timed start paid ~100 ms of CPU
 * recompiling them (docs/BENCHMARKS.md, issue 15), which no deployed image's first start pays.
 */
async function warmUpCodeCache(): Promise<void> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: WARM_UP_ARGS,
    cwd: REPO_ROOT,
    env: { NO_COLOR: "1", ...START_TASK.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    throw new Error(`deno ${WARM_UP_ARGS.join(" ")} exited with ${out.code}:\n${text}`);
  }
}

/**
 * Starts the real Vaidya server with rate limits off, on a free port and the given KV file, after
 * the image's warm-up step (warmUpCodeCache); a later `start()` of the same server (a restart)
 * runs no warm-up.
 */
export async function startAppServer(options: AppServerOptions): Promise<ChildServer> {
  await ensureBuilt();
  await warmUpCodeCache();
  const port = freePort();
  const prof = options.cpuProfDir
    ? ["--cpu-prof", "--cpu-prof-interval=250", `--cpu-prof-dir=${options.cpuProfDir}`]
    : [];
  return startChild({
    // The V8 flags and environment assignments of `deno task start`: run as in production.
    args: ["run", "-A", ...v8FlagsWith(START_TASK, options.v8Flags ?? []), ...prof, START_ENTRY],
    port,
    readyPath: "/healthz",
    env: {
      ...START_TASK.env,
      APP_ENV: "test",
      HOST: "127.0.0.1",
      PORT: String(port),
      KV_PATH: options.kvPath,
      ADMIN_PHONES: ADMIN_PHONE,
      RATE_LIMIT_DISABLED: "true",
      LOG_LEVEL: "warn",
      ...options.env,
    },
    onOutput: options.onOutput,
  });
}

/** Starts a baseline server script from scripts/load/ (it reads PORT). */
export function startBaseline(script: string): Promise<ChildServer> {
  const port = freePort();
  return startChild({
    args: ["run", "--allow-net=127.0.0.1", "--allow-env=PORT", `scripts/load/${script}`],
    port,
    readyPath: "/",
    env: { PORT: String(port) },
  });
}

/** The JS heap in use, from the server's own /metrics, so a report can split RSS into heap and rest. */
async function heapMb(
  url: string,
): Promise<{ heapUsedMb: number | null; heapTotalMb: number | null }> {
  try {
    const text = await (await fetch(`${url}/metrics`)).text();
    const mb = (kind: string) => {
      const m = new RegExp(`vaidya_process_memory_bytes\\{kind="${kind}"\\} (\\d+)`).exec(text);
      return m ? Math.round(Number(m[1]) / 104857.6) / 10 : null;
    };
    return { heapUsedMb: mb("heap_used"), heapTotalMb: mb("heap_total") };
  } catch {
    return { heapUsedMb: null, heapTotalMb: null };
  }
}
