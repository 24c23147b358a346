/**
 * One load run, start to finish: start the stack, time the first response, seed doctors, book
 * the full day (with faults if asked), measure slot listing, race for the hot slots, read the
 * server's memory, stop it, verify from the store, then measure the baselines on the same load
 * generator. Returns the whole result; writing files is the caller's job (main.ts).
 */
import { cpuUsage } from "node:process";
import { LoadClient } from "./client.ts";
import { runGenerators } from "./generators.ts";
import { runWrkDay } from "./wrk_day.ts";
import { type FaultEvent, runFaults } from "./faults.ts";
import { dateInDays, existingDoctors, loginWithRetry, seedDoctors } from "./flows.ts";
import { type HotSlotResult, runHotSlotPhase } from "./hot_slot_phase.ts";
import type { LoadOptions } from "./options.ts";
import { type PhaseStats, Recorder } from "./recorder.ts";
import { ADMIN_PHONE, type ChildServer, startBaseline } from "./server_process.ts";
import { type MongoCost, mongoCost, readMongo } from "./mongo_meter.ts";
import { startStack } from "./stack.ts";
import { type ProcessSched, processSched, readSched } from "./thread_sched.ts";
import { runGetLoad } from "./throughput.ts";
import { type VerifyResult, verifyStore } from "./verify.ts";

export interface LoadResult {
  options: LoadOptions;
  startedAt: string;
  startupMs: number;
  seed: { doctors: number; reused: number; seconds: number };
  booking: {
    target: number;
    confirmed: number;
    seconds: number;
    bookingsPerSecond: number;
    attempts: number;
    holdConflicts: number;
    retriedAfterConnectionError: number;
    stats: PhaseStats;
    faults: FaultEvent[];
    /**
     * CPU the load generator used (its processes and this one), in % of all CPUs over the phase.
     */
    generatorCpuShare: number;
    /** Deno processes over the typed client, or wrk with booking_day.lua. */
    generator: "deno" | "wrk";
    /** Generator processes, and the CPU seconds each used over the phase. */
    generatorProcesses: number;
    /** The generators' nice value (0: the harness's priority). */
    generatorNice: number;
    generatorCpuSeconds: number[];
    /** The same for the server process; null when it was restarted (--faults) or unreadable. */
    serverCpuShare: number | null;
    /**
     * How the server's threads spent the phase (thread_sched.ts): its main thread running,
     * runnable but waiting for a CPU, or idle, and the CPU of its other threads (of which Deno
     * KV's SQLite thread); null when it was restarted (--faults) or unreadable.
     */
    serverSched: ProcessSched | null;
  };
  listing: PhaseStats;
  baselines: { denoServe?: PhaseStats; hono?: PhaseStats };
  hotSlot: Omit<HotSlotResult, "winnerAppointments"> & { stats: PhaseStats };
  server: {
    rssMb: number | null;
    peakMb: number | null;
    anonMb: number | null;
    fileMb: number | null;
    heapUsedMb: number | null;
    /** The V8 heap's committed size (anonMb minus it: malloc arenas, stacks, the rest). */
    heapTotalMb: number | null;
    /**
     * The same after the server sat idle `options.settleSeconds` (null when skipped): V8's memory
     * reducer gives back the heap the race committed ~8 s after the burst.
     */
    settled: {
      afterSeconds: number;
      rssMb: number;
      anonMb: number;
      heapUsedMb: number | null;
      heapTotalMb: number | null;
    } | null;
  };
  /**
   * FerretDB's commands and CPU (mongo store; null otherwise and with --faults, which restarts
   * it): over the booking phase per booking confirmed in it, and over the whole run (seeding,
   * listings and the race included) per booking confirmed in all.
   */
  mongo: { booking: MongoCost | null; wholeRun: MongoCost | null } | null;
  /**
   * The Upstash bridge over the booking phase (mongo store; null otherwise): Redis commands and
   * the REST requests that carried them (grouped commands share a `/pipeline`), per booking.
   */
  upstash: { commandsPerBooking: number; requestsPerBooking: number } | null;
  verify: VerifyResult;
  totalSeconds: number;
  ok: boolean;
}

export type Progress = (phase: string, done: number, total: number) => void;

/**
 * The server's memory once it has sat idle `seconds` after the race (no request in between), or
 * null when `seconds` is 0, the reading fails or the run's deadline would pass.
 */
