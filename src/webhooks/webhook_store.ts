/**
 * Webhook endpoints and their delivery attempts in Deno KV. Secrets are stored sealed with the
 * data cipher (they must be readable to sign, so they cannot be hashed); attempts expire after a
 * week and keep only ids, statuses and a redacted error line. A registration marks that an endpoint
 * exists in its own commit, and a list that finds none has it recorded (webhook_presence.ts).
 */
import type { WebhookStore } from "../stores/ports.ts";
import { ConflictError } from "../errors.ts";
import type { PublicEventType } from "../events/event_types.ts";
import { commit, withKvRetry } from "../stores/kv/kv_commit.ts";
import {
  keySpace,
  webhookAttemptKey,
  webhookAttemptPrefix,
  webhookKey,
} from "../stores/kv/keys.ts";
import { markPresent, type WebhookPresence } from "./webhook_presence.ts";

export interface WebhookSecret {
  sealed: string;
  createdAtMs: number;
  /** null for the current secret; a rotated-out secret keeps signing until then. */
  validUntilMs: number | null;
}

export interface WebhookEndpoint {
  id: string;
  url: string;
  events: PublicEventType[];
  /** Newest first. */
  secrets: WebhookSecret[];
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface WebhookAttempt {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  attempt: number;
  at: string;
  ok: boolean;
  httpStatus: number | null;
  error: string | null;
  /** The last try: no retry follows. */
  final: boolean;
}

const ATTEMPT_TTL_MS = 7 * 24 * 3_600_000;

export type { WebhookStore } from "../stores/ports.ts";

/** `presence` (the app's): a list that finds no endpoint records it there. */
export function createKvWebhookStore(kv: Deno.Kv, presence?: WebhookPresence): WebhookStore {
  /** All of them without `limit`: an endpoint left out of a list would get no event at all. */
  async function listEndpoints(limit?: number): Promise<WebhookEndpoint[]> {
    const out: WebhookEndpoint[] = [];
    for await (const e of kv.list<WebhookEndpoint>({ prefix: keySpace("webhook") }, { limit })) {
      out.push(e.value);
    }
    return out;
  }

  return {
    async create(endpoint) {
      const res = await commit(() =>
        markPresent(
          kv.atomic().check({ key: webhookKey(endpoint.id), versionstamp: null })
            .set(webhookKey(endpoint.id), endpoint),
        )
      );
      if (!res.ok) throw new ConflictError("webhook_exists", `Webhook ${endpoint.id} exists`);
    },
    async update(next) {
      const entry = await withKvRetry(() => kv.get<WebhookEndpoint>(webhookKey(next.id)));
      if (!entry.value || entry.value.version !== next.version - 1) {
        throw new ConflictError("version_conflict", `Webhook ${next.id} changed meanwhile`);
      }
      const res = await commit(() => kv.atomic().check(entry).set(webhookKey(next.id), next));
      if (!res.ok) {
        throw new ConflictError("version_conflict", `Webhook ${next.id} changed meanwhile`);
      }
    },
    async get(id) {
      return (await withKvRetry(() => kv.get<WebhookEndpoint>(webhookKey(id)))).value;
    },
    async list() {
      const out = await listEndpoints();
      if (out.length === 0) {
        await presence?.recordNone(async () => (await listEndpoints(1)).length > 0);
      } else await presence?.recordSome();
      return out;
    },
    async remove(id) {
      const entry = await withKvRetry(() => kv.get(webhookKey(id)));
      if (!entry.value) return false;
      await commit(() => kv.atomic().delete(webhookKey(id)));
      return true;
    },
    async recordAttempt(attempt, atMs) {
      await commit(() =>
        kv.atomic().set(webhookAttemptKey(attempt.endpointId, atMs, attempt.id), attempt, {
          expireIn: ATTEMPT_TTL_MS,
        })
      );
    },
    async recentAttempts(endpointId, limit) {
      const out: WebhookAttempt[] = [];
      const iter = kv.list<WebhookAttempt>({ prefix: webhookAttemptPrefix(endpointId) }, {
        reverse: true,
        limit,
      });
      for await (const e of iter) out.push(e.value);
      return out;
    },
  };
}
