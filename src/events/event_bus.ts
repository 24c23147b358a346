/**
 * Publishing follow-up work from a handler (webhook deliveries, hold expiry announcements): an
 * event fans out to one outbox entry per subscribed handler (SUBSCRIPTIONS), so every handler
 * retries, dedupes and dead-letters on its own. `atMs` makes the entry due later. State changes
 * never publish here: their events are written by the appointment writer in the same commit.
 */
import { envelopesOf, type EventType, SUBSCRIPTIONS, type VaidyaEvent } from "./event_types.ts";
import { writeToOutbox } from "./outbox.ts";

export interface PublishOptions {
  /** Deliver no earlier than this instant. */
  atMs?: number;
}

export interface EventBus {
  publish(event: VaidyaEvent, options?: PublishOptions): Promise<void>;
  /** Handler names subscribed to a type (for tests and diagnostics). */
  subscribers(type: EventType): readonly string[];
}

export function createEventBus(kv: Deno.Kv): EventBus {
  const subscriptions = subscriptionsOf(
    Object.entries(SUBSCRIPTIONS).map(([name, events]) => ({ name, events })),
  );
  return {
    subscribers: (type) => subscriptions.get(type) ?? [],
    async publish(event, options = {}) {
      await writeToOutbox(kv, envelopesOf([{ event, atMs: options.atMs }]));
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
