/**
 * Delivery state of messages sent through Twilio, from its status callbacks, and the SMS fallback
 * for WhatsApp: a WhatsApp code or notice that Twilio reports `undelivered` or `failed` (for
 * example error 63016, a free-form message outside the 24-hour window, or a number without
 * WhatsApp) is sent again by SMS, once, whichever instance gets the callback.
 *
 * KV keys: ["delivery", sid] → DeliveryRecord (7 days). A WhatsApp record keeps the message sealed
 * (`resendSealed`, it may carry a code) until it is delivered or has fallen back, then drops it.
 * Never logs or stores a phone or a body in the clear.
 */
import type { DataCipher } from "../crypto/data_cipher.ts";
import { PhoneUndeliverableError } from "../errors.ts";
import type { AppMetrics } from "../observability/metrics.ts";
import { errorFields, type Logger } from "../observability/logger.ts";
import { commit, untilCommitted, withKvRetry } from "../stores/kv/kv_commit.ts";
import { deliveryKey, deliveryPrefix } from "../stores/kv/keys.ts";
import type { Channel, MessageSender, OutgoingMessage, TemplateKind } from "./message_sender.ts";

/** Where Twilio posts status callbacks (outside /v1: the body is a form, not JSON). */
export const TWILIO_STATUS_PATH = "/webhooks/twilio/status";

export const DELIVERY_STATUSES = [
  "queued",
  "sending",
  "sent",
  "delivered",
  "read",
  "undelivered",
  "failed",
] as const;
export type DeliveryStatus = typeof DELIVERY_STATUSES[number];

export interface DeliveryRecord {
  sid: string;
  channel: Channel;
  kind: TemplateKind | null;
  status: DeliveryStatus;
  errorCode: number | null;
  sentAt: string;
  updatedAt: string;
  /** The SMS sent instead of this WhatsApp message. */
  fallbackSid: string | null;
  /** The WhatsApp message this SMS replaces. */
  fallbackOf: string | null;
  /** The message itself, sealed, while a fallback may still be needed (WhatsApp only). */
  resendSealed: string | null;
}

export const DELIVERY_TTL_MS = 7 * 24 * 3_600_000;
const TTL_MS = DELIVERY_TTL_MS;
const FINAL_FAILURE: ReadonlySet<DeliveryStatus> = new Set(["undelivered", "failed"]);
/** Statuses only ever move forward (a late `sent` never overwrites `delivered`). */
const RANK: Record<DeliveryStatus, number> = {
  queued: 0,
  sending: 1,
  sent: 2,
  delivered: 3,
  undelivered: 3,
  failed: 3,
  read: 4,
};

export interface DeliveryTrackerDeps {
  kv: Deno.Kv;
  cipher: DataCipher;
  metrics: AppMetrics;
  log: Logger;
  now: () => number;
}

export interface DeliveryTracker {
  /** The sender to use: sends through `inner` and records every message it sent. */
  sender: MessageSender;
  /** Applies a status callback; sends the SMS fallback when a WhatsApp message failed. */
  onStatus(sid: string, status: DeliveryStatus, errorCode: number | null): Promise<void>;
  /** Newest first, optionally only one status. */
  recent(limit: number, status?: DeliveryStatus): Promise<DeliveryRecord[]>;
}

/**
 * Erasure: drops the kept copy of every message to `phone` still waiting for its outcome, so a
 * late failure sends nothing to an erased patient. Reads every delivery record (there is no index
 * by phone, which would keep one); a copy that no longer opens (its key dropped) cannot be sent
 * either and is left alone. Returns how many copies it dropped.
 */
export async function forgetResendsTo(
  kv: Deno.Kv,
  cipher: DataCipher,
  phone: string,
): Promise<number> {
  let dropped = 0;
  for await (const listed of kv.list<DeliveryRecord>({ prefix: deliveryPrefix })) {
    if (!listed.value.resendSealed) continue;
    const message = await cipher.open(listed.value.resendSealed).then(
      (text) => JSON.parse(text) as OutgoingMessage,
      () => null,
    );
    if (message?.to !== phone) continue;
    // A status callback may change the record meanwhile: read again until the copy is gone.
    let entry: Deno.KvEntryMaybe<DeliveryRecord> = listed;
    dropped += await untilCommitted("forget a kept message", async () => {
      if (!entry.value?.resendSealed) return 0;
      const res = await commit(() =>
        kv.atomic().check(entry).set(listed.key, { ...entry.value!, resendSealed: null }, {
          expireIn: TTL_MS,
        })
      );
      if (res.ok) return 1;
      entry = await withKvRetry(() => kv.get<DeliveryRecord>(listed.key));
      return undefined;
    });
  }
  return dropped;
}

