/** Identifiers and secrets from the CSPRNG. */
import { bytesToBase64Url } from "./encoding.ts";

const CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz";

/**
 * A time-ordered id (48-bit ms timestamp + 80 random bits, Crockford base32), so records listed by
 * id come out in creation order. `prefix` makes ids self-describing in logs: `doc_01j…`.
 */
export function newId(prefix: string, nowMs = Date.now()): string {
  let time = "";
  let t = nowMs;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const random = crypto.getRandomValues(new Uint8Array(16));
  let rand = "";
  for (const b of random) rand += CROCKFORD[b % 32];
  return `${prefix}_${time}${rand}`;
}

/** A uniformly random decimal code of `digits` digits (rejection sampling, no modulo bias). */
export function randomDigits(digits = 6): string {
  const max = 10 ** digits;
  const limit = Math.floor(0x1_0000_0000 / max) * max;
  const buf = new Uint32Array(1);
  while (true) {
    crypto.getRandomValues(buf);
    if (buf[0] < limit) return String(buf[0] % max).padStart(digits, "0");
  }
}

/** An opaque token with `bytes` bytes of entropy, base64url. */
export function randomToken(bytes = 32): string {
  return bytesToBase64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}
