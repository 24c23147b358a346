/**
 * Delivers one envelope to its handler, exactly once in effect: a handled-event record per
 * (handler, event id) is claimed with an atomic check before the handler runs and marked done
 * after, so a duplicate delivery does nothing. A failing handler is retried with exponential
 * backoff (`retryBaseMs · 2^attempt`, capped at an hour) and after `maxAttempts` tries the
 * envelope goes to the dead-letter list. `deliver` is a plain function; the KV queue listener
 * only calls it, and unit tests call it directly with their own clock.
 */
import type { Logger } from "../observability/logger.ts";
import { errorFields, redactText } from "../observability/logger.ts";
import { commit, withKvRetry } from "../stores/kv/kv_commit.ts";
import { eventHandledKey } from "../stores/kv/keys.ts";
import { addDeadLetter } from "./dead_letters.ts";
import type { EventEnvelope, EventHandler } from "./event_types.ts";
import { MAX_QUEUE_DELAY_MS, type QueueTransport } from "./queue_transport.ts";

export type DeliveryOutcome = "done" | "duplicate" | "deferred" | "busy" | "retry" | "dead";

interface HandledRecord {
  state: "running" | "done";
  leaseUntilMs: number;
}

const HANDLED_TTL_MS = 30 * 24 * 3_600_000;
/** A claim older than this is taken to be from a crashed worker and may be taken over. */
const LEASE_MS = 5 * 60_000;
const MAX_BACKOFF_MS = 3_600_000;

export interface DispatcherDeps {
  kv: Deno.Kv;
  handlers: readonly EventHandler[];
  transport: QueueTransport;
  now: () => number;
  log: Logger;
  retryBaseMs: number;
  maxAttempts: number;
  onRetry?: (handler: string) => void;
}

export interface Dispatcher {
  deliver(envelope: EventEnvelope): Promise<DeliveryOutcome>;
}

export function createDispatcher(deps: DispatcherDeps): Dispatcher {
  const { kv, transport, now, log, retryBaseMs, maxAttempts } = deps;
  const byName = new Map(deps.handlers.map((h) => [h.name, h]));

  async function claim(key: Deno.KvKey, nowMs: number): Promise<"claimed" | "done" | "busy"> {
    const entry = await withKvRetry(() => kv.get<HandledRecord>(key));
    if (entry.value?.state === "done") return "done";
    if (entry.value && entry.value.leaseUntilMs > nowMs) return "busy";
    const res = await commit(() =>
      kv.atomic().check(entry).set(
        key,
        {
          state: "running",
          leaseUntilMs: nowMs + LEASE_MS,
        } satisfies HandledRecord,
        { expireIn: HANDLED_TTL_MS },
      )
    );
    return res.ok ? "claimed" : "busy";
  }

  return {
    async deliver(envelope) {
      const nowMs = now();
      const { event } = envelope;
      if (envelope.notBeforeMs > nowMs) {
        await transport.enqueue(
          [envelope],
          Math.min(MAX_QUEUE_DELAY_MS, envelope.notBeforeMs - nowMs),
        );
        return "deferred";
      }
      const handler = byName.get(envelope.handler);
      if (!handler) {
        await addDeadLetter(kv, envelope, `No handler named ${envelope.handler}`, nowMs);
        return "dead";
      }
      const key = eventHandledKey(handler.name, event.id);
      const claimed = await claim(key, nowMs);
      if (claimed === "done") return "duplicate";
      if (claimed === "busy") {
        // Another delivery of the same event is running; look again later, it will usually be done.
        await transport.enqueue([envelope], retryBaseMs);
        return "busy";
      }
      try {
        await handler.handle(event, { now: nowMs, attempt: envelope.attempt, maxAttempts });
      } catch (err) {
        await commit(() => kv.atomic().delete(key));
        const next = envelope.attempt + 1;
        const fields = {
          handler: handler.name,
          eventId: event.id,
          type: event.type,
          attempt: next,
        };
        if (next >= maxAttempts) {
          await addDeadLetter(kv, envelope, errorMessage(err), nowMs);
          log.error("event handler gave up; dead-lettered", { ...fields, ...errorFields(err) });
          return "dead";
        }
        deps.onRetry?.(handler.name);
        log.warn("event handler failed; will retry", { ...fields, ...errorFields(err) });
        const delay = Math.min(MAX_BACKOFF_MS, retryBaseMs * 2 ** envelope.attempt);
        await transport.enqueue([{ ...envelope, attempt: next, notBeforeMs: 0 }], delay);
        return "retry";
      }
      await commit(() =>
        kv.atomic().set(key, { state: "done", leaseUntilMs: 0 } satisfies HandledRecord, {
          expireIn: HANDLED_TTL_MS,
        })
      );
      return "done";
    },
  };
}

function errorMessage(err: unknown): string {
  return redactText(err instanceof Error ? err.message : String(err)).slice(0, 300);
}
