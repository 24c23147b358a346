/**
 * The full day's load generator as Debian's wrk running booking_day.lua: one wrk thread and one
 * keep-alive connection per virtual patient, the real flow over HTTP, at a fraction of the CPU a
 * Deno generator spends per request (issue 15: the generator shares the 2 CPUs with the server).
 * Same contract as generators.ts: its request samples go into the caller's recorder, its progress
 * into `onConfirmed`, and it returns the 201 confirms and the CPU seconds wrk used.
 *
 * wrk itself runs for a fixed duration; the script stops each thread once its share is booked
 * and prints a line per confirm and one per thread done, so the phase ends when the last thread
 * is done (wrk is then interrupted; its own report is not used).
 */
import type { BookingPhaseOptions, ConfirmedBooking } from "./booking_phase.ts";
import { dateInDays } from "./flows.ts";
import { type GeneratorsResult, shares } from "./generators.ts";
import type { Recorder, Sample } from "./recorder.ts";
import { cpuSecondsOf } from "./server_process.ts";
import { WRK } from "./wrk.ts";

const SCRIPT = new URL("./booking_day.lua", import.meta.url).pathname;

/** A string as a Lua literal (JSON's escapes of the ids and dates here are Lua's too). */
const lua = (s: string) => JSON.stringify(s);

/** The config chunk booking_day.lua loads: a Lua `return {...}`. */
export function wrkDayConfig(
  phase: BookingPhaseOptions,
  threads: number,
  out: string,
): string {
  const zones = new Set(phase.doctors.map((d) => d.timezone));
  if (zones.size > 1) throw new RangeError("The wrk generator books doctors of one time zone");
  const zone = [...zones][0] ?? "Asia/Kolkata";
  const days = Array.from({ length: phase.days }, (_, i) => dateInDays(1 + i, zone));
  return [
    "return {",
    `  doctors = {${phase.doctors.map((d) => lua(d.id)).join(",")}},`,
    `  days = {${days.map(lua).join(",")}},`,
    `  shares = {${shares(phase.target, threads).join(",")}},`,
    `  perPatient = ${phase.bookingsPerPatient},`,
    `  phoneBase = ${(phase.salt * 1_000_003 + (phase.patientBase ?? 0)) % 100_000_000},`,
    `  deadlineMs = ${phase.deadlineMs},`,
    `  out = ${lua(out)},`,
    "}",
    "",
  ].join("\n");
}

/** One thread's file: its request samples, its confirms and its counters. */
export function parseThreadFile(text: string): {
  samples: Sample[];
  confirmed: ConfirmedBooking[];
  attempts: number;
  holdConflicts: number;
  resent: number;
} {
  const out = {
    samples: [] as Sample[],
    confirmed: [] as ConfirmedBooking[],
    attempts: 0,
    holdConflicts: 0,
    resent: 0,
  };
  for (const line of text.split("\n")) {
    const f = line.split("\t");
    if (f[0] === "S") {
      out.samples.push({
        endpoint: f[1],
        status: Number(f[2]),
        ms: Number(f[3]),
        code: f[4] || null,
      });
    } else if (f[0] === "C") {
      out.confirmed.push({ id: f[1], doctorId: f[2], patientId: f[3], start: f[4], end: f[5] });
    } else if (f[0] === "T") {
      out.attempts = Number(f[1]);
      out.holdConflicts = Number(f[2]);
      out.resent = Number(f[3]);
    }
  }
  return out;
}

export async function runWrkDay(
  baseUrl: string,
  phase: BookingPhaseOptions,
  recorder: Recorder,
): Promise<GeneratorsResult> {
  const threads = phase.concurrency;
  const dir = await Deno.makeTempDir({ prefix: "vaidya-wrk-day-" });
  try {
    const config = `${dir}/config.lua`;
    await Deno.writeTextFile(config, wrkDayConfig(phase, threads, dir));
    const seconds = Math.max(1, Math.ceil((phase.deadlineMs - Date.now()) / 1000) + 5);
    const child = new Deno.Command(WRK, {
      args: [
        `-t${threads}`,
        `-c${threads}`,
        `-d${seconds}s`,
        "--timeout",
        "30s",
        "-s",
        SCRIPT,
        baseUrl,
        "--",
        config,
      ],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stderr = new Response(child.stderr).text();
    let confirmed = 0;
    let done = 0;
    let cpuSeconds = 0;
    let pending = "";
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    try {
      while (done < threads) {
        const { value, done: closed } = await reader.read();
        if (closed) break;
        pending += value;
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) {
          if (line === "c") phase.onConfirmed?.(++confirmed);
          if (line === "d") done++;
        }
      }
      if (done === threads) cpuSeconds = await cpuSecondsOf(child.pid).catch(() => 0);
    } finally {
      // Done, failed or gave up: wrk would otherwise sleep out its whole -d.
      try {
        child.kill("SIGINT");
      } catch {
        // It has exited already.
      }
      reader.releaseLock();
    }
    const status = await child.status;
    if (done < threads) {
      throw new Error(
        `wrk exited (${status.code}) with ${done} of ${threads} threads done:\n${await stderr}`,
      );
    }
    const result: GeneratorsResult = {
      confirmed: [],
      attempts: 0,
      holdConflicts: 0,
      retriedAfterConnectionError: 0,
      cpuSeconds: [cpuSeconds],
    };
    for (let tid = 1; tid <= threads; tid++) {
      const t = parseThreadFile(await Deno.readTextFile(`${dir}/thread-${tid}.tsv`));
      for (const s of t.samples) recorder.add(s);
      result.confirmed.push(...t.confirmed);
      result.attempts += t.attempts;
      result.holdConflicts += t.holdConflicts;
      result.retriedAfterConnectionError += t.resent;
    }
    return result;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
