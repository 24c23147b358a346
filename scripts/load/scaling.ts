/**
 * `deno task load --instances N`: the same booking flow against 1, 2, … N instances behind nginx
 * on one denokv (tests/_harness/cluster.ts), one fresh cluster per step, in one run. For each:
 * bookings per second, request p50/p99, and what the store did per confirmed booking, measured
 * on the wire between the instances and denokv (kv_wire_meter.ts): KV Connect reads and their
 * ranges, commits, checks, mutations, and bytes each way. Logins are part of the flow (one per
 * `bookingsPerPatient` bookings), so their share is in the per-booking figures.
 */
import { startCluster } from "../../tests/_harness/cluster.ts";
import { runBookingPhase } from "./booking_phase.ts";
import { LoadClient } from "./client.ts";
import { loginWithRetry, seedDoctors } from "./flows.ts";
import { BY_SPACE, type KvWireCounts, startKvWireMeter } from "./kv_wire_meter.ts";
import type { LoadOptions } from "./options.ts";
import { percentile, type PhaseStats, Recorder } from "./recorder.ts";
import { ADMIN_PHONE } from "./server_process.ts";
import type { Progress } from "./run.ts";

export interface ScalingStep {
  instances: number;
  confirmed: number;
  seconds: number;
  bookingsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  confirmP99Ms: number;
  status5xx: number;
  stats: PhaseStats;
  kv: KvWireCounts;
  perBooking: {
    reads: number;
    readRanges: number;
    commits: number;
    checks: number;
    mutations: number;
    bytesToKv: number;
    bytesFromKv: number;
    /** Upstash REST commands (rate limits, OTP state, caches); 0 without --upstash. */
    upstashCommands: number;
    /** Mutations by key space (KvWireCounts.mutationsBySpace). */
    mutationsBySpace: Record<string, number>;
    /** Read ranges by key space (KvWireCounts.rangesBySpace). */
    rangesBySpace: Record<string, number>;
  };
}

export interface ScalingResult {
  options: LoadOptions;
  startedAt: string;
  steps: ScalingStep[];
  totalSeconds: number;
  ok: boolean;
}

const per = (n: number, d: number) => Math.round((n / Math.max(1, d)) * 10) / 10;
const perSpace = (bySpace: Record<string, number>, d: number) =>
  Object.fromEntries(Object.entries(bySpace).map(([space, n]) => [space, per(n, d)]));

/** What the meter counted between two readings. */
export function countsSince(before: KvWireCounts, after: KvWireCounts): KvWireCounts {
  const since = { ...after };
  for (const key of Object.keys(after) as (keyof KvWireCounts)[]) {
    const a = after[key];
    const b = before[key];
    if (typeof a === "number" && typeof b === "number") (since[key] as number) = a - b;
  }
  for (const field of BY_SPACE) {
    const bySpace: Record<string, number> = {};
    for (const [space, n] of Object.entries(after[field])) {
      const d = n - (before[field][space] ?? 0);
      if (d > 0) bySpace[space] = d;
    }
    since[field] = bySpace;
  }
  return since;
}

export async function runScaling(
  o: LoadOptions,
  instances: number,
  progress: Progress = () => {},
): Promise<ScalingResult> {
  let upstashCommands = 0;
  const began = performance.now();
  const deadlineMs = Date.now() + o.maxSeconds * 1000;
  const steps: ScalingStep[] = [];
  for (let n = 1; n <= instances; n++) {
    if (Date.now() > deadlineMs) break;
    let meter: ReturnType<typeof startKvWireMeter> | null = null;
    progress(`start ${n} instance${n === 1 ? "" : "s"}`, 0, 1);
    await using cluster = await startCluster({
      instances: n,
      // With Upstash the limits stay on (they are Upstash commands a booking costs), raised so
      // one load generator's address is never refused.
      env: o.upstash
        ? {
          LOG_LEVEL: "warn",
          API_REQUESTS_PER_MINUTE_PER_IP: "1000000",
          API_REQUESTS_PER_MINUTE_PER_USER: "1000000",
          OTP_SENDS_PER_IP_PER_HOUR: "100000",
          OTP_VERIFIES_PER_IP_PER_HOUR: "100000",
          HOLDS_PER_PATIENT_PER_HOUR: "10000",
        }
        : { RATE_LIMIT_DISABLED: "true", LOG_LEVEL: "warn" },
      kvRelay: (port) => meter = startKvWireMeter(port),
      upstash: o.upstash,
      onUpstashRequest: (entry) => upstashCommands += Number(entry.commands ?? 1),
    });
    const salt = Math.floor(Math.random() * 90_000_000);
    const setup = new LoadClient(cluster.url, new Recorder());
    const admin = await loginWithRetry(setup, ADMIN_PHONE, 5);
    if (!admin) throw new Error(`Cannot log in as admin on ${n} instances`);
    const doctors = await seedDoctors(setup, admin, o.doctors, salt, 16);
    const before = meter!.counts();
    const upstashBefore = upstashCommands;
    const rec = new Recorder();
    rec.start();
    const booked = await runBookingPhase(new LoadClient(cluster.url, rec), {
      doctors,
      target: o.bookings,
      concurrency: o.concurrency,
      deadlineMs,
      salt,
      days: o.days,
      bookingsPerPatient: o.bookingsPerPatient,
      onConfirmed: (c) => progress(`book on ${n}`, c, o.bookings),
    });
    rec.end();
    const after = meter!.counts();
    const upstash = upstashCommands - upstashBefore;
    const kv = countsSince(before, after);
    const stats = rec.summary();
    const sorted = rec.samples.map((x) => x.ms).sort((a, b) => a - b);
    const confirm = stats.endpoints.find((e) => e.endpoint === "POST /v1/holds/:id/confirm");
    const c = booked.confirmed.length;
    steps.push({
      instances: n,
      confirmed: c,
      seconds: Math.round(rec.seconds * 100) / 100,
      bookingsPerSecond: Math.round((c / rec.seconds) * 100) / 100,
      p50Ms: Math.round(percentile(sorted, 0.5) * 10) / 10,
      p99Ms: Math.round(percentile(sorted, 0.99) * 10) / 10,
      confirmP99Ms: confirm?.p99 ?? 0,
      status5xx: stats.status5xx,
      stats,
      kv,
      perBooking: {
        reads: per(kv.reads, c),
        readRanges: per(kv.readRanges, c),
        commits: per(kv.commits, c),
        checks: per(kv.checks, c),
        mutations: per(kv.mutations, c),
        bytesToKv: Math.round(kv.bytesToKv / Math.max(1, c)),
        bytesFromKv: Math.round(kv.bytesFromKv / Math.max(1, c)),
        upstashCommands: per(upstash, c),
        mutationsBySpace: perSpace(kv.mutationsBySpace, c),
        rangesBySpace: perSpace(kv.rangesBySpace, c),
      },
    });
  }
  return {
    options: o,
    startedAt: new Date(Date.now() - (performance.now() - began)).toISOString(),
    steps,
    totalSeconds: Math.round((performance.now() - began) / 10) / 100,
    ok: steps.length === instances &&
      steps.every((s) => s.confirmed === o.bookings && s.status5xx === 0),
  };
}

