/**
 * Webhook endpoints for clinics, managed by admins: register (the secret is shown once), list with
 * recent delivery status, rotate the secret (the old one keeps signing for a grace period), and
 * delete. Also hands the delivery handler the endpoints of an event and the secrets to sign with.
 */
import type { DataCipher } from "../crypto/data_cipher.ts";
import { newId, randomToken } from "../crypto/random.ts";
import { NotFoundError } from "../errors.ts";
import type { PublicEventType } from "../events/event_types.ts";
import { assertWebhookUrl } from "./url_policy.ts";
import type { WebhookAttempt, WebhookEndpoint, WebhookStore } from "./webhook_store.ts";

export interface WebhookView {
  id: string;
  url: string;
  events: PublicEventType[];
  createdAt: string;
  updatedAt: string;
  secretRotatedAt: string;
  previousSecretValidUntil: string | null;
  status: "healthy" | "failing" | "never_delivered";
  recentAttempts: Omit<WebhookAttempt, "endpointId">[];
}

export interface WebhookServiceDeps {
  store: WebhookStore;
  cipher: DataCipher;
  now: () => number;
  /** Loopback/private hosts allowed (tests and development only). */
  allowPrivateUrls: boolean;
  rotationGraceMs: number;
}

export function createWebhookService(deps: WebhookServiceDeps) {
  const { store, cipher, now } = deps;

  async function view(e: WebhookEndpoint): Promise<WebhookView> {
    const attempts = await store.recentAttempts(e.id, 10);
    const nowMs = now();
    const old = e.secrets.find((s) => s.validUntilMs !== null && s.validUntilMs > nowMs);
    return {
      id: e.id,
      url: e.url,
      events: e.events,
      createdAt: e.createdAt,
      updatedAt: e.updatedAt,
      secretRotatedAt: new Date(e.secrets[0].createdAtMs).toISOString(),
      previousSecretValidUntil: old ? new Date(old.validUntilMs!).toISOString() : null,
      status: attempts.length === 0 ? "never_delivered" : attempts[0].ok ? "healthy" : "failing",
      recentAttempts: attempts.map(({ endpointId: _, ...rest }) => rest),
    };
  }

  async function endpointOr404(id: string): Promise<WebhookEndpoint> {
    const e = await store.get(id);
    if (!e) throw new NotFoundError(`Webhook ${id} does not exist`);
    return e;
  }

  const newSecret = () => `whsec_${randomToken(32)}`;

  return {
    async register(url: string, events: PublicEventType[]) {
      const parsed = assertWebhookUrl(url, deps.allowPrivateUrls);
      const nowMs = now();
      const secret = newSecret();
      const iso = new Date(nowMs).toISOString();
      const endpoint: WebhookEndpoint = {
        id: newId("whk", nowMs),
        url: parsed.toString(),
        events: [...new Set(events)],
        secrets: [{ sealed: await cipher.seal(secret), createdAtMs: nowMs, validUntilMs: null }],
        createdAt: iso,
        updatedAt: iso,
        version: 1,
      };
      await store.create(endpoint);
      return { ...(await view(endpoint)), secret };
    },

    async list(): Promise<WebhookView[]> {
      return await Promise.all((await store.list()).map(view));
    },

    async rotateSecret(id: string) {
      const e = await endpointOr404(id);
      const nowMs = now();
      const secret = newSecret();
      const validUntilMs = nowMs + deps.rotationGraceMs;
      const next: WebhookEndpoint = {
        ...e,
        // Only the secret being replaced stays in grace; older ones end now.
        secrets: [
          { sealed: await cipher.seal(secret), createdAtMs: nowMs, validUntilMs: null },
          { ...e.secrets[0], validUntilMs },
        ],
        updatedAt: new Date(nowMs).toISOString(),
        version: e.version + 1,
      };
      await store.update(next);
      return { ...(await view(next)), secret };
    },

    async remove(id: string) {
      if (!(await store.remove(id))) throw new NotFoundError(`Webhook ${id} does not exist`);
    },

    /** Endpoints subscribed to any of `types` (an event's webhook audience), each once. */
    async endpointsFor(types: readonly PublicEventType[]): Promise<WebhookEndpoint[]> {
      return (await store.list()).filter((e) => e.events.some((t) => types.includes(t)));
    },

    get: (id: string) => store.get(id),

    /** Plaintext secrets to sign with now: the current one first, then any still in grace. */
    async signingSecrets(e: WebhookEndpoint): Promise<string[]> {
      const nowMs = now();
      const valid = e.secrets.filter((s) => s.validUntilMs === null || s.validUntilMs > nowMs);
      return await Promise.all(valid.map((s) => cipher.open(s.sealed)));
    },

    recordAttempt: (attempt: WebhookAttempt) => store.recordAttempt(attempt, now()),
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