export function createDeliveryTracker(
  inner: MessageSender,
  deps: DeliveryTrackerDeps,
): DeliveryTracker {
  const { kv, cipher, metrics, log, now } = deps;
  const iso = () => new Date(now()).toISOString();

  async function record(
    sid: string,
    channel: Channel,
    message: OutgoingMessage,
    fallbackOf: string | null,
  ) {
    const rec: DeliveryRecord = {
      sid,
      channel,
      kind: message.template?.kind ?? null,
      status: "queued",
      errorCode: null,
      sentAt: iso(),
      updatedAt: iso(),
      fallbackSid: null,
      fallbackOf,
      resendSealed: channel === "whatsapp" ? await cipher.seal(JSON.stringify(message)) : null,
    };
    await commit(() => kv.atomic().set(deliveryKey(sid), rec, { expireIn: TTL_MS }));
    metrics.messageDeliveries.inc({ channel, status: "queued" });
  }

  /** Puts a failed message's copy back, unless a fallback has gone out meanwhile. */
  async function keepForRetry(sid: string, resendSealed: string) {
    await untilCommitted("keep a message for its fallback", async () => {
      const entry = await withKvRetry(() => kv.get<DeliveryRecord>(deliveryKey(sid)));
      if (!entry.value || entry.value.fallbackSid || entry.value.resendSealed) return true;
      const res = await commit(() =>
        kv.atomic().check(entry).set(deliveryKey(sid), { ...entry.value!, resendSealed }, {
          expireIn: TTL_MS,
        })
      );
      return res.ok ? true : undefined;
    });
  }

  async function send(message: OutgoingMessage, fallbackOf: string | null) {
    const result = await inner.send(message).catch((err) => {
      if (err instanceof PhoneUndeliverableError) {
        metrics.messageDeliveries.inc({ channel: message.channel, status: "refused" });
      }
      throw err;
    });
    // The message is out: failing the caller now (a KV blip) made it send again (a notice's
    // retry) or withdraw a code the patient had received. Untracked, it only has no fallback.
    await record(result.providerId, result.channel ?? message.channel, message, fallbackOf)
      .catch((err) =>
        log.warn("message sent but its delivery record was not stored", {
          messageId: result.providerId,
          ...errorFields(err),
        })
      );
    return result;
  }

  return {
    sender: { name: inner.name, send: (message) => send(message, null) },

    async onStatus(sid, status, errorCode) {
      for (let attempt = 0; attempt < 5; attempt++) {
        const entry = await withKvRetry(() => kv.get<DeliveryRecord>(deliveryKey(sid)));
        const rec = entry.value;
        if (!rec) {
          log.info("status callback for an unknown message", { messageId: sid, status });
          return;
        }
        // A failure whose fallback could not be sent kept its copy: the callback again retries it.
        const owed = status === rec.status && FINAL_FAILURE.has(status) && !rec.fallbackSid &&
          rec.resendSealed !== null;
        if ((RANK[status] < RANK[rec.status] || status === rec.status) && !owed) return;
        const failed = FINAL_FAILURE.has(status);
        const fallback = failed && rec.channel === "whatsapp" && !rec.fallbackSid &&
          rec.resendSealed !== null;
        const next: DeliveryRecord = {
          ...rec,
          status,
          errorCode: errorCode ?? rec.errorCode,
          updatedAt: iso(),
          // Kept only while a fallback may still be needed.
          resendSealed: failed || RANK[status] >= RANK.delivered ? null : rec.resendSealed,
        };
        const claimed = await commit(() =>
          kv.atomic().check(entry).set(deliveryKey(sid), next, { expireIn: TTL_MS })
        );
        if (!claimed.ok) continue;
        if (!owed) metrics.messageDeliveries.inc({ channel: rec.channel, status });
        if (!fallback) return;
        // This instance won the update that dropped resendSealed, so only it sends the SMS.
        const message = JSON.parse(await cipher.open(rec.resendSealed!)) as OutgoingMessage;
        const sms = await send({ ...message, channel: "sms" }, sid).catch(async (err) => {
          // Not sent: the copy goes back, so Twilio's retry of this callback (it gets a 503)
          // sends it, where it found the copy gone and the patient never got the code.
          await keepForRetry(sid, rec.resendSealed!);
          throw err;
        });
        metrics.whatsappFallbacks.inc({ kind: rec.kind ?? "unknown" });
        log.warn("whatsapp message failed; sent by sms instead", {
          messageId: sid,
          errorCode,
          fallbackId: sms.providerId,
        });
        const after = await withKvRetry(() => kv.get<DeliveryRecord>(deliveryKey(sid)));
        if (after.value) {
          await commit(() =>
            kv.atomic().set(deliveryKey(sid), { ...after.value!, fallbackSid: sms.providerId }, {
              expireIn: TTL_MS,
            })
          );
        }
        return;
      }
    },

    async recent(limit, status) {
      const out: DeliveryRecord[] = [];
      for await (const e of kv.list<DeliveryRecord>({ prefix: deliveryPrefix })) {
        if (!status || e.value.status === status) out.push(e.value);
      }
      return out.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)).slice(0, limit);
    },
  };
}
