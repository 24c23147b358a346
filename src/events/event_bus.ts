/**
 * Publishing: an event fans out to one envelope per subscribed handler, so every handler retries,
 * dedupes and dead-letters on its own. `atMs` schedules delivery for later (reminders, hold
 * expiry); the dispatcher re-hops anything the queue could not delay far enough.
 */
import {
  ENVELOPE_KIND,
  type EventEnvelope,
  type EventType,
  type VaidyaEvent,
} from "./event_types.ts";
import { MAX_QUEUE_DELAY_MS, type QueueTransport } from "./queue_transport.ts";

export interface PublishOptions {
  /** Deliver no earlier than this instant. */
  atMs?: number;
}

export interface EventBus {
  publish(event: VaidyaEvent, options?: PublishOptions): Promise<void>;
  /** Handler names subscribed to a type (for tests and diagnostics). */
  subscribers(type: EventType): readonly string[];
}

export function createEventBus(deps: {
  transport: QueueTransport;
  subscriptions: ReadonlyMap<EventType, readonly string[]>;
  now: () => number;
}): EventBus {
  const { transport, subscriptions, now } = deps;
  return {
    subscribers: (type) => subscriptions.get(type) ?? [],
    async publish(event, options = {}) {
      const handlers = subscriptions.get(event.type) ?? [];
      if (handlers.length === 0) return;
      const notBeforeMs = options.atMs ?? 0;
      const envelopes: EventEnvelope[] = handlers.map((handler) => ({
        kind: ENVELOPE_KIND,
        handler,
        event,
        attempt: 0,
        notBeforeMs,
      }));
      const delay = Math.min(MAX_QUEUE_DELAY_MS, Math.max(0, notBeforeMs - now()));
      await transport.enqueue(envelopes, delay);
    },
  };
}

/** type → handler names, from the handlers' own `events` lists. */
export function subscriptionsOf(
  handlers: readonly { name: string; events: readonly EventType[] }[],
): Map<EventType, string[]> {
  const map = new Map<EventType, string[]>();
  for (const h of handlers) {
    for (const type of h.events) map.set(type, [...(map.get(type) ?? []), h.name]);
  }
  return map;
}
