/**
 * Builds the event system from its dependencies: the audit trail, webhooks, waitlist, every
 * handler, the bus and the dispatcher, plus the facade the booking service calls. The transport is
 * a parameter so unit tests run the very same handlers on an in-memory queue they drain by hand.
 */
import type { AuditLog } from "../audit/audit_log.ts";
import type { Config } from "../config/config.ts";
import type { DataCipher } from "../crypto/data_cipher.ts";
import type { MessageSender } from "../notify/message_sender.ts";
import type { Logger } from "../observability/logger.ts";
import type { HoldStore } from "../stores/kv/hold_store.ts";
import type { RecordStores } from "../stores/ports.ts";
import { createWaitlistService } from "../waitlist/waitlist_service.ts";
import { createKvWaitlistStore } from "../waitlist/waitlist_store.ts";
import { createWebhookService } from "../webhooks/webhook_service.ts";
import { createKvWebhookStore } from "../webhooks/webhook_store.ts";
import { type BookingEvents, createBookingEvents } from "./booking_events.ts";
import { createDispatcher } from "./dispatcher.ts";
import { createEventBus, type EventBus, subscriptionsOf } from "./event_bus.ts";
import type { EventHandler } from "./event_types.ts";
import { holdExpiryHandler } from "./handlers/hold_expiry_handler.ts";
import {
  patientNoticeHandler,
  reminderSchedulerHandler,
  reminderSenderHandler,
} from "./handlers/patient_handlers.ts";
import { waitlistHandler } from "./handlers/waitlist_handler.ts";
import { webhookDeliveryHandler, webhookFanoutHandler } from "./handlers/webhook_handlers.ts";
import { createPatientMessenger } from "./patient_messenger.ts";
import { createKvTransport, type QueueTransport } from "./queue_transport.ts";

export interface EventSettings {
  retryBaseMs: number;
  maxAttempts: number;
  webhookTimeoutMs: number;
  webhookGraceMs: number;
  waitlistPerSlot: number;
  /** Refuse loopback/private webhook hosts and check DNS at delivery (production). */
  strictWebhookHosts: boolean;
  /** How long a request waits for the patient's notice to go out inline; 0 = queue only. */
  inlineNoticeBudgetMs: number;
}

/** The patient's confirmation/cancellation notice goes out before the API answers. */
const INLINE_HANDLERS: ReadonlySet<string> = new Set(["patient.notice"]);

export interface EventRuntimeDeps {
  kv: Deno.Kv;
  records: RecordStores;
  holds: HoldStore;
  cipher: DataCipher;
  sender: MessageSender;
  log: Logger;
  now: () => number;
  /** The audit trail (one per process, built in bootstrap.ts). */
  audit: AuditLog;
  settings: EventSettings;
  transport?: QueueTransport;
  onRetry?: (handler: string) => void;
}

export function createEventRuntime(deps: EventRuntimeDeps) {
  const { kv, records, cipher, log, now, settings } = deps;
  const transport = deps.transport ?? createKvTransport(kv);
  const audit = deps.audit;
  const webhooks = createWebhookService({
    store: createKvWebhookStore(kv),
    cipher,
    now,
    allowPrivateUrls: !settings.strictWebhookHosts,
    rotationGraceMs: settings.webhookGraceMs,
  });
  const waitlist = createWaitlistService({ store: createKvWaitlistStore(kv), records, now });
  const messenger = createPatientMessenger({ records, cipher, sender: deps.sender, log });

  let bus: EventBus | null = null;
  // Built after the handlers (it needs the bus); the expiry handler calls it late.
  let bookingEvents: BookingEvents = undefined as unknown as BookingEvents;
  const publish: EventBus["publish"] = (event, options) => bus!.publish(event, options);
  const handlers: EventHandler[] = [
    patientNoticeHandler(messenger),
    reminderSchedulerHandler(publish),
    reminderSenderHandler(records, messenger),
    holdExpiryHandler({
      holds: deps.holds,
      records,
      publish,
      recoverConfirmed: (a) => bookingEvents.confirmed(a, { id: a.patientId, role: "patient" }),
    }),
    waitlistHandler(waitlist, messenger, settings.waitlistPerSlot, log),
    webhookFanoutHandler(webhooks, publish),
    webhookDeliveryHandler(webhooks, {
      timeoutMs: settings.webhookTimeoutMs,
      checkDns: settings.strictWebhookHosts,
    }),
  ];
  let dispatcher: ReturnType<typeof createDispatcher> | null = null;
  bus = createEventBus({
    transport,
    subscriptions: subscriptionsOf(handlers),
    now,
    inline: () =>
      dispatcher && settings.inlineNoticeBudgetMs > 0
        ? {
          handlers: INLINE_HANDLERS,
          deliver: (envelope) => dispatcher!.deliver(envelope),
          budgetMs: settings.inlineNoticeBudgetMs,
        }
        : null,
  });
  dispatcher = createDispatcher({
    kv,
    handlers,
    transport,
    now,
    log,
    retryBaseMs: settings.retryBaseMs,
    maxAttempts: settings.maxAttempts,
    onRetry: deps.onRetry,
  });
  bookingEvents = createBookingEvents({ bus, audit, log, now });
  return {
    bus,
    dispatcher: dispatcher!,
    transport,
    handlers,
    audit,
    webhooks,
    waitlist,
    bookingEvents,
  };
}

export type EventRuntime = ReturnType<typeof createEventRuntime>;

/** The event settings from the validated config. */
export function eventSettingsFrom(config: Config): EventSettings {
  return {
    retryBaseMs: config.EVENT_RETRY_BASE_MS,
    maxAttempts: config.EVENT_MAX_ATTEMPTS,
    webhookTimeoutMs: config.WEBHOOK_TIMEOUT_MS,
    webhookGraceMs: config.WEBHOOK_SECRET_GRACE_HOURS * 3_600_000,
    waitlistPerSlot: config.WAITLIST_NOTIFY_PER_SLOT,
    strictWebhookHosts: config.APP_ENV === "production",
    inlineNoticeBudgetMs: 2_000,
  };
}
