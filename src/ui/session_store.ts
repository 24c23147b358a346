/**
 * Server-side sessions of the web pages (doctor UI under /doctor, patient pages under /book) in
 * Deno KV. The browser holds only an opaque random token (in an HttpOnly cookie); KV keys are its
 * SHA-256, so a KV dump cannot replay sessions. Each session carries its own CSRF synchronizer
 * token. Sessions expire a fixed time after login; the value carries `expiresAtMs` because
 * `expireIn` deletes lazily. One store per kind of session, each under its own key prefix.
 */
import type { SessionStore } from "../stores/ports.ts";
import { bytesToBase64Url } from "../crypto/encoding.ts";
import { randomToken } from "../crypto/random.ts";
import { patientSessionKey, uiSessionKey } from "../stores/kv/keys.ts";

interface SessionMeta {
  csrfToken: string;
  createdAtMs: number;
  expiresAtMs: number;
}

/** A session: who is logged in (`S`) plus its CSRF token and lifetime. */
export type WebSession<S> = S & SessionMeta;
/** `apiSessionId`: the identity session behind it, so revoking or erasing that ends this too. */
export type UiSession = WebSession<{ doctorId: string; apiSessionId: string }>;
export type PatientSession = WebSession<{ patientId: string; apiSessionId: string }>;

export type UiSessionStore = SessionStore<{ doctorId: string; apiSessionId: string }>;
export type PatientSessionStore = SessionStore<{ patientId: string; apiSessionId: string }>;

async function tokenHash(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return bytesToBase64Url(new Uint8Array(digest));
}

function createKvSessionStore<S extends object>(
  kv: Deno.Kv,
  keyOf: (tokenHash: string) => Deno.KvKey,
  ttlMs: number,
  now: () => number,
): SessionStore<S> {
  if (!(ttlMs > 0)) throw new RangeError(`Session TTL must be positive, found ${ttlMs}`);
  return {
    async create(subject) {
      const token = randomToken(32);
      const nowMs = now();
      const session: WebSession<S> = {
        ...subject,
        csrfToken: randomToken(24),
        createdAtMs: nowMs,
        expiresAtMs: nowMs + ttlMs,
      };
      await kv.set(keyOf(await tokenHash(token)), session, { expireIn: ttlMs });
      return { token, session };
    },
    async get(token) {
      if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
      const entry = await kv.get<WebSession<S>>(keyOf(await tokenHash(token)));
      if (!entry.value || entry.value.expiresAtMs <= now()) return null;
      return entry.value;
    },
    async remove(token) {
      await kv.delete(keyOf(await tokenHash(token)));
    },
  };
}

/**
 * The doctor UI's sessions. `get` answers only while the identity session behind one is live
 * (`isApiSessionLive`), so logout, `DELETE /v1/auth/sessions/:id` or revocation end it too.
 */
export function createKvUiSessionStore(
  kv: Deno.Kv,
  ttlMs: number,
  now: () => number,
  isApiSessionLive: (sessionId: string) => Promise<boolean>,
): UiSessionStore {
  const store = createKvSessionStore<{ doctorId: string; apiSessionId: string }>(
    kv,
    uiSessionKey,
    ttlMs,
    now,
  );
  return {
    ...store,
    async get(token) {
      const found = await store.get(token);
      // A session written before it carried its identity session has nothing to stand for.
      if (!found || typeof found.apiSessionId !== "string") return null;
      return await isApiSessionLive(found.apiSessionId) ? found : null;
    },
  };
}

export function createKvPatientSessionStore(kv: Deno.Kv, ttlMs: number, now: () => number) {
  return createKvSessionStore<{ patientId: string; apiSessionId: string }>(
    kv,
    patientSessionKey,
    ttlMs,
    now,
  );
}
