/**
 * HMAC-SHA256 under the app secret: blind indexes for phone numbers (so a phone is found without
 * being stored in the clear), hashes of one-time codes and refresh tokens, and constant-time
 * comparison. Each use has its own domain label so a hash of one kind never matches another.
 * HMAC runs through node:crypto, synchronously: WebCrypto's `sign` was the largest server CPU item
 * of a day of bookings (docs/BENCHMARKS.md, issue 15) for the same bytes.
 */
import { createHash, createHmac } from "node:crypto";
import { base64ToBytes, bytesToBase64Url } from "./encoding.ts";

export type HashPurpose = "phone" | "login_code" | "hold_code" | "refresh" | "idempotency";

export interface KeyedHash {
  hash(purpose: HashPurpose, value: string): Promise<string>;
  equal(a: string, b: string): boolean;
}

/**
 * An HMAC-SHA256 key for `hmacSha256`: a private copy of the secret's bytes. Deno's node:crypto
 * HMACs with raw key bytes in ~13 µs, with a `KeyObject` in ~43 µs (it exports the key each time),
 * and a booking makes several (hold code, idempotency key, audit entries, phone index).
 */
export type HmacKey = Uint8Array;

export function hmacKey(raw: Uint8Array): HmacKey {
  return raw.slice();
}

/** HMAC-SHA256 of the UTF-8 bytes of `text`. */
export function hmacSha256(key: HmacKey, text: string): Uint8Array {
  return new Uint8Array(createHmac("sha256", key).update(text, "utf8").digest());
}

/** The keyed hash under `secretBase64`; rejects a secret shorter than 32 bytes. */
export function createKeyedHash(secretBase64: string): Promise<KeyedHash> {
  return new Promise((resolve) => {
    const raw = base64ToBytes(secretBase64);
    if (raw.length < 32) {
      throw new Error(`HMAC secret must be at least 32 bytes, found ${raw.length}`);
    }
    const key = hmacKey(raw);
    resolve({
      hash(purpose, value) {
        return Promise.resolve(bytesToBase64Url(hmacSha256(key, `${purpose}\u0000${value}`)));
      },
      equal: constantTimeEqual,
    });
  });
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

/** SHA-256 of the UTF-8 bytes of `text`, base64url without padding (node:crypto, synchronous). */
export function sha256Base64Url(text: string): Promise<string> {
  return Promise.resolve(createHash("sha256").update(text, "utf8").digest("base64url"));
}
