/**
 * Webhooks: `webhooks.fanout` turns each public event into one `webhook.delivery` per subscribed
 * endpoint (ids derived from event and endpoint, so a re-run fans out to the same deliveries; a
 * corrected outcome also goes to the previous status's subscribers, once per endpoint);
 * `webhooks.deliver` POSTs the signed JSON, records the attempt, and throws on a non-2xx answer or
 * a timeout so the dispatcher retries it with backoff and dead-letters it after the last try.
 */
import { withDeadline } from "../../http/outbound_deadline.ts";
import { redactText, reworded } from "../../observability/logger.ts";
import { SIGNATURE_HEADER, signatureHeader } from "../../webhooks/signature.ts";
import { assertResolvesPublic, NOT_PUBLIC } from "../../webhooks/url_policy.ts";
import type { WebhookService } from "../../webhooks/webhook_service.ts";
import type { PublishOptions } from "../event_bus.ts";
import {
  type EventHandler,
  isPublicEventType,
  SUBSCRIPTIONS,
  type VaidyaEvent,
  webhookAudience,
} from "../event_types.ts";

type Publish = (event: VaidyaEvent, options?: PublishOptions) => Promise<void>;

export function webhookFanoutHandler(webhooks: WebhookService, publish: Publish): EventHandler {
  return {
    name: "webhooks.fanout",
    events: SUBSCRIPTIONS["webhooks.fanout"],
    async handle(event, ctx) {
      const audience = webhookAudience(event);
      if (audience.length === 0) return;
      for (const endpoint of await webhooks.endpointsFor(audience)) {
        await publish({
          id: `webhook.delivery:${event.id}:${endpoint.id}`,
          type: "webhook.delivery",
          occurredAtMs: ctx.now,
          data: { endpointId: endpoint.id, payload: event },
        });
      }
    },
  };
}

const iso = (ms: number | undefined) => ms === undefined ? undefined : new Date(ms).toISOString();

/** The JSON a clinic receives: ids, instants and statuses only. */
export function webhookBody(event: VaidyaEvent): string {
  const d = event.data;
  return JSON.stringify({
    id: event.id,
    type: event.type,
    createdAt: new Date(event.occurredAtMs).toISOString(),
    data: {
      appointmentId: d.appointmentId,
      holdId: d.holdId,
      doctorId: d.doctorId,
      patientId: d.patientId,
      start: iso(d.startMs),
      end: iso(d.endMs),
      previousStart: iso(d.previousStartMs),
      previousStatus: d.previousStatus,
      status: d.status,
      version: d.version,
    },
  });
}

/**
 * `err` with every URL in its message and cause cut to its origin: the dispatcher logs both, and
 * fetch names the endpoint's whole URL, whose path or query may hold the clinic's token.
 */
function withUrlsCut(err: unknown): unknown {
  return reworded(
    err,
    (text) => text.replace(/https?:\/\/[^\s)"']+/g, (u) => URL.parse(u)?.origin ?? "[url]"),
  );
}

export function webhookDeliveryHandler(
  webhooks: WebhookService,
  options: { timeoutMs: number; checkDns: boolean },
): EventHandler {
  return {
    name: "webhooks.deliver",
    events: SUBSCRIPTIONS["webhooks.deliver"],
    async handle(event, ctx) {
      const { endpointId, payload } = event.data;
      if (!endpointId || !payload) return;
      const endpoint = await webhooks.get(endpointId);
      if (!endpoint || !isPublicEventType(payload.type)) return;
      const audience = webhookAudience(payload);
      if (!endpoint.events.some((type) => audience.includes(type))) return;
      const body = webhookBody(payload);
      const timestamp = Math.floor(ctx.now / 1000);
      const attempt = {
        id: `${payload.id}#${ctx.attempt + 1}`,
        endpointId,
        eventId: payload.id,
        eventType: payload.type,
        attempt: ctx.attempt + 1,
        at: new Date(ctx.now).toISOString(),
        final: ctx.attempt + 1 >= ctx.maxAttempts,
      };
      let status: number | null = null;
      try {
        const url = new URL(endpoint.url);
        if (options.checkDns) await assertResolvesPublic(url);
        const secrets = await webhooks.signingSecrets(endpoint);
        const signature = await signatureHeader(secrets, timestamp, body);
        const res = await withDeadline(options.timeoutMs, (signal) =>
          fetch(url, {
            method: "POST",
            redirect: "manual",
            signal,
            headers: {
              "content-type": "application/json",
              "user-agent": "Vaidya-Webhooks/1",
              "vaidya-event": payload.type,
              "vaidya-delivery": payload.id,
              [SIGNATURE_HEADER]: signature,
            },
            body,
          }));
        status = res.status;
        await res.body?.cancel();
        if (res.status < 200 || res.status >= 300) {
          throw new Error(`Endpoint answered ${res.status}`);
        }
      } catch (err) {
        // Without an HTTP answer, one generic reason: "refused", "reset" and "timed out" told
        // apart would make the delivery log a port scanner.
        const error = status === null && !(err instanceof Error && err.message === NOT_PUBLIC)
          ? "No HTTP answer from the endpoint"
          : redactText(err instanceof Error ? err.message : String(err)).slice(0, 200);
        await webhooks.recordAttempt({ ...attempt, ok: false, httpStatus: status, error });
        throw withUrlsCut(err);
      }
      await webhooks.recordAttempt({ ...attempt, ok: true, httpStatus: status, error: null });
    },
  };
}
