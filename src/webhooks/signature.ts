/**
 * Webhook signatures. A delivery carries `Vaidya-Signature: t=<unix seconds>,v1=<hex>` where the
 * hex is HMAC-SHA256(secret, `${t}.${body}`). While a secret is being rotated the header carries
 * one `v1=` per valid secret, newest first (`t=…,v1=<new>,v1=<old>`); a receiver accepts the
 * delivery if any of them matches its secret and `t` is recent (tests/_harness/webhook_signature.ts
 * is such a receiver, written independently of this module).
 */
import { bytesToHex } from "../crypto/encoding.ts";

export const SIGNATURE_HEADER = "Vaidya-Signature";

export async function hmacHex(secret: string, text: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(text));
  return bytesToHex(new Uint8Array(mac));
}

/** The header value for `body` sent at `timestampSec`, signed with every secret given. */
export async function signatureHeader(
  secrets: readonly string[],
  timestampSec: number,
  body: string,
): Promise<string> {
  if (secrets.length === 0) throw new RangeError("Cannot sign a webhook without a secret");
  const macs = await Promise.all(secrets.map((s) => hmacHex(s, `${timestampSec}.${body}`)));
  return [`t=${timestampSec}`, ...macs.map((m) => `v1=${m}`)].join(",");
}
