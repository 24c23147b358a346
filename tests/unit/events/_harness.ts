/**
 * A deterministic event system for unit tests: the real runtime (handlers, dispatcher, audit,
 * waitlist, webhooks) on an in-memory KV, a hand-driven clock, a queue that only delivers what is
 * due at the current clock, and a fake sender that keeps every message.
 */
import { createDataCipher, generateDataKeyBase64 } from "../../../src/crypto/data_cipher.ts";
import { createKvAuditLog } from "../../../src/audit/audit_log.ts";
import { createAuditKeyring } from "../../../src/audit/audit_keys.ts";
import type { EventEnvelope } from "../../../src/events/event_types.ts";
import { createEventRuntime, type EventSettings } from "../../../src/events/event_runtime.ts";
import type { DeliveryOutcome } from "../../../src/events/dispatcher.ts";
import type { OutgoingMessage } from "../../../src/notify/message_sender.ts";
import { createLogger } from "../../../src/observability/logger.ts";
import { createKvHoldStore } from "../../../src/stores/kv/hold_store.ts";
import { createKvRecordStores } from "../../../src/stores/kv/record_stores.ts";

export interface Due {
  envelope: EventEnvelope;
  dueAtMs: number;
}

export async function eventHarness(startMs: number, settings: Partial<EventSettings> = {}) {
  const kv = await Deno.openKv(":memory:");
  const clock = { now: startMs };
  const now = () => clock.now;
  const queue: Due[] = [];
  const sent: OutgoingMessage[] = [];
  let failSends = 0;
  const records = createKvRecordStores(kv);
  const cipher = await createDataCipher([{ id: "k1", keyBase64: generateDataKeyBase64() }]);
  const rt = createEventRuntime({
    kv,
    records,
    holds: createKvHoldStore(kv),
    cipher,
    sender: {
      name: "memory",
      send(message) {
        if (failSends > 0) {
          failSends--;
          return Promise.reject(new Error("provider down"));
        }
        sent.push(message);
        return Promise.resolve({ providerId: `m${sent.length}` });
      },
    },
    log: createLogger({ level: "error", write: () => {} }),
    now,
    audit: createKvAuditLog(
      kv,
      now,
      await createAuditKeyring([{ id: "a1", keyBase64: generateDataKeyBase64() }]),
    ),
    settings: {
      retryBaseMs: 1_000,
      maxAttempts: 3,
      webhookTimeoutMs: 2_000,
      webhookGraceMs: 3_600_000,
      waitlistPerSlot: 2,
      strictWebhookHosts: false,
      inlineNoticeBudgetMs: 0,
      ...settings,
    },
    transport: {
      enqueue(envelopes, delayMs) {
        for (const e of envelopes) {
          queue.push({ envelope: structuredClone(e), dueAtMs: clock.now + delayMs });
        }
        return Promise.resolve();
      },
    },
  });

  /** Delivers everything due now (and what that makes due now), in enqueue order. */
  async function drain(): Promise<DeliveryOutcome[]> {
    const outcomes: DeliveryOutcome[] = [];
    for (let i = 0; i < 1000; i++) {
      const at = queue.findIndex((q) => q.dueAtMs <= clock.now);
      if (at < 0) return outcomes;
      const [item] = queue.splice(at, 1);
      outcomes.push(await rt.dispatcher.deliver(item.envelope));
    }
    throw new Error("drain() did not settle after 1000 deliveries");
  }

  return {
    kv,
    clock,
    queue,
    sent,
    records,
    cipher,
    rt,
    drain,
    failNextSends(n: number) {
      failSends = n;
    },
    /** Moves the clock forward and delivers what became due. */
    async advance(ms: number) {
      clock.now += ms;
      return await drain();
    },
    close: () => kv.close(),
  };
}

export type EventHarness = Awaited<ReturnType<typeof eventHarness>>;
