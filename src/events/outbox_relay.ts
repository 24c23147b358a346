/**
 * Drains the outbox, in every instance: each pass first moves events that ride inside records
 * (the MongoDB adapter keeps them in the appointment document, having no multi-document
 * transactions) into the KV outbox, then hands every due entry to the dispatcher, whose lease
 * makes concurrent passes on several instances safe. Passes run on an interval loop in every
 * process, and on `Deno.cron` once a minute where the runtime has it (the new Deno Deploy, where
 * an idle instance is not kept running). `wake()` asks for a pass now, after a local commit.
 */
import type { Logger } from "../observability/logger.ts";
import { errorFields } from "../observability/logger.ts";
import type { AppointmentStore } from "../stores/ports.ts";
import { CLAIM_CHUNK, type DeliveryOutcome, type Dispatcher } from "./dispatcher.ts";
import { bumpCalendar } from "../stores/kv/calendar.ts";
import { listDue, type OutboxStats, outboxStats, writeToOutbox } from "./outbox.ts";

export interface RelayDeps {
  kv: Deno.Kv;
  dispatcher: Pick<Dispatcher, "deliverAll">;
  appointments: Pick<AppointmentStore, "pendingEvents" | "clearPendingEvents">;
  now: () => number;
  log: Logger;
  /** Entries per pass. */
  batch?: number;
  onStats?: (stats: OutboxStats) => void;
}

const PARALLEL = 4;
/** Deno.cron names are per process; the first relay started registers the tick. */
let cronRegistered = false;
const STATS_EVERY_MS = 5_000;

export function createOutboxRelay(deps: RelayDeps) {
  const { kv, dispatcher, appointments, now, log } = deps;
  const batch = deps.batch ?? 200;
  let running: Promise<DeliveryOutcome[]> | null = null;
  let again = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = true;
  let intervalMs = 500;
  let statsAtMs = 0;

  /**
   * Moves events kept inside records into the KV outbox, then clears them there. Their writer
   * bumps the doctor's calendar after its write and then moves them itself; events left to the
   * relay may be a writer's that died before its bump, so the relay bumps it (before the clear, so
   * that a pass that dies first leaves both to the next): every instance's calendar view reloads
   * what the change stored instead of listing the time as it was before it.
   */
  async function moveRecordEvents(): Promise<void> {
    for (const { appointmentId, envelopes } of await appointments.pendingEvents(batch)) {
      const doctors = envelopes.map((e) => e.event.data.doctorId);
      for (const doctorId of new Set(doctors)) if (doctorId) await bumpCalendar(kv, doctorId);
      await writeToOutbox(kv, envelopes);
      await appointments.clearPendingEvents(appointmentId, envelopes);
    }
  }

  async function pass(): Promise<DeliveryOutcome[]> {
    await moveRecordEvents();
    const due = await listDue(kv, now(), batch);
    let i = 0;
    const outcomes: DeliveryOutcome[] = [];
    // Lanes of chunks: one commit claims a chunk's leases, and a slow handler holds up one lane.
    await Promise.all(Array.from({ length: PARALLEL }, async () => {
      while (i < due.length) {
        const chunk = due.slice(i, i += CLAIM_CHUNK);
        try {
          outcomes.push(...await dispatcher.deliverAll(chunk));
        } catch (err) {
          log.warn("outbox delivery failed; it stays for the next pass", {
            handlers: [...new Set(chunk.map((e) => e.handler))].join(","),
            events: chunk.length,
            ...errorFields(err),
          });
        }
      }
    }));
    const nowMs = now();
    if (deps.onStats && nowMs - statsAtMs >= STATS_EVERY_MS) {
      statsAtMs = nowMs;
      deps.onStats(await outboxStats(kv, nowMs));
    }
    // A full batch means more is waiting: go on without sleeping, unless none of it could be
    // acted on (other instances hold the leases): listing it again at once only spun on KV.
    const acted = outcomes.some((o) => o !== "busy" && o !== "deferred");
    if (due.length === batch && acted) again = true;
    return outcomes;
  }

  /** One pass; concurrent callers share the running one (and ask for one more after it). */
  function drainOnce(): Promise<DeliveryOutcome[]> {
    if (running) {
      again = true;
      return running;
    }
    running = pass().finally(() => running = null);
    return running;
  }

  function schedule(delayMs: number) {
    clearTimeout(timer);
    if (stopped) return;
    timer = setTimeout(async () => {
      try {
        await drainOnce();
      } catch (err) {
        log.warn("outbox pass failed", errorFields(err));
      }
      const soon = again;
      again = false;
      schedule(soon ? 0 : intervalMs);
    }, delayMs);
  }

  return {
    drainOnce,
    /** Passes until a pass acts on nothing (tests); returns every delivery's outcome. */
    async drainAll(maxPasses = 100): Promise<DeliveryOutcome[]> {
      const all: DeliveryOutcome[] = [];
      for (let i = 0; i < maxPasses; i++) {
        const outcomes = await drainOnce();
        all.push(...outcomes);
        const acted = outcomes.some((o) => o === "done" || o === "retry" || o === "dead");
        if (!acted) return all;
      }
      throw new Error(`The outbox did not settle after ${maxPasses} passes`);
    },
    /**
     * Passes every `intervalMs` from now on, the first at once, or with `firstPassOnWake` on the
     * first `wake()` (a server's first pass waits until it has answered its first request).
     */
    start(options: { intervalMs: number; cron?: boolean; firstPassOnWake?: boolean }) {
      intervalMs = options.intervalMs;
      stopped = false;
      if (!options.firstPassOnWake) schedule(0);
      // Deno.cron exists on the new Deno Deploy (and locally with --unstable-cron).
      const cron = (Deno as { cron?: typeof Deno.cron }).cron;
      if (options.cron && typeof cron === "function" && !cronRegistered) {
        cronRegistered = true;
        // The tick outlives stop() (a cron cannot be unregistered): a stopped relay skips it, so
        // no pass begins on stores that shutdown is closing.
        cron("vaidya-outbox", "* * * * *", () => stopped ? undefined : drainOnce().then(() => {}));
      }
    },
    wake() {
      if (!stopped) schedule(0);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => {});
    },
  };
}

export type OutboxRelay = ReturnType<typeof createOutboxRelay>;
