/**
 * Faults during the booking phase, each triggered when a share of the target is confirmed (or
 * when time runs short): SIGKILL the app and start it again on the same port and data; in mongo
 * mode SIGKILL FerretDB and Redis (behind the Upstash bridge) and start them again after an
 * outage. Every fault is a crash, not a clean stop: each event records the signal the process
 * really died of. Records when each fault began and how long the service was down. Touches only processes the harness
 * started.
 */
import type { TestMongo } from "../../tests/_harness/ferretdb.ts";
import type { RedisUnderTest } from "../../tests/_harness/redis.ts";
import { sleep } from "./client.ts";
import type { ChildServer } from "./server_process.ts";

export interface FaultEvent {
  fault: "app_sigkill" | "ferretdb_sigkill" | "redis_sigkill";
  /** The signal the killed process ended with, as its exit status reports it. */
  signal?: string | null;
  atSecond: number;
  atConfirmed: number;
  downMs: number;
  /** For the app: milliseconds from spawn to its first /healthz answer after the restart. */
  restartStartupMs?: number;
  error?: string;
}

export interface FaultTargets {
  app: ChildServer;
  mongo?: TestMongo;
  redis?: RedisUnderTest;
  /** How long FerretDB and Redis stay down. */
  outageMs: number;
}

/**
 * Runs the fault plan until `done()` says the phase is over; `progress()` is the share of the
 * target confirmed so far (0..1). Returns the events in order.
 */
export async function runFaults(
  t: FaultTargets,
  progress: () => { share: number; confirmed: number },
  done: () => boolean,
  deadlineMs: number,
): Promise<FaultEvent[]> {
  const started = performance.now();
  const events: FaultEvent[] = [];
  type Outcome = { startupMs?: number; signal?: string | null };
  const plan: { at: number; fault: FaultEvent["fault"]; run: () => Promise<Outcome> }[] = [
    {
      at: 0.25,
      fault: "app_sigkill",
      run: async () => {
        const ended = await t.app.kill();
        await t.app.start();
        return { startupMs: t.app.startupMs, signal: ended?.signal ?? null };
      },
    },
  ];
  if (t.mongo) {
    const mongo = t.mongo;
    plan.push({
      at: 0.5,
      fault: "ferretdb_sigkill",
      run: async () => {
        const ended = await mongo.crash();
        await sleep(t.outageMs);
        await mongo.restart();
        return { signal: ended?.signal ?? null };
      },
    });
  }
  if (t.redis) {
    const redis = t.redis;
    plan.push({
      at: 0.7,
      fault: "redis_sigkill",
      run: async () => {
        const ended = await redis.crashAndRestart(() => sleep(t.outageMs));
        return { signal: ended?.signal ?? null };
      },
    });
  }
  const totalMs = deadlineMs - Date.now();
  for (const step of plan) {
    // Falls back to a share of the time budget, so a stalled phase still sees every fault.
    const byTime = Date.now() + totalMs * step.at;
    while (!done() && progress().share < step.at && Date.now() < byTime) await sleep(20);
    if (done()) break;
    const begin = performance.now();
    const event: FaultEvent = {
      fault: step.fault,
      atSecond: Math.round((begin - started) / 10) / 100,
      atConfirmed: progress().confirmed,
      downMs: 0,
    };
    try {
      const outcome = await step.run();
      if (outcome.startupMs !== undefined) event.restartStartupMs = outcome.startupMs;
      event.signal = outcome.signal;
    } catch (err) {
      event.error = err instanceof Error ? err.message.slice(0, 500) : String(err);
    }
    event.downMs = Math.round(performance.now() - begin);
    events.push(event);
  }
  return events;
}
