/**
 * `deno task bench:http`: slot listing against the HTTP ceiling, measured by wrk (Debian
 * `/usr/bin/wrk`, a C generator that is not the bottleneck) in ONE run: a bare `Deno.serve`
 * hello-world and `GET /v1/doctors/:id/slots` for a week on the embedded store (or FerretDB +
 * Redis, or the 3-instance cluster over denokv behind nginx), alternated at each connection
 * count, so both see the same machine load. Reports req/s, p99 and their ratio, the CPU
 * each program (server or instances, nginx, denokv, wrk) spent per listing, the latency
 * distribution (p50 to p99.9, mean, max) beside how the server's threads and wrk's were scheduled
 * meanwhile (thread_sched.ts: running, waiting for a CPU, idle), and the load average around the
 * run. Everything listens on 127.0.0.1; every wrk run is bounded.
 */
import { parseArgs } from "node:util";
import { renderProfile, summariseProfile } from "./cpu_profile.ts";
import { dateInDays, listSlots, loginWithRetry, seedDoctors } from "./flows.ts";
import { LoadClient } from "./client.ts";
import { Recorder } from "./recorder.ts";
import { readProc, startBaseline } from "./server_process.ts";
import { ADMIN_PHONE } from "./server_process.ts";
import { loopbackQuickAck } from "./quickack.ts";
import { startStack } from "./stack.ts";
import { startCluster } from "../../tests/_harness/cluster.ts";
import { START_TASK, v8FlagsWith } from "../_start_task.ts";
import { type GcSummary, GcWatch } from "./gc_trace.ts";
import { runWrk, type WrkResult } from "./wrk.ts";
import { cpuByProgram, descendantPids, microsecondsPerRequest } from "./process_cpu.ts";
import { type ProcessSched, processSched, readSched, threadsCpu } from "./thread_sched.ts";

export const USAGE = `Usage: deno task bench:http [flags]

Starts the real server on a fresh store (embedded KV file by default) and a bare Deno.serve, seeds
doctors, then runs wrk (-t2 --latency) against both, alternating, at each connection count.
Each slot request lists one doctor's next week (doctors and weeks rotate via a wrk Lua script).
Reports req/s and their ratio, the latency distribution, how the server's main thread spent each
run (running, waiting for a CPU, idle) and wrk's threads' wait, and CPU per listing by program
(with --cluster also the instances' main threads against their other threads: V8's compiler).

  --help               show this text
  --doctors N          doctors to seed (default 50)
  --connections LIST   comma-separated connection counts (default 50,100)
  --seconds N          duration of each wrk run (default 5)
  --warm-up N          seconds of the same wrk load, not recorded, before each measured run
                       (default 0: the first run meets a cold server, as every earlier run did;
                       its first listing load is its JIT's warm-up, ~300 functions optimised in
                       its first 2-3 s, which 2 leaves out)
  --store kv|mongo     kv: embedded KV file (default); mongo: FerretDB records and the Upstash
                       bridge over Redis, started by the harness
  --cluster            3 instances over one denokv server behind nginx (tests/_harness/cluster.ts);
                       wrk goes through nginx; not with --store mongo
  --cpu-prof           write a V8 CPU profile of the server (of each instance with --cluster)
                       to DIR/cpu and summarise one of them
  --server-v8-flags L  comma-separated V8 flags added to the start task's for the server (or the
                       instances), to compare flags in runs like these (V8 rejects the code cache
                       made under other flags: the server's start compiles afresh)
  --accept-encoding V  every wrk request (bare and listing) sends \`Accept-Encoding: V\`, as
                       browsers and mobile clients do (gzip): a listing kept for reuse is then
                       sent gzipped (default: none sent, so every answer is plain)
  --gc                 the server runs with --trace-gc too; report its young and full collections
                       (count, total and longest pause) inside each listing run; not with --cluster
  --out DIR            output directory (default test-artifacts/bench-http)
`;

interface Row {
  connections: number;
  bare: WrkResult;
  slots: WrkResult;
  ratio: number;
  /** CPU µs per listing of each program in the listing run (`deno` = the server or instances). */
  cpuPerListing: Record<string, number>;
  /** How each server's threads were scheduled during its run (null for the cluster's instances). */
  sched: { bare: ProcessSched | null; slots: ProcessSched | null };
  /** With --gc: the server's collections during the listing run. */
  gc: GcSummary | null;
  /**
   * With --cluster: the instances' CPU µs per listing in their main threads and in their other
   * threads (V8's compiler and GC helpers above all), summed over the instances.
   */
  instanceThreads: { mainUs: number; otherUs: number } | null;
}

async function loadAverage(): Promise<string> {
  return (await readProc("/proc/loadavg").catch(() => "")).split(" ").slice(0, 3).join(" ");
}

