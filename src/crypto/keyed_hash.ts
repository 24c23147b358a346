/**
 * HMAC-SHA256 under the app secret: blind indexes for phone numbers (so a phone is found without
 * being stored in the clear), hashes of one-time codes and refresh tokens, and constant-time
 * comparison. Each use has its own domain label so a hash of one kind never matches another.
 * HMAC runs through node:crypto, synchronously: WebCrypto's `sign` was the largest server CPU item
 * of a day of bookings (docs/BENCHMARKS.md, issue 15) for the same bytes. node:crypto itself loads
 * on first use (node_crypto.ts), not at start-up: a key made before then is checked at once and
 * keyed on its first call.
 */
import { base64ToBytes } from "./encoding.ts";
import { type NodeCrypto, withNodeCrypto } from "./node_crypto.ts";

export type HashPurpose = "phone" | "login_code" | "hold_code" | "refresh" | "idempotency";

export interface KeyedHash {
  hash(purpose: HashPurpose, value: string): Promise<string>;
  equal(a: string, b: string): boolean;
}

/**
 * An HMAC-SHA256 key for `hmacSha256`: SHA-256 states that have already absorbed the key's inner
 * and outer pad blocks (RFC 2104), so each HMAC copies them instead of keying a new HMAC. Deno's
 * node:crypto `createHmac` with raw key bytes took ~13-30 µs per tiny input, two state copies
 * with the digest encoded natively ~6-9 µs (docs/BENCHMARKS.md, issue 15, helper "day5"), and a
 * booking makes about ten (login code, phone index, refresh token, hold code, idempotency key,
 * audit entries).
 */
interface HmacKey {
  readonly inner: Sha256State;
  readonly outer: Sha256State;
}

type Sha256State = ReturnType<NodeCrypto["createHash"]>;

/** SHA-256 reads its input in 64-byte blocks: the size of HMAC's pads. */
const BLOCK = 64;

function hmacKey(createHash: NodeCrypto["createHash"], raw: Uint8Array): HmacKey {
  // A key longer than a block is hashed first; a shorter one is padded with zeros.
  const block = new Uint8Array(BLOCK);
  block.set(raw.length > BLOCK ? createHash("sha256").update(raw).digest() : raw);
  const pad = (byte: number) => block.map((b) => b ^ byte);
  const key = {
    inner: createHash("sha256").update(pad(0x36)),
    outer: createHash("sha256").update(pad(0x5c)),
  };
  block.fill(0);
  return key;
}

/** HMAC-SHA256 of `text` under one key, encoded natively (see `hmacSha256`). */
export type KeyedMac = (text: string, encoding: "base64url" | "hex") => Promise<string>;

/**
 * The HMAC-SHA256 of `raw` (copied). Its states are made on the first call, or on the first call
 * after node:crypto has loaded; from then on a call is `hmacSha256` on them, with no hop beyond the
 * promise it returns.
 */
export function keyedMac(raw: Uint8Array): KeyedMac {
  let pending: Uint8Array | undefined = raw.slice();
  let key: HmacKey | undefined;
  const keyed = ({ createHash }: NodeCrypto) => {
    if (key === undefined) {
      key = hmacKey(createHash, pending!);
      pending!.fill(0);
      pending = undefined;
    }
    return key;
  };
  return (text, encoding) => withNodeCrypto((crypto) => hmacSha256(keyed(crypto), text, encoding));
}

/**
 * HMAC-SHA256 of the UTF-8 bytes of `text`, encoded natively: base64url without padding, or
 * lower-case hex. The key's states are copied, never updated, so one key serves every call.
 */
function hmacSha256(key: HmacKey, text: string, encoding: "base64url" | "hex"): string {
  const inner = key.inner.copy().update(text, "utf8").digest();
  return key.outer.copy().update(inner).digest(encoding);
}

/** The keyed hash under `secretBase64`; rejects a secret shorter than 32 bytes. */
export function createKeyedHash(secretBase64: string): Promise<KeyedHash> {
  return new Promise((resolve) => {
    const raw = base64ToBytes(secretBase64);
    if (raw.length < 32) {
      throw new Error(`HMAC secret must be at least 32 bytes, found ${raw.length}`);
    }
    const mac = keyedMac(raw);
    resolve({
      hash(purpose, value) {
        return mac(`${purpose}\u0000${value}`, "base64url");
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
  return withNodeCrypto(({ createHash }) =>
    createHash("sha256").update(text, "utf8").digest("base64url")
  );
}
