/**
 * One load generator process of the full day (spawned by generators.ts): reads its share of the
 * booking phase as JSON on stdin, books it through the typed client (booking_phase.ts), and
 * writes JSON lines to stdout: `{"confirmed": n}` as it goes, then one `{"done": ...}` with its
 * bookings, every request sample and the CPU seconds it used. It talks to 127.0.0.1 only.
 *
 * Usage: not run by hand; `deno task load` starts `--generators` of these.
 */
import { cpuUsage } from "node:process";
import { type BookingPhaseOptions, runBookingPhase } from "./booking_phase.ts";
import { LoadClient } from "./client.ts";
import { Recorder } from "./recorder.ts";
import type { WorkerDone, WorkerShare } from "./generators.ts";

const encoder = new TextEncoder();
const writeLine = (value: unknown) =>
  Deno.stdout.writeSync(encoder.encode(JSON.stringify(value) + "\n"));

if (import.meta.main) {
  if (Deno.args.includes("--help")) {
    console.log(
      "Spawned by `deno task load` (scripts/load/generators.ts); reads its share on stdin.",
    );
    Deno.exit(0);
  }
  const share = JSON.parse(await new Response(Deno.stdin.readable).text()) as WorkerShare;
  const recorder = new Recorder();
  const client = new LoadClient(share.baseUrl, recorder);
  const before = cpuUsage();
  let last = 0;
  const options: BookingPhaseOptions = {
    ...share.phase,
    onConfirmed: (n) => {
      // Progress at most every 50 ms, and the last one always (the parent drives faults by it).
      const now = performance.now();
      if (now - last < 50 && n < share.phase.target) return;
      last = now;
      writeLine({ confirmed: n });
    },
  };
  const result = await runBookingPhase(client, options);
  const cpu = cpuUsage(before);
  const done: WorkerDone = {
    ...result,
    samples: recorder.samples,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
  writeLine({ done });
}
