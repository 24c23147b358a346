/**
 * The full day's load generator as several processes: each of `processes` children
 * (booking_worker.ts) books its share of the target as its own patients with its share of the
 * virtual patients, so the generator spreads over the CPUs instead of being one event loop.
 * Their request samples go into the caller's recorder, their progress into `onConfirmed` (summed),
 * and their CPU seconds are returned, so a report can tell whether the generator was the limit.
 */
import type { BookingPhaseOptions, BookingPhaseResult } from "./booking_phase.ts";
import type { Recorder, Sample } from "./recorder.ts";

/** What a worker reads on stdin. */
export interface WorkerShare {
  baseUrl: string;
  phase: Omit<BookingPhaseOptions, "onConfirmed">;
}

/** The worker's last line. */
export interface WorkerDone extends BookingPhaseResult {
  samples: Sample[];
  cpuSeconds: number;
}

export interface GeneratorsResult extends BookingPhaseResult {
  /** CPU seconds of each generator process over its phase. */
  cpuSeconds: number[];
}

/** Patients of one generator are numbered from its index times this. */
const PATIENTS_PER_GENERATOR = 1_000_000;

/** Splits `total` into `parts` whole shares differing by at most one, larger first. */
export function shares(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor((total + parts - 1 - i) / parts));
}

/** The command that starts one generator: `deno run` of booking_worker.ts, under `nice` if asked. */
export function generatorCommand(nice: number): { command: string; args: string[] } {
  const run = [
    "run",
    "--allow-net=127.0.0.1",
    "--allow-read",
    "--allow-env",
    new URL("./booking_worker.ts", import.meta.url).pathname,
  ];
  return nice === 0
    ? { command: Deno.execPath(), args: run }
    : { command: "nice", args: ["-n", String(nice), Deno.execPath(), ...run] };
}

export async function runGenerators(
  baseUrl: string,
  phase: BookingPhaseOptions,
  processes: number,
  recorder: Recorder,
  nice = 0,
): Promise<GeneratorsResult> {
  const targets = shares(phase.target, processes);
  const lanes = shares(phase.concurrency, processes);
  const progress = targets.map(() => 0);
  const { onConfirmed, ...plain } = phase;
  const runs = targets.map(async (target, i) => {
    const share: WorkerShare = {
      baseUrl,
      phase: {
        ...plain,
        target,
        concurrency: Math.max(1, lanes[i]),
        patientBase: (phase.patientBase ?? 0) + i * PATIENTS_PER_GENERATOR,
      },
    };
    const { command, args } = generatorCommand(nice);
    const child = new Deno.Command(command, {
      args,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(JSON.stringify(share)));
    await writer.close();
    const stderr = new Response(child.stderr).text();
    let done: WorkerDone | null = null;
    let pending = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf("\n")) >= 0) {
        const line = JSON.parse(pending.slice(0, nl)) as { confirmed?: number; done?: WorkerDone };
        pending = pending.slice(nl + 1);
        if (line.confirmed !== undefined) {
          progress[i] = line.confirmed;
          onConfirmed?.(progress.reduce((a, b) => a + b, 0));
        }
        if (line.done) done = line.done;
      }
    }
    const status = await child.status;
    if (!done) {
      throw new Error(`Generator ${i} exited with ${status.code} and no result:\n${await stderr}`);
    }
    return done;
  });
  const results = await Promise.all(runs);
  for (const r of results) for (const s of r.samples) recorder.add(s);
  return {
    confirmed: results.flatMap((r) => r.confirmed),
    attempts: results.reduce((n, r) => n + r.attempts, 0),
    holdConflicts: results.reduce((n, r) => n + r.holdConflicts, 0),
    retriedAfterConnectionError: results.reduce((n, r) => n + r.retriedAfterConnectionError, 0),
    cpuSeconds: results.map((r) => r.cpuSeconds),
  };
}
