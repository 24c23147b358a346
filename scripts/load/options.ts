/**
 * Flags of `deno task load`, their defaults and the usage text. Parsing only: it starts nothing.
 */
import { parseArgs } from "node:util";

export const USAGE = `Usage: deno task load [flags]

Seeds doctors, then drives the real booking flow over HTTP (login code, slot search, hold, code
from the dev outbox, confirm) against a real server process on 127.0.0.1 until N appointments are
confirmed; then 100 clients list slots, the bare Deno.serve and Hono baselines take the same load,
and a crowd races for a few hot slots. The server is then stopped and the store itself is checked:
no doctor double-booked, every 201 confirm stored. Writes result.json and summary.md to --out.

  --help                 show this text
  --doctors N            doctors to seed (default 1000)
  --bookings N           appointments to confirm (default 5000)
  --concurrency N        virtual patients booking at once (default 50), spread over the
                         generator processes
  --generators N         load generator processes for the full day (default 2), each booking
                         its share through the typed client (clients/vaidya.ts)
  --generator deno|wrk   deno: the Deno generator processes over the typed client (default);
                         wrk: Debian's wrk running scripts/load/booking_day.lua, one thread and
                         connection per virtual patient, the same flow at a fraction of the CPU
                         (not with --generators, --generator-nice, --faults or --instances)
  --generator-nice N     the generator processes run at this nice value, 0..19 (default 0): at
                         10 they take only the CPU the server leaves, as clients on other
                         machines would, instead of competing with its main thread
  --store kv|mongo       kv: embedded Deno KV file (default); mongo: FerretDB for records and
                         the Upstash bridge over Redis, both started by the harness
  --faults               during the booking phase: SIGKILL and restart the app; in mongo mode
                         also stop/restart FerretDB and Redis
  --out DIR              output directory (default test-artifacts/load)
  --max-seconds N        wall-clock bound of the whole run (default 600)
  --hot-clients N        clients in the hot-slot race (default 500)
  --hot-slots N          slots they race for (default 10)
  --list-concurrency N   clients in the slot-listing phase (default 100)
  --list-requests N      requests in the slot-listing phase and each baseline (default 5000)
  --no-baseline          skip the Deno.serve and Hono baselines
  --settle-seconds N     after the race, leave the server idle N s and read its RSS again
                         (default 15: V8 gives back unused heap ~8 s after a burst); 0 skips
  --cpu-prof             write a V8 CPU profile of the server to DIR/cpu and summarise it
  --kv-path FILE         use this KV file (kv mode) instead of a fresh temp file; doctors
                         already in it are reused and only the shortfall is seeded
  --instances N          scaling run instead: the booking phase against 1, 2, ... N instances
                         behind nginx on one denokv (a fresh cluster per step); reports
                         bookings/s, p50/p99 and KV operations and bytes per booking on the
                         wire to denokv. Writes scaling.json and scaling.md to --out
  --upstash              with --instances: limits, OTP state and caches on the Upstash bridge
                         (redis-server), limits on, and Upstash commands per booking counted
  --starts N             first responses only: start the stack N times (at most 30), as the
                         full run does its one start, and report each first response; no load
  --quiet                no progress output
`;

export interface LoadOptions {
  doctors: number;
  bookings: number;
  concurrency: number;
  /** Load generator processes of the booking phase (generators.ts). */
  generators: number;
  /** Their nice value (0 = the harness's own priority). */
  generatorNice: number;
  /** Who drives the full day: Deno processes over the typed client, or wrk with a Lua script. */
  generator: "deno" | "wrk";
  store: "kv" | "mongo";
  faults: boolean;
  out: string;
  maxSeconds: number;
  hotClients: number;
  hotSlots: number;
  listConcurrency: number;
  listRequests: number;
  baseline: boolean;
  /** Idle seconds after the race before the second memory reading (0: no second reading). */
  settleSeconds: number;
  cpuProf: boolean;
  kvPath?: string;
  /** Scaling run over 1..N instances (scripts/load/scaling.ts) instead of the single-server run. */
  instances?: number;
  /** With `instances`: run the cluster on the Upstash bridge and count its commands. */
  upstash?: boolean;
  /** Only time this many starts of the stack (starts.ts) instead of the full run. */
  starts?: number;
  quiet: boolean;
  /** Days (from tomorrow) the bookings spread over. */
  days: number;
  bookingsPerPatient: number;
}

export const DEFAULT_OPTIONS: LoadOptions = {
  doctors: 1000,
  bookings: 5000,
  concurrency: 50,
  generators: 2,
  generatorNice: 0,
  generator: "deno",
  store: "kv",
  faults: false,
  out: "test-artifacts/load",
  maxSeconds: 600,
  hotClients: 500,
  hotSlots: 10,
  listConcurrency: 100,
  listRequests: 5000,
  baseline: true,
  settleSeconds: 15,
  cpuProf: false,
  quiet: false,
  days: 7,
  bookingsPerPatient: 5,
};