async function settledMemory(
  app: ChildServer,
  seconds: number,
  deadlineMs: number,
): Promise<LoadResult["server"]["settled"]> {
  if (seconds === 0 || Date.now() + seconds * 1000 > deadlineMs) return null;
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const m = await app.memory();
  return m
    ? {
      afterSeconds: seconds,
      rssMb: m.rssMb,
      anonMb: m.anonMb,
      heapUsedMb: m.heapUsedMb,
      heapTotalMb: m.heapTotalMb,
    }
    : null;
}

export async function runLoad(o: LoadOptions, progress: Progress = () => {}): Promise<LoadResult> {
  const began = performance.now();
  const deadlineMs = Date.now() + o.maxSeconds * 1000;
  const salt = Math.floor(Math.random() * 90_000_000);
  const cpuProfDir = o.cpuProf ? `${o.out}/cpu` : undefined;
  if (cpuProfDir) await Deno.mkdir(cpuProfDir, { recursive: true });
  const stack = await startStack(o.store, { kvPath: o.kvPath, cpuProfDir });
  try {
    const startupMs = stack.app.startupMs;
    const setupRec = new Recorder();
    const setup = new LoadClient(stack.app.url, setupRec);

    progress("seed", 0, o.doctors + 1);
    const seedStart = performance.now();
    const admin = await loginWithRetry(setup, ADMIN_PHONE, 5);
    if (!admin) throw new Error(`Cannot log in as admin:\n${stack.app.logTail()}`);
    const found = o.kvPath ? await existingDoctors(setup, o.doctors) : [];
    const seeded = await seedDoctors(
      setup,
      admin,
      o.doctors - found.length,
      salt,
      16,
      (n) => progress("seed", n, o.doctors + 1),
    );
    const [hotDoctor] = await seedDoctors(setup, admin, 1, salt + 1, 1);
    const doctors = [...found, ...seeded];
    const seedSeconds = (performance.now() - seedStart) / 1000;

    const bookRec = new Recorder();
    let confirmed = 0;
    let bookingDone = false;
    const bookingDeadline = Math.min(deadlineMs, Date.now() + o.maxSeconds * 600);
    bookRec.start();
    // The generator's own CPU (this process) and the server's, so a report can tell which one
    // the phase was bound by.
    const generatorCpuBefore = cpuUsage();
    const serverCpuBefore = await stack.app.cpuSeconds();
    const serverPid = o.faults ? null : stack.app.pid();
    const schedBefore = serverPid === null ? null : await readSched([serverPid]);
    const mongoBefore = o.faults ? null : await readMongo(stack.mongo);
    const upstashBefore = stack.upstash?.();
    const faultsRun = o.faults
      ? runFaults(
        { app: stack.app, mongo: stack.mongo, redis: stack.redis, outageMs: 2_000 },
        () => ({ share: confirmed / o.bookings, confirmed }),
        () => bookingDone,
        bookingDeadline,
      )
      : Promise.resolve([]);
    const phase = {
      doctors,
      target: o.bookings,
      concurrency: o.concurrency,
      deadlineMs: bookingDeadline,
      salt,
      days: o.days,
      bookingsPerPatient: o.bookingsPerPatient,
      onConfirmed: (n: number) => {
        confirmed = n;
        progress("book", n, o.bookings);
      },
    };
    const generating = o.generator === "wrk"
      ? runWrkDay(stack.app.url, phase, bookRec)
      : runGenerators(stack.app.url, phase, o.generators, bookRec, o.generatorNice);
    const booked = await generating.finally(() => bookingDone = true);
    bookRec.end();
    const generatorCpu = cpuUsage(generatorCpuBefore);
    const serverCpuAfter = await stack.app.cpuSeconds();
    const serverSched = serverPid === null || schedBefore === null ? null : processSched(
      schedBefore,
      await readSched([serverPid]),
      serverPid,
      bookRec.seconds * 1000,
      bookRec.summary().requests,
    );
    const mongoAfter = o.faults ? null : await readMongo(stack.mongo);
    const upstashAfter = stack.upstash?.();
    const faults = await faultsRun;
    const bookStats = bookRec.summary();

    progress("list", 0, 1);
    const listing = await runGetLoad({
      baseUrl: stack.app.url,
      endpoint: "GET /v1/doctors/:id/slots",
      path: () => {
        const d = doctors[Math.floor(Math.random() * doctors.length)];
        const day = dateInDays(1 + Math.floor(Math.random() * o.days), d.timezone);
        return `/v1/doctors/${d.id}/slots?from=${day}&to=${day}`;
      },
      concurrency: o.listConcurrency,
      count: o.listRequests,
      maxMs: 30_000,
    });

    progress("hot", 0, 1);
    const hotRec = new Recorder();
    hotRec.start();
    const { winnerAppointments, ...hot } = await runHotSlotPhase(
      setup,
      new LoadClient(stack.app.url, hotRec),
      {
        doctor: hotDoctor,
        day: dateInDays(o.days + 3, hotDoctor.timezone),
        clients: o.hotClients,
        slots: o.hotSlots,
        salt,
      },
    );
    hotRec.end();

    const memory = await stack.app.memory();
    const mongoAtEnd = o.faults ? null : await readMongo(stack.mongo);
    const settled = await settledMemory(stack.app, o.settleSeconds, deadlineMs);
    await stack.app.stop();
    progress("verify", 0, 1);
    const verify = await verifyStore(
      stack.target,
      [...doctors.map((d) => d.id), hotDoctor.id],
      [...booked.confirmed, ...winnerAppointments],
    );

    const baselines: LoadResult["baselines"] = {};
    if (o.baseline) {
      for (
        const [name, script] of [["denoServe", "baseline_hello.ts"], [
          "hono",
          "baseline_hono.ts",
        ]] as const
      ) {
        progress(`baseline ${name}`, 0, 1);
        const server = await startBaseline(script);
        try {
          baselines[name] = await runGetLoad({
            baseUrl: server.url,
            endpoint: `GET / (${name})`,
            path: () => "/",
            concurrency: o.listConcurrency,
            count: o.listRequests,
            maxMs: 30_000,
          });
        } finally {
          await server.stop();
        }
      }
    }

    const bookingSeconds = bookRec.seconds;
    const hotStats = hotRec.summary();
    return {
      options: o,
      startedAt: new Date(Date.now() - (performance.now() - began)).toISOString(),
      startupMs,
      seed: { doctors: doctors.length + 1, reused: found.length, seconds: round(seedSeconds) },
      booking: {
        target: o.bookings,
        confirmed: booked.confirmed.length,
        seconds: round(bookingSeconds),
        bookingsPerSecond: round(booked.confirmed.length / bookingSeconds),
        attempts: booked.attempts,
        holdConflicts: booked.holdConflicts,
        retriedAfterConnectionError: booked.retriedAfterConnectionError,
        stats: bookStats,
        faults,
        generatorCpuShare: cpuShare(
          (generatorCpu.user + generatorCpu.system) / 1e6 +
            booked.cpuSeconds.reduce((a, b) => a + b, 0),
          bookRec.seconds,
        ),
        generator: o.generator,
        generatorProcesses: o.generator === "wrk" ? 1 : o.generators,
        generatorNice: o.generatorNice,
        generatorCpuSeconds: booked.cpuSeconds.map(round),
        serverCpuShare: serverCpuBefore === null || serverCpuAfter === null || o.faults
          ? null
          : cpuShare(serverCpuAfter - serverCpuBefore, bookRec.seconds),
        serverSched,
      },
      listing,
      baselines,
      hotSlot: { ...hot, stats: hotStats },
      server: {
        rssMb: memory?.rssMb ?? null,
        peakMb: memory?.peakMb ?? null,
        anonMb: memory?.anonMb ?? null,
        fileMb: memory?.fileMb ?? null,
        heapUsedMb: memory?.heapUsedMb ?? null,
        heapTotalMb: memory?.heapTotalMb ?? null,
        settled,
      },
      upstash: upstashBefore && upstashAfter && booked.confirmed.length > 0
        ? {
          commandsPerBooking: round(
            (upstashAfter.commands - upstashBefore.commands) / booked.confirmed.length,
          ),
          requestsPerBooking: round(
            (upstashAfter.requests - upstashBefore.requests) / booked.confirmed.length,
          ),
        }
        : null,
      mongo: stack.mongo
        ? {
          booking: mongoCost(mongoBefore, mongoAfter, booked.confirmed.length),
          wholeRun: mongoCost(
            { commands: new Map(), cpuSeconds: 0 },
            mongoAtEnd,
            booked.confirmed.length + winnerAppointments.length,
          ),
        }
        : null,
      verify,
      totalSeconds: round((performance.now() - began) / 1000),
      ok: verify.ok && hot.ok && booked.confirmed.length === o.bookings &&
        (o.faults || bookStats.status5xx === 0),
    };
  } finally {
    await stack.close();
  }
}

const round = (n: number) => Math.round(n * 100) / 100;
const cpuShare = (cpuSeconds: number, wallSeconds: number) =>
  Math.round(cpuSeconds / (wallSeconds * navigator.hardwareConcurrency) * 1000) / 10;
