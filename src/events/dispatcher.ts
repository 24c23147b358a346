/**
 * Delivers one outbox entry to its handler, exactly once in effect, whichever instance runs it.
 * The lease is the handled record ["event_handled", handler, eventId]: claimed with an atomic
 * check on its versionstamp (state `running`, `leaseUntilMs`), so two instances never run one
 * handler for one event at the same time; a lease past `leaseUntilMs` belongs to a crashed
 * worker and may be taken over (the value's own time is checked: `expireIn` is lazy). When the
 * handler succeeds, one commit marks the record `done` and deletes the outbox entry; a later copy
 * of the event finds `done` and only deletes its entry. A failing handler releases the lease and
 * the entry moves to a later due time (`retryBaseMs · 2^attempt`, capped at an hour); after
 * `maxAttempts` tries it goes to the dead-letter list. `deliver` is a plain function: the relay,
 * the inline notice and unit tests call it with their own clock.
 */
import type { Logger } from "../observability/logger.ts";
import { errorFields, redactText } from "../observability/logger.ts";
import { commit, withKvRetry } from "../stores/kv/kv_commit.ts";
import { eventDlqKey, eventHandledKey } from "../stores/kv/keys.ts";
import { newDeadLetter } from "./dead_letters.ts";
import type { EventEnvelope, EventHandler } from "./event_types.ts";
import { addToOutbox, dueKeyOf } from "./outbox.ts";

export type DeliveryOutcome = "done" | "duplicate" | "deferred" | "busy" | "retry" | "dead";

interface HandledRecord {
  state: "running" | "done";
  leaseUntilMs: number;
}

const HANDLED_TTL_MS = 30 * 24 * 3_600_000;
/** How long one delivery may run before another instance takes it over as crashed (default). */
export const LEASE_MS = 60_000;
const MAX_BACKOFF_MS = 3_600_000;

export interface DispatcherDeps {
  kv: Deno.Kv;
  handlers: readonly EventHandler[];
  now: () => number;
  log: Logger;
  retryBaseMs: number;
  maxAttempts: number;
  /** Default LEASE_MS; config EVENT_LEASE_MS. */
  leaseMs?: number;
  onRetry?: (handler: string) => void;
}

export interface Dispatcher {
  deliver(envelope: EventEnvelope): Promise<DeliveryOutcome>;
}

export function createDispatcher(deps: DispatcherDeps): Dispatcher {
  const { kv, now, log, retryBaseMs, maxAttempts } = deps;
  const leaseMs = deps.leaseMs ?? LEASE_MS;
  const byName = new Map(deps.handlers.map((h) => [h.name, h]));

  async function claim(key: Deno.KvKey, nowMs: number): Promise<"claimed" | "done" | "busy"> {
    const entry = await withKvRetry(() => kv.get<HandledRecord>(key));
    if (entry.value?.state === "done") return "done";
    if (entry.value && entry.value.leaseUntilMs > nowMs) return "busy";
    const res = await commit(() =>
      kv.atomic().check(entry).set(
        key,
        { state: "running", leaseUntilMs: nowMs + leaseMs } satisfies HandledRecord,
        { expireIn: HANDLED_TTL_MS },
      )
    );
    return res.ok ? "claimed" : "busy";
  }

  async function deadLetter(
    envelope: EventEnvelope,
    error: string,
    nowMs: number,
    extra?: Deno.KvKey,
  ) {
    const letter = newDeadLetter(envelope, error, nowMs);
    await commit(() => {
      const op = kv.atomic().set(eventDlqKey(letter.id), letter).delete(dueKeyOf(envelope));
      return extra ? op.delete(extra) : op;
    });
  }

  return {
    async deliver(envelope) {
      const nowMs = now();
      const { event } = envelope;
      if (envelope.notBeforeMs > nowMs) return "deferred";
      const handler = byName.get(envelope.handler);
      if (!handler) {
        await deadLetter(envelope, `No handler named ${envelope.handler}`, nowMs);
        return "dead";
      }
      const key = eventHandledKey(handler.name, event.id);
      const claimed = await claim(key, nowMs);
      if (claimed === "done") {
        await commit(() => kv.atomic().delete(dueKeyOf(envelope)));
        return "duplicate";
      }
      // Another instance runs it; the entry stays and is looked at again on a later pass.
      if (claimed === "busy") return "busy";
      try {
        await handler.handle(event, { now: nowMs, attempt: envelope.attempt, maxAttempts });
      } catch (err) {
        const next = envelope.attempt + 1;
        const fields = {
          handler: handler.name,
          eventId: event.id,
          type: event.type,
          attempt: next,
        };
        if (next >= maxAttempts) {
          await deadLetter(envelope, errorMessage(err), nowMs, key);
          log.error("event handler gave up; dead-lettered", { ...fields, ...errorFields(err) });
          return "dead";
        }
        deps.onRetry?.(handler.name);
        log.warn("event handler failed; will retry", { ...fields, ...errorFields(err) });
        const delay = Math.min(MAX_BACKOFF_MS, retryBaseMs * 2 ** envelope.attempt);
        const retry = { ...envelope, attempt: next, notBeforeMs: nowMs + delay };
        await commit(() =>
          addToOutbox(kv.atomic().delete(key).delete(dueKeyOf(envelope)), [retry])
        );
        return "retry";
      }
      await commit(() =>
        kv.atomic()
          .set(key, { state: "done", leaseUntilMs: 0 } satisfies HandledRecord, {
            expireIn: HANDLED_TTL_MS,
          })
          .delete(dueKeyOf(envelope))
      );
      return "done";
    },
  };
}

function errorMessage(err: unknown): string {
  return redactText(err instanceof Error ? err.message : String(err)).slice(0, 300);
}
