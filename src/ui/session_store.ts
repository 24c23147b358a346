/**
 * Server-side sessions of the doctor web UI in Deno KV. The browser holds only an opaque random
 * token (in an HttpOnly cookie); KV keys are its SHA-256, so a KV dump cannot replay sessions.
 * Each session carries its own CSRF synchronizer token. Sessions expire a fixed time after login;
 * the value carries `expiresAtMs` because `expireIn` deletes lazily.
 */
import { bytesToBase64Url } from "../crypto/encoding.ts";
import { randomToken } from "../crypto/random.ts";
import { uiSessionKey } from "../stores/kv/keys.ts";

export interface UiSession {
  doctorId: string;
  csrfToken: string;
  createdAtMs: number;
  expiresAtMs: number;
}

export interface UiSessionStore {
  /** Starts a session; returns the token to put in the cookie. */
  create(doctorId: string): Promise<{ token: string; session: UiSession }>;
  /** The live session for a cookie token, or null when unknown or expired. */
  get(token: string): Promise<UiSession | null>;
  remove(token: string): Promise<void>;
}

async function tokenHash(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return bytesToBase64Url(new Uint8Array(digest));
}

export function createKvUiSessionStore(
  kv: Deno.Kv,
  ttlMs: number,
  now: () => number,
): UiSessionStore {
  if (!(ttlMs > 0)) throw new RangeError(`UI session TTL must be positive, found ${ttlMs}`);
  return {
    async create(doctorId) {
      const token = randomToken(32);
      const nowMs = now();
      const session: UiSession = {
        doctorId,
        csrfToken: randomToken(24),
        createdAtMs: nowMs,
        expiresAtMs: nowMs + ttlMs,
      };
      await kv.set(uiSessionKey(await tokenHash(token)), session, { expireIn: ttlMs });
      return { token, session };
    },
    async get(token) {
      if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
      const entry = await kv.get<UiSession>(uiSessionKey(await tokenHash(token)));
      if (!entry.value || entry.value.expiresAtMs <= now()) return null;
      return entry.value;
    },
    async remove(token) {
      await kv.delete(uiSessionKey(await tokenHash(token)));
    },
  };
}
