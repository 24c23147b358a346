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

/**
 * Handlers delivered in the publishing request itself (still once-only through the dispatcher),
 * so their effect — the patient's confirmation SMS — lands before the API answers and never
 * after a later one-time code. A delivery slower than `budgetMs` finishes in the background;
 * one that fails is retried by the dispatcher through the queue like any other.
 */
export interface InlineDelivery {
  handlers: ReadonlySet<string>;
  deliver(envelope: EventEnvelope): Promise<unknown>;
  budgetMs: number;
}

export function createEventBus(deps: {
  transport: QueueTransport;
  subscriptions: ReadonlyMap<EventType, readonly string[]>;
  now: () => number;
  inline?: () => InlineDelivery | null;
}): EventBus {
  const { transport, subscriptions, now } = deps;

  async function deliverInline(inline: InlineDelivery, envelopes: EventEnvelope[]) {
    // A delivery that cannot even start (e.g. KV down) falls back to the queue.
    const all = Promise.all(
      envelopes.map((e) => inline.deliver(e).catch(() => transport.enqueue([e], 0))),
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    const budget = new Promise<void>((resolve) => timer = setTimeout(resolve, inline.budgetMs));
    await Promise.race([all, budget]);
    clearTimeout(timer);
  }

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
      const inline = delay === 0 ? deps.inline?.() : null;
      const immediate = inline ? envelopes.filter((e) => inline.handlers.has(e.handler)) : [];
      const queued = envelopes.filter((e) => !immediate.includes(e));
      if (queued.length > 0) await transport.enqueue(queued, delay);
      if (inline && immediate.length > 0) await deliverInline(inline, immediate);
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