/** The value of flag `--name` as a positive integer, `fallback` when it is absent. */
export function positive(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`--${name} must be a positive integer, found "${raw}"`);
  }
  return n;
}

function nonNegative(name: string, raw: string | undefined, fallback: number): number {
  return raw === "0" ? 0 : positive(name, raw, fallback);
}

/** Parses argv; throws with a plain message on a bad flag. Returns null for --help. */
export function parseLoadArgs(argv: string[]): LoadOptions | null {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      help: { type: "boolean" },
      doctors: { type: "string" },
      bookings: { type: "string" },
      concurrency: { type: "string" },
      generators: { type: "string" },
      "generator-nice": { type: "string" },
      generator: { type: "string" },
      store: { type: "string" },
      faults: { type: "boolean" },
      out: { type: "string" },
      "max-seconds": { type: "string" },
      "hot-clients": { type: "string" },
      "hot-slots": { type: "string" },
      "list-concurrency": { type: "string" },
      "list-requests": { type: "string" },
      "no-baseline": { type: "boolean" },
      "settle-seconds": { type: "string" },
      "cpu-prof": { type: "boolean" },
      "kv-path": { type: "string" },
      quiet: { type: "boolean" },
      instances: { type: "string" },
      upstash: { type: "boolean" },
      starts: { type: "string" },
    },
  });
  if (values.help) return null;
  const store = values.store ?? "kv";
  if (store !== "kv" && store !== "mongo") {
    throw new RangeError(`--store must be kv or mongo, found "${store}"`);
  }
  const generator = values.generator ?? "deno";
  if (generator !== "deno" && generator !== "wrk") {
    throw new RangeError(`--generator must be deno or wrk, found "${generator}"`);
  }
  if (values["kv-path"] && store !== "kv") throw new RangeError("--kv-path needs --store kv");
  const d = DEFAULT_OPTIONS;
  const o: LoadOptions = {
    ...d,
    doctors: positive("doctors", values.doctors, d.doctors),
    bookings: positive("bookings", values.bookings, d.bookings),
    concurrency: positive("concurrency", values.concurrency, d.concurrency),
    generators: positive("generators", values.generators, d.generators),
    generatorNice: nonNegative("generator-nice", values["generator-nice"], d.generatorNice),
    generator,
    store,
    faults: values.faults ?? false,
    out: values.out ?? d.out,
    maxSeconds: positive("max-seconds", values["max-seconds"], d.maxSeconds),
    hotClients: positive("hot-clients", values["hot-clients"], d.hotClients),
    hotSlots: positive("hot-slots", values["hot-slots"], d.hotSlots),
    listConcurrency: positive("list-concurrency", values["list-concurrency"], d.listConcurrency),
    listRequests: positive("list-requests", values["list-requests"], d.listRequests),
    baseline: !values["no-baseline"],
    settleSeconds: nonNegative("settle-seconds", values["settle-seconds"], d.settleSeconds),
    cpuProf: values["cpu-prof"] ?? false,
    kvPath: values["kv-path"],
    quiet: values.quiet ?? false,
    instances: values.instances === undefined
      ? undefined
      : positive("instances", values.instances, 1),
    upstash: values.upstash ?? false,
    starts: values.starts === undefined ? undefined : positive("starts", values.starts, 1),
  };
  if (o.upstash && o.instances === undefined) throw new RangeError("--upstash needs --instances");
  if (o.instances !== undefined) {
    if (o.instances > 8) throw new RangeError("--instances must be at most 8");
    if (store !== "kv" || o.kvPath || o.faults) {
      throw new RangeError("--instances runs on denokv: no --store mongo, --kv-path or --faults");
    }
  }
  if (o.starts !== undefined) {
    if (o.starts > 30) throw new RangeError("--starts must be at most 30");
    if (o.instances !== undefined || o.faults) {
      throw new RangeError("--starts times single-server starts: no --instances or --faults");
    }
  }
  if (o.generator === "wrk" && (o.faults || o.instances !== undefined)) {
    // wrk resends a request its connection lost, but the fault runs need the Deno generator's
    // paced retries through a restart, and the scaling run has its own generator.
    throw new RangeError("--generator wrk runs the single-server day: no --faults or --instances");
  }
  if (o.generator === "wrk" && (values.generators !== undefined || o.generatorNice > 0)) {
    throw new RangeError("--generators and --generator-nice shape the Deno generators, not wrk");
  }
  if (o.generators > o.concurrency) {
    throw new RangeError("--generators must be at most --concurrency (one patient each at least)");
  }
  if (!Number.isInteger(o.generatorNice) || o.generatorNice > 19) {
    throw new RangeError("--generator-nice must be a whole number from 0 to 19");
  }
  if (o.hotSlots > 16) throw new RangeError("--hot-slots must be at most 16 (one doctor's day)");
  if (o.hotClients < o.hotSlots) throw new RangeError("--hot-clients must be >= --hot-slots");
  return o;
}