/** What wrk lists slots from: one server (kv or mongo store) or the cluster behind nginx. */
interface Target {
  url: string;
  /** The one server's process id; null for the cluster. */
  pid(): number | null;
  startupMs: number;
  logTail(): string;
  close(): Promise<void>;
}

async function startTarget(
  store: "kv" | "mongo",
  cluster: boolean,
  cpuProfDir: string | undefined,
  v8Flags: string[],
  gc: GcWatch | null,
): Promise<Target> {
  if (!cluster) {
    const stack = await startStack(store, {
      cpuProfDir,
      v8Flags: gc ? [...v8Flags, "--trace-gc"] : v8Flags,
      onOutput: gc ? (text) => gc.add(text) : undefined,
    });
    return {
      url: stack.app.url,
      pid: () => stack.app.pid(),
      startupMs: stack.app.startupMs,
      logTail: () => stack.app.logTail(),
      close: () => stack.close(),
    };
  }
  // Each instance runs as `deno task start` does in production (its V8 flags and environment),
  // like the single server of startStack.
  const c = await startCluster({
    instances: 3,
    env: { ...START_TASK.env, RATE_LIMIT_DISABLED: "true", LOG_LEVEL: "warn" },
    denoArgs: [
      ...v8FlagsWith(START_TASK, v8Flags),
      ...(cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${cpuProfDir}`] : []),
    ],
  });
  return {
    url: c.url,
    pid: () => null,
    startupMs: 0,
    logTail: () => c.instances.map((i) => i.logs().slice(-4000)).join("\n"),
    close: () => c.stop(),
  };
}

/** Runs wrk against the server `pid` and reads how the server's threads were scheduled meanwhile. */
async function scheduled(
  pid: number | null,
  run: () => Promise<WrkResult>,
): Promise<
  { result: WrkResult; sched: ProcessSched | null; startedAt: number; endedAt: number }
> {
  const before = pid === null ? null : await readSched([pid]);
  const startedAt = performance.now();
  const result = await run();
  const endedAt = performance.now();
  const sched = pid === null || before === null
    ? null
    : processSched(before, await readSched([pid]), pid, endedAt - startedAt, result.requests);
  return { result, sched, startedAt, endedAt };
}

/** One row of the latency and scheduling table. */
function schedRow(c: number, what: string, w: WrkResult, s: ProcessSched | null): string {
  const server = s
    ? `${s.mainBusyPct} / ${s.mainWaitPct} / ${s.mainIdlePct} | ${s.mainPreemptionsPerRequest} | ` +
      `${s.otherCpuMs} (${s.otherWaitMs})`
    : "n/a | n/a | n/a";
  return `| ${c} | ${what} | ${w.p50Ms} | ${w.p90Ms} | ${w.p99Ms} | ${w.p999Ms} | ${w.maxMs} | ` +
    `${w.meanMs} | ${server} | ${w.generatorWaitPct ?? "n/a"} |`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    strict: true,
    options: {
      help: { type: "boolean" },
      doctors: { type: "string" },
      connections: { type: "string" },
      seconds: { type: "string" },
      "warm-up": { type: "string" },
      "cpu-prof": { type: "boolean" },
      store: { type: "string" },
      cluster: { type: "boolean" },
      "server-v8-flags": { type: "string" },
      gc: { type: "boolean" },
      "accept-encoding": { type: "string" },
      out: { type: "string" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const doctorsWanted = Number(values.doctors ?? "50");
  const seconds = Number(values.seconds ?? "5");
  const warmUp = Number(values["warm-up"] ?? "0");
  const connections = (values.connections ?? "50,100").split(",").map(Number);
  if (
    !Number.isInteger(doctorsWanted) || doctorsWanted < 1 || !Number.isInteger(seconds) ||
    seconds < 1 || seconds > 60 || connections.some((c) => !Number.isInteger(c) || c < 1) ||
    !Number.isInteger(warmUp) || warmUp < 0 || warmUp > 30
  ) {
    console.error(`Bad flags: ${Deno.args.join(" ")}\n\n${USAGE}`);
    return 2;
  }
  const store = values.store ?? "kv";
  if (store !== "kv" && store !== "mongo") {
    console.error(`--store must be kv or mongo, found "${store}"\n\n${USAGE}`);
    return 2;
  }
  const cluster = values.cluster ?? false;
  if (cluster && store !== "kv") {
    console.error(`--cluster runs on denokv: no --store mongo\n\n${USAGE}`);
    return 2;
  }
  const serverV8Flags = (values["server-v8-flags"] ?? "").split(",").filter((f) => f !== "");
  if (serverV8Flags.some((f) => !/^--[a-z0-9-]+(=[\w.-]+)?$/.test(f))) {
    console.error(`--server-v8-flags takes V8 flags like --foo or --foo=1\n\n${USAGE}`);
    return 2;
  }
  const acceptEncoding = values["accept-encoding"];
  if (acceptEncoding !== undefined && !/^[\w*;=., -]{1,100}$/.test(acceptEncoding)) {
    console.error(`--accept-encoding takes a header value like "gzip"\n\n${USAGE}`);
    return 2;
  }
  const headers: Record<string, string> = acceptEncoding === undefined
    ? {}
    : { "Accept-Encoding": acceptEncoding };
  const gc = values.gc ? new GcWatch() : null;
  if (gc && cluster) {
    console.error(`--gc reads one server's output: not with --cluster\n\n${USAGE}`);
    return 2;
  }
  const out = values.out ?? "test-artifacts/bench-http";
  const cpuProfDir = values["cpu-prof"] ? `${out}/cpu` : undefined;
  if (cpuProfDir) await Deno.remove(cpuProfDir, { recursive: true }).catch(() => {});
  await Deno.mkdir(cpuProfDir ?? out, { recursive: true });

  const loadBefore = await loadAverage();
  const target = await startTarget(store, cluster, cpuProfDir, serverV8Flags, gc);
  const bare = await startBaseline("baseline_hello.ts");
  const rows: Row[] = [];
  /** Each listing run's window, for reading its collections once the server has exited. */
  const windows: { from: number; to: number }[] = [];
  let startupMs = 0;
  try {
    startupMs = target.startupMs;
    const client = new LoadClient(target.url, new Recorder());
    const admin = await loginWithRetry(client, ADMIN_PHONE, 5);
    if (!admin) throw new Error(`Cannot log in as admin:\n${target.logTail()}`);
    const salt = Math.floor(Math.random() * 90_000_000);
    const doctors = await seedDoctors(client, admin, doctorsWanted, salt, 8);
    const from = dateInDays(1, "Asia/Kolkata");
    const to = dateInDays(7, "Asia/Kolkata");
    const paths = doctors.map((d) => `/v1/doctors/${d.id}/slots?from=${from}&to=${to}`);
    const probe = await listSlots(client, doctors[0].id, from, to);
    if (probe.status !== 200 || !probe.body?.slots.length) {
      throw new Error(`Slot listing answered ${probe.status} with no slots`);
    }
    // The same load first, not recorded (JIT and connections), when asked.
    const warm = (url: string, paths: string[], connections: number) =>
      warmUp > 0
        ? runWrk({ url, paths, connections, seconds: warmUp, headers })
        : Promise.resolve();
    for (const c of connections) {
      await warm(bare.url, ["/"], c);
      const b = await scheduled(
        bare.pid(),
        () =>
          runWrk({
            url: bare.url,
            paths: ["/"],
            connections: c,
            seconds,
            headers,
            generatorSched: true,
          }),
      );
      const notBare = [bare.pid()].filter((p) => p !== null);
      await warm(target.url, paths, c);
      const instances = cluster ? await descendantPids("deno", notBare) : [];
      const threadsBefore = instances.length > 0 ? await readSched(instances) : null;
      const cpuBefore = await cpuByProgram(notBare);
      const s = await scheduled(
        target.pid(),
        () =>
          runWrk({
            url: target.url,
            paths,
            connections: c,
            seconds,
            headers,
            generatorSched: true,
          }),
      );
      const threads = threadsBefore
        ? threadsCpu(threadsBefore, await readSched(instances), instances)
        : null;
      const perListing = (ms: number) => Math.round((ms * 1000) / Math.max(1, s.result.requests));
      const cpuPerListing = microsecondsPerRequest(
        cpuBefore,
        await cpuByProgram(notBare),
        s.result.requests,
      );
      cpuPerListing.wrk = Math.round(
        (s.result.generatorCpuSeconds * 1e6) / Math.max(1, s.result.requests),
      );
      windows.push({ from: s.startedAt, to: s.endedAt });
      rows.push({
        connections: c,
        bare: b.result,
        slots: s.result,
        ratio: Math.round((s.result.requestsPerSecond / b.result.requestsPerSecond) * 1000) / 10,
        cpuPerListing,
        sched: { bare: b.sched, slots: s.sched },
        gc: null,
        instanceThreads: threads
          ? { mainUs: perListing(threads.mainCpuMs), otherUs: perListing(threads.otherCpuMs) }
          : null,
      });
    }
  } finally {
    await bare.stop();
    await target.close();
  }
  // Only now: V8's trace lines arrive in 4 KB blocks, the last ones when the server exits.
  if (gc) rows.forEach((r, i) => r.gc = gc.between(windows[i].from, windows[i].to));
  const loadAfter = await loadAverage();

  const lines = [
    `# Slot listing (${
      cluster ? "3 instances on denokv behind nginx" : `${store} store`
    }) vs bare Deno.serve (wrk -t2 --latency, ${seconds} s per run${
      warmUp > 0 ? `, each after ${warmUp} s of the same load not recorded` : ""
    })`,
    "",
    ...(acceptEncoding !== undefined
      ? [`Every request sends \`Accept-Encoding: ${acceptEncoding}\`.`, ""]
      : []),
    ...(serverV8Flags.length > 0
      ? [`Server V8 flags added to the start task's: ${serverV8Flags.join(",")}.`, ""]
      : []),
    `Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} CPUs; load average before ` +
    `${loadBefore}, after ${loadAfter} (shared machine: absolute figures are depressed, ` +
    `ratios from the same run are what compare). Server first answer ${
      cluster ? "n/a" : `${startupMs} ms`
    }.${cluster ? ` Loopback quickack ${await loopbackQuickAck()}.` : ""}`,
    "",
    "| connections | bare req/s | bare p99 ms | slots req/s | slots p99 ms | slots p50 ms | ratio | errors |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows.map((r) =>
      `| ${r.connections} | ${r.bare.requestsPerSecond} | ${r.bare.p99Ms} | ` +
      `${r.slots.requestsPerSecond} | ${r.slots.p99Ms} | ${r.slots.p50Ms} | ${r.ratio}% | ` +
      `${r.slots.errors + r.slots.non2xx} |`
    ),
    "",
    "Latency (ms, wrk) and scheduling during each run (/proc schedstat): the server's main thread",
    "running / runnable but waiting for a CPU / idle, in % of the run; its preemptions per request;",
    "its other threads' CPU ms (V8's GC and compiler helpers, Deno KV's SQLite; ms waiting for a",
    "CPU); and the share of wrk's worker threads' time spent waiting for a CPU (responses they had",
    "not read yet meanwhile count as latency):",
    "",
    "| connections | run | p50 | p90 | p99 | p99.9 | max | mean | main thread run / wait / idle % | preemptions per request | other threads CPU ms (wait) | wrk threads waiting % |",
    "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows.flatMap((r) => [
      schedRow(r.connections, "bare", r.bare, r.sched.bare),
      schedRow(r.connections, "slots", r.slots, r.sched.slots),
    ]),
    "",
    ...(gc
      ? [
        "The server's collections during each listing run (`--trace-gc`; pauses of its main thread):",
        "",
        ...rows.map((r) =>
          `- ${r.connections} connections: ${r.gc?.young} young (${r.gc?.youngMs} ms in all, ` +
          `longest ${r.gc?.youngMaxMs} ms), ${r.gc?.full} full (${r.gc?.fullMs} ms, longest ` +
          `${r.gc?.fullMaxMs} ms)`
        ),
        "",
      ]
      : []),
    "CPU µs per listing during the listing runs, by program (from /proc; `deno` is the server, or",
    "the instances together; wrk from its own `times`):",
    "",
    ...rows.map((r) =>
      `- ${r.connections} connections: ${
        Object.entries(r.cpuPerListing).filter(([, us]) => us > 0)
          .map(([program, us]) => `${program} ${us}`).join(", ")
      }; total ${Object.values(r.cpuPerListing).reduce((a, b) => a + b, 0)}${
        r.instanceThreads
          ? ` (instances: main threads ${r.instanceThreads.mainUs}, other threads ` +
            `${r.instanceThreads.otherUs})`
          : ""
      }`
    ),
    "",
    ...(cluster
      ? [
        "The instances' other threads are mostly V8's compiler and GC helpers: high in a run",
        "that meets cold instances (each compiles its own hot code while serving a third of the",
        "load), lower once they are warm (`--warm-up`).",
        "",
      ]
      : []),
  ];
  let profile = null;
  if (cpuProfDir) {
    const files = [...Deno.readDirSync(cpuProfDir)].filter((f) => f.name.endsWith(".cpuprofile"));
    if (files.length > 0) {
      profile = await summariseProfile(`${cpuProfDir}/${files.at(-1)!.name}`);
      lines.push(renderProfile(profile));
    }
  }
  const markdown = lines.join("\n");
  await Deno.writeTextFile(
    `${out}/bench_http.json`,
    JSON.stringify(
      { loadBefore, loadAfter, startupMs, warmUpSeconds: warmUp, serverV8Flags, rows, profile },
      null,
      2,
    ) +
      "\n",
  );
  await Deno.writeTextFile(`${out}/bench_http.md`, markdown);
  console.log(markdown);
  return rows.every((r) => r.slots.non2xx === 0 && r.slots.errors === 0) ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main());
