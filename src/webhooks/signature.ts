/**
 * Webhook signatures. A delivery carries `Vaidya-Signature: t=<unix seconds>,v1=<hex>` where the
 * hex is HMAC-SHA256(secret, `${t}.${body}`). While a secret is being rotated the header carries
 * one `v1=` per valid secret, newest first (`t=…,v1=<new>,v1=<old>`); a receiver accepts the
 * delivery if any of them matches its secret and `t` is recent.
 */
import { bytesToHex } from "../crypto/encoding.ts";
import { constantTimeEqual } from "../crypto/keyed_hash.ts";

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

/** What a receiver does: true if one `v1` matches and `t` is within `toleranceSec` of `nowSec`. */
export async function verifySignature(
  header: string,
  secret: string,
  body: string,
  nowSec: number,
  toleranceSec = 300,
): Promise<boolean> {
  const parts = header.split(",").map((p) => p.trim().split("="));
  const t = Number(parts.find(([k]) => k === "t")?.[1]);
  if (!Number.isInteger(t) || Math.abs(nowSec - t) > toleranceSec) return false;
  const expected = await hmacHex(secret, `${t}.${body}`);
  return parts.some(([k, v]) => k === "v1" && v !== undefined && constantTimeEqual(v, expected));
}