export function renderScaling(r: ScalingResult, host: Record<string, string>): string {
  const lines = [
    `# Vaidya scaling run (${r.startedAt})`,
    "",
    `Machine: ${host.nproc} cores, ${host.cpu}, ${host.memory}, deno ${host.deno}. Every process ` +
    "(load generator, nginx, denokv, instances) shares these cores.",
    `Per step: a fresh denokv, N instances behind nginx, ${r.options.doctors} doctors, ` +
    `${r.options.bookings} bookings by ${r.options.concurrency} concurrent patients ` +
    `(login, slot list, hold, code, confirm; ${r.options.bookingsPerPatient} bookings per login).`,
    "",
    "| instances | confirmed | bookings/s | requests/s | p50 ms | p99 ms | confirm p99 ms | 5xx |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...r.steps.map((s) =>
      `| ${s.instances} | ${s.confirmed} | ${s.bookingsPerSecond} | ${s.stats.rps} | ${s.p50Ms} | ${s.p99Ms} | ${s.confirmP99Ms} | ${s.status5xx} |`
    ),
    "",
    "p50/p99 over every request of the flow (login, outbox, slots, hold, confirm), through nginx.",
    "",
    "Store operations per confirmed booking, on the wire to denokv (KV Connect):",
    "",
    "| instances | reads | read ranges | commits | checks | mutations | bytes to KV | bytes from KV | Upstash commands |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...r.steps.map((s) => {
      const p = s.perBooking;
      return `| ${s.instances} | ${p.reads} | ${p.readRanges} | ${p.commits} | ${p.checks} | ${p.mutations} | ${p.bytesToKv} | ${p.bytesFromKv} | ${p.upstashCommands} |`;
    }),
    "",
    ...bySpaceTable(
      r.steps,
      "mutationsBySpace",
      "Mutations per confirmed booking by key space (the key's first part; the most mutated at " +
        "the last step first), on the wire to denokv:",
    ),
    ...bySpaceTable(
      r.steps,
      "rangesBySpace",
      "Read ranges per confirmed booking by the key space of their start (the most read at the " +
        "last step first), on the wire to denokv:",
    ),
    `Total ${r.totalSeconds} s; ${
      r.ok ? "every step confirmed its target with no 5xx" : "NOT OK"
    }.`,
  ];
  return lines.join("\n") + "\n";
}

/**
 * Counts per confirmed booking by key space, a column per step: the spaces whose mutations grow
 * with the instances are the ones whose commits are refused and sent again (another instance moved
 * a key they check); those whose reads grow are read again after other instances' writes.
 */
function bySpaceTable(
  steps: ScalingStep[],
  field: "mutationsBySpace" | "rangesBySpace",
  title: string,
): string[] {
  const last = steps.at(-1);
  if (!last) return [];
  const spaces = Object.entries(last.perBooking[field])
    .sort((a, b) => b[1] - a[1])
    .map(([space]) => space);
  if (spaces.length === 0) return [];
  return [
    title,
    "",
    `| key space | ${steps.map((s) => `${s.instances}`).join(" | ")} |`,
    `| --- | ${steps.map(() => "---:").join(" | ")} |`,
    ...spaces.map((space) =>
      `| \`${space}\` | ${steps.map((s) => s.perBooking[field][space] ?? 0).join(" | ")} |`
    ),
    "",
  ];
}
