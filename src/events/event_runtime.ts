/**
 * The event part of the one composition root (wire_app.ts): every handler, the bus handlers
 * publish follow-up work on, the dispatcher and the outbox relay, from services the root built and
 * hands in (audit trail, webhooks, waitlist, sender). It opens nothing and creates no store. Unit
 * tests hand it the very same services on an in-memory KV and drive the relay with their own clock.
 */
import type { AuditLog } from "../audit/audit_log.ts";
import type { Config } from "../config/config.ts";
import type { DataCipher } from "../crypto/data_cipher.ts";
import type { MessageSender } from "../notify/message_sender.ts";
import type { Logger } from "../observability/logger.ts";
import type { GroupCommit } from "../stores/kv/group_commit.ts";
import type { HoldStore, RecordStores } from "../stores/ports.ts";
import type { WaitlistService } from "../waitlist/waitlist_service.ts";
import type { WebhookService } from "../webhooks/webhook_service.ts";
import { createDispatcher } from "./dispatcher.ts";
import { createEventBus } from "./event_bus.ts";
import { type EventHandler, SUBSCRIPTIONS } from "./event_types.ts";
import { auditHandler } from "./handlers/audit_handler.ts";
import { calendarAnnounceHandler } from "./handlers/calendar_handler.ts";
import { holdExpiryHandler } from "./handlers/hold_expiry_handler.ts";
import { patientNoticeHandler, reminderSenderHandler } from "./handlers/patient_handlers.ts";
import { slotStateOf, waitlistHandler } from "./handlers/waitlist_handler.ts";
import { webhookDeliveryHandler, webhookFanoutHandler } from "./handlers/webhook_handlers.ts";
import type { OutboxStats } from "./outbox.ts";
import { createOutboxRelay } from "./outbox_relay.ts";
import { createPatientMessenger } from "./patient_messenger.ts";
import type { DoctorRecord } from "../stores/records.ts";

export interface EventSettings {
  retryBaseMs: number;
  maxAttempts: number;
  webhookTimeoutMs: number;
  webhookGraceMs: number;
  waitlistPerSlot: number;
  /** Refuse loopback/private webhook hosts and check DNS at delivery (production). */
  strictWebhookHosts: boolean;
  /** How long a request waits for the patient's notice to go out inline; 0 = relay only. */
  inlineNoticeBudgetMs: number;
  /** Interval of the outbox relay's passes. */
  pollMs: number;
  /** How long a delivery's lease lasts (a crashed instance's work is taken over after it). */
  leaseMs?: number;
}

export interface EventRuntimeDeps {
  kv: Deno.Kv;
  records: RecordStores;
  holds: HoldStore;
  cipher: DataCipher;
  sender: MessageSender;
  log: Logger;
  now: () => number;
  /**
   * The doctor a patient message names, as of a read begun after the call; default
   * `records.doctors.get`. wire_app.ts hands the calendar view's (from memory while the doctor's
   * calendar version says it is current: one command less per notice on MongoDB).
   */
  doctorOf?: (doctorId: string) => Promise<DoctorRecord | null>;
  /** The audit trail, webhooks and waitlist (one each per process, built in wire_app.ts). */
  audit: AuditLog;
  webhooks: WebhookService;
  waitlist: WaitlistService;
  settings: EventSettings;
  onRetry?: (handler: string) => void;
  /** The process's group commit for blind writes (done marks). */
  group?: GroupCommit;
  onStats?: (stats: OutboxStats) => void;
  /** A hold expired unconfirmed (counted by its expiry check, whether or not anyone touched it). */
  onHoldExpired?: () => void;
}

/** Throws unless each handler subscribes to exactly what SUBSCRIPTIONS says it does. */
function assertSubscriptions(handlers: readonly EventHandler[]) {
  const table = SUBSCRIPTIONS as Record<string, readonly string[]>;
  for (const h of handlers) {
    const listed = table[h.name];
    if (!listed || listed.join() !== h.events.join()) {
      throw new Error(`Handler ${h.name} is missing from SUBSCRIPTIONS or differs from it`);
    }
  }
  const names = new Set(handlers.map((h) => h.name));
  const missing = Object.keys(table).filter((n) => !names.has(n));
  if (missing.length > 0) throw new Error(`No handler for ${missing.join(", ")}`);
}

export function createEventRuntime(deps: EventRuntimeDeps) {
  const { kv, records, cipher, log, now, settings, audit, webhooks, waitlist } = deps;
  const messenger = createPatientMessenger({
    records,
    doctorOf: deps.doctorOf,
    cipher,
    sender: deps.sender,
    log,
  });
  const bus = createEventBus(kv);
  const publish = bus.publish;
  const handlers: EventHandler[] = [
    patientNoticeHandler(records, messenger),
    reminderSenderHandler(records, messenger),
    auditHandler(audit),
    holdExpiryHandler({ holds: deps.holds, records, publish, onExpired: deps.onHoldExpired }),
    waitlistHandler(
      waitlist,
      messenger,
      settings.waitlistPerSlot,
      log,
      slotStateOf(records, deps.holds),
    ),
    webhookFanoutHandler(webhooks, publish),
    webhookDeliveryHandler(webhooks, {
      timeoutMs: settings.webhookTimeoutMs,
      checkDns: settings.strictWebhookHosts,
    }),
    calendarAnnounceHandler(kv),
  ];
  assertSubscriptions(handlers);
  const dispatcher = createDispatcher({
    kv,
    handlers,
    now,
    log,
    retryBaseMs: settings.retryBaseMs,
    maxAttempts: settings.maxAttempts,
    leaseMs: settings.leaseMs,
    onRetry: deps.onRetry,
    group: deps.group,
  });
  const relay = createOutboxRelay({
    kv,
    dispatcher,
    appointments: records.appointments,
    now,
    log,
    onStats: deps.onStats,
  });
  return { bus, dispatcher, relay, handlers, audit, webhooks, waitlist, settings };
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
    pollMs: config.OUTBOX_POLL_MS,
    leaseMs: config.EVENT_LEASE_MS,
  };
}
