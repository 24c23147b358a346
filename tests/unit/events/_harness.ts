/**
 * A deterministic event system for unit tests: the real runtime (handlers, dispatcher, outbox
 * relay, audit, waitlist, webhooks) and the real appointment writer on an in-memory KV, a
 * hand-driven clock (the relay only delivers what is due at it), and a fake sender that keeps
 * every message.
 */
import { createAppMetrics } from "../../../src/observability/metrics.ts";
import { createAppointmentWriter } from "../../../src/booking/appointment_writer.ts";
import { createDataCipher, generateDataKeyBase64 } from "../../../src/crypto/data_cipher.ts";
import { createKvAuditLog } from "../../../src/audit/audit_log.ts";
import { createAuditKeyring } from "../../../src/audit/audit_keys.ts";
import type { EventEnvelope } from "../../../src/events/event_types.ts";
import { createEventRuntime, type EventSettings } from "../../../src/events/event_runtime.ts";
import type { DeliveryOutcome } from "../../../src/events/dispatcher.ts";
import type { OutgoingMessage } from "../../../src/notify/message_sender.ts";
import { createLogger } from "../../../src/observability/logger.ts";
import { createOutboxRelay, type RelayDeps } from "../../../src/events/outbox_relay.ts";
import { createKvHoldStore } from "../../../src/stores/kv/hold_store.ts";
import { keySpace } from "../../../src/stores/kv/keys.ts";
import { createKvRecordStores } from "../../../src/stores/kv/record_stores.ts";
import type { RecordStores } from "../../../src/stores/ports.ts";
import { createWaitlistService } from "../../../src/waitlist/waitlist_service.ts";
import { createKvWaitlistStore } from "../../../src/waitlist/waitlist_store.ts";
import { createWebhookService } from "../../../src/webhooks/webhook_service.ts";
import { createKvWebhookStore } from "../../../src/webhooks/webhook_store.ts";
import {
  createMongoRecordStores,
  type MongoRecordStoresOptions,
} from "../../../src/stores/mongo/record_stores.ts";
import { startFerretDb, storeOptions } from "../../_harness/ferretdb.ts";
import { T0 } from "../../contract/_fixtures.ts";
import { createWebhookPresence } from "../../../src/webhooks/webhook_presence.ts";

export interface Due {
  envelope: EventEnvelope;
  dueAtMs: number;
}

export async function eventHarness(
  startMs: number,
  settings: Partial<EventSettings> = {},
  /** Wraps the KV handle every part uses (e.g. to count checks per commit). */
  wrap: (kv: Deno.Kv) => Deno.Kv = (kv) => kv,
  options: {
    /** `KV_CELL_MARKS`: an older release may run beside this one (the webhook presence mark). */
    cellMarks?: boolean;
    /** The records (e.g. MongoDB's on FerretDB; the caller closes them); default KV's. */
    records?: RecordStores;
    /** The writer's crash points (`WriterDeps.crashPoint`): throw to play a process that died. */
    crashPoint?: (name: string) => void;
    /** Wraps the records every part uses (e.g. to make a store write slow). */
    wrapRecords?: (records: RecordStores) => RecordStores;
  } = {},
) {
  const { cellMarks = false, wrapRecords = (r: RecordStores) => r } = options;
  const kv = wrap(await Deno.openKv(":memory:"));
  const webhookPresence = createWebhookPresence(kv, { cellMarks });
  const clock = { now: startMs };
  const now = () => clock.now;
  const sent: OutgoingMessage[] = [];
  let failSends = 0;
  let failure: () => unknown = () => new Error("provider down");
  const records = wrapRecords(options.records ?? createKvRecordStores(kv));
  const holds = createKvHoldStore(kv);
  const cipher = await createDataCipher([{ id: "k1", keyBase64: generateDataKeyBase64() }]);
  /** Warnings and errors logged, one JSON line each. */
  const logs: string[] = [];
  const log = createLogger({ level: "warn", write: (line) => logs.push(line) });
  const full: EventSettings = {
    retryBaseMs: 1_000,
    maxAttempts: 3,
    webhookTimeoutMs: 2_000,
    webhookGraceMs: 3_600_000,
    waitlistPerSlot: 2,
    strictWebhookHosts: false,
    inlineNoticeBudgetMs: 0,
    pollMs: 1_000,
    ...settings,
  };
  const metrics = createAppMetrics();
  const rt = createEventRuntime({
    kv,
    records,
    holds,
    cipher,
    sender: {
      name: "memory",
      send(message) {
        if (failSends > 0) {
          failSends--;
          return Promise.reject(failure());
        }
        sent.push(message);
        return Promise.resolve({ providerId: `m${sent.length}` });
      },
    },
    log,
    now,
    audit: createKvAuditLog(
      kv,
      now,
      await createAuditKeyring([{ id: "a1", keyBase64: generateDataKeyBase64() }]),
    ),
    webhooks: createWebhookService({
      store: createKvWebhookStore(kv, webhookPresence),
      cipher,
      now,
      allowPrivateUrls: !full.strictWebhookHosts,
      rotationGraceMs: full.webhookGraceMs,
    }),
    waitlist: createWaitlistService({
      store: createKvWaitlistStore(kv),
      records,
      now,
      maxPerPatient: 20,
    }),
    settings: full,
    onHoldExpired: () => metrics.holdsExpired.inc(),
  });
  /** How many times the writer asked the relay for a pass (`WriterDeps.wake`). */
  let wakes = 0;
  const writer = createAppointmentWriter({
    kv,
    records,
    holds,
    log,
    now,
    dispatcher: rt.dispatcher,
    webhookPresence,
    inlineBudgetMs: full.inlineNoticeBudgetMs,
    wake: () => void wakes++,
    crashPoint: options.crashPoint,
  });

  /** Delivers everything due now (and what that makes due now). */
  function drain(): Promise<DeliveryOutcome[]> {
    return rt.relay.drainAll(1000);
  }

  /** The outbox: every entry waiting, with its due time. */
  async function queue(): Promise<Due[]> {
    const out: Due[] = [];
    for await (const e of kv.list<EventEnvelope>({ prefix: keySpace("event_due") })) {
      out.push({ envelope: e.value, dueAtMs: e.key[1] as number });
    }
    return out;
  }

  return {
    kv,
    clock,
    queue,
    sent,
    records,
    holds,
    cipher,
    rt,
    writer,
    drain,
    metrics,
    logs,
    /** The next `n` sends fail, with `error()` (default a plain provider error). */
    failNextSends(n: number, error?: () => unknown) {
      failSends = n;
      failure = error ?? (() => new Error("provider down"));
    },
    /** How many passes the writer has asked the relay for so far. */
    wakes: () => wakes,
    /** Moves the clock forward and delivers what became due. */
    async advance(ms: number) {
      clock.now += ms;
      return await drain();
    },
    close: () => kv.close(),
  };
}

