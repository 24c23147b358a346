/**
 * Where event envelopes wait until they are due: Deno KV queues in the app, an in-memory list in
 * unit tests (drained by hand, so tests decide when "later" is). The KV transport is thin on
 * purpose: all retry, idempotency and dead-letter logic lives in the dispatcher, which tests call
 * directly.
 */
import { newId } from "../crypto/random.ts";
import { commit } from "../stores/kv/kv_commit.ts";
import { eventDlqKey } from "../stores/kv/keys.ts";
import type { EventEnvelope } from "./event_types.ts";

/** Deno KV refuses delays over 30 days; longer waits hop (see the dispatcher's notBeforeMs). */
export const MAX_QUEUE_DELAY_MS = 29 * 24 * 3_600_000;

export interface QueueTransport {
  enqueue(envelopes: EventEnvelope[], delayMs: number): Promise<void>;
}

export function createKvTransport(kv: Deno.Kv): QueueTransport {
  return {
    async enqueue(envelopes, delayMs) {
      const delay = Math.max(0, Math.min(MAX_QUEUE_DELAY_MS, Math.round(delayMs)));
      // A handful per atomic commit keeps us far below KV's mutation limits.
      for (let i = 0; i < envelopes.length; i += 10) {
        const part = envelopes.slice(i, i + 10);
        const res = await commit(() => {
          const op = kv.atomic();
          for (const envelope of part) {
            // Only if the listener itself keeps failing (not the handler: the dispatcher catches
            // those) does KV give up and park the raw envelope in the dead-letter list.
            op.enqueue(envelope, {
              delay,
              keysIfUndelivered: [eventDlqKey(newId("dlq"))],
              backoffSchedule: [1_000, 5_000, 30_000],
            });
          }
          return op;
        });
        if (!res.ok) throw new Error("Could not enqueue events: the KV commit was refused");
      }
    },
  };
}

export interface QueuedEnvelope {
  envelope: EventEnvelope;
  delayMs: number;
}

/** Test transport: keeps envelopes in order; `take()` hands over and clears them. */
export function createMemoryTransport(): QueueTransport & {
  readonly queued: QueuedEnvelope[];
  take(): QueuedEnvelope[];
} {
  const queued: QueuedEnvelope[] = [];
  return {
    queued,
    enqueue(envelopes, delayMs) {
      for (const envelope of envelopes) {
        queued.push({ envelope: structuredClone(envelope), delayMs });
      }
      return Promise.resolve();
    },
    take() {
      return queued.splice(0, queued.length);
    },
  };
}
