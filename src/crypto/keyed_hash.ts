/**
 * HMAC-SHA256 under the app secret: blind indexes for phone numbers (so a phone is found without
 * being stored in the clear), hashes of one-time codes and refresh tokens, and constant-time
 * comparison. Each use has its own domain label so a hash of one kind never matches another.
 */
import { base64ToBytes, bytesToBase64Url } from "./encoding.ts";

export type HashPurpose = "phone" | "login_code" | "hold_code" | "refresh" | "idempotency";

export interface KeyedHash {
  hash(purpose: HashPurpose, value: string): Promise<string>;
  equal(a: string, b: string): boolean;
}

export async function createKeyedHash(secretBase64: string): Promise<KeyedHash> {
  const raw = base64ToBytes(secretBase64);
  if (raw.length < 32) {
    throw new Error(`HMAC secret must be at least 32 bytes, found ${raw.length}`);
  }
  const key = await crypto.subtle.importKey(
    "raw",
    raw,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const encoder = new TextEncoder();
  return {
    async hash(purpose, value) {
      const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(`${purpose}\u0000${value}`));
      return bytesToBase64Url(new Uint8Array(mac));
    },
    equal: constantTimeEqual,
  };
}

/** Compares two strings without an early exit, so timing does not reveal the matching prefix. */
export function constantTimeEqual(a: string, b: string): boolean {
  const length = Math.max(a.length, b.length);
  let diff = a.length ^ b.length;
  for (let i = 0; i < length; i++) {
    diff |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  }
  return diff === 0;
}

export async function sha256Base64Url(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return bytesToBase64Url(new Uint8Array(digest));
}