export type EventHarness = Awaited<ReturnType<typeof eventHarness>>;

/**
 * Runs `body` on a harness over each kind of records: KV's, and MongoDB's on a real FerretDB (the
 * change stored there first, its events moved into the KV outbox by a commit of their own).
 */
export function onEachRecords(
  name: string,
  body: (h: EventHarness) => Promise<void>,
  startMs = T0 - 3 * 86_400_000,
  settings: Partial<EventSettings> = {},
) {
  Deno.test(`${name} (KV records)`, async () => {
    const h = await eventHarness(startMs, settings);
    try {
      await body(h);
    } finally {
      await h.close();
    }
  });
  Deno.test(`${name} (MongoDB records)`, () => onMongoRecords(body, { startMs, settings }));
}

/**
 * Runs `body` on a harness over MongoDB records on a fresh FerretDB (`store`: options on top of
 * the test defaults; `settings` and `crashPoint` as `eventHarness` takes them), then tears all of
 * it down.
 */
export async function onMongoRecords(
  body: (h: EventHarness) => Promise<void>,
  { startMs = T0 - 3 * 86_400_000, store = {}, settings = {}, crashPoint, wrapRecords }: {
    startMs?: number;
    store?: Partial<MongoRecordStoresOptions>;
    settings?: Partial<EventSettings>;
    crashPoint?: (name: string) => void;
    wrapRecords?: (records: RecordStores) => RecordStores;
  } = {},
) {
  const server = await startFerretDb();
  const records = await createMongoRecordStores(storeOptions(server, server.database(), store));
  const h = await eventHarness(startMs, settings, undefined, { records, crashPoint, wrapRecords });
  try {
    await body(h);
  } finally {
    await records.close();
    await h.close();
    await server.stop();
  }
}

/**
 * An outbox relay over `kv` whose dispatcher records the ids it is handed and answers "busy" for
 * each (another instance holds every lease), so every entry stays in the outbox.
 */
export function recordingRelay(
  kv: Deno.Kv,
  options: { now: () => number; onStats?: RelayDeps["onStats"] },
) {
  const seen: string[] = [];
  const relay = createOutboxRelay({
    kv,
    dispatcher: {
      deliverAll: (es) => {
        seen.push(...es.map((e) => e.event.id));
        return Promise.resolve(es.map(() => "busy" as const));
      },
    },
    appointments: {
      pendingEvents: () => Promise.resolve([]),
      clearPendingEvents: () => Promise.resolve(),
    },
    log: createLogger({ level: "error", write: () => {} }),
    ...options,
  });
  return { relay, seen };
}
