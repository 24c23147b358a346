/**
 * A receiver's check of `Vaidya-Signature: t=<unix s>,v1=<hex>[,v1=<hex>...]`, written here from
 * the documented scheme (HMAC-SHA256 of `${t}.${body}` with the endpoint secret, hex) with
 * node:crypto, not with src/webhooks/signature.ts, so a test using it can catch a bug there.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export function receiverAccepts(
  header: string,
  secret: string,
  body: string,
  nowSec: number,
  toleranceSec = 300,
): boolean {
  const fields = header.split(",").map((f) => f.trim());
  const t = fields.find((f) => f.startsWith("t="))?.slice(2) ?? "";
  if (!/^\d+$/.test(t) || Math.abs(nowSec - Number(t)) > toleranceSec) return false;
  const expected = Buffer.from(createHmac("sha256", secret).update(`${t}.${body}`).digest("hex"));
  return fields.filter((f) => f.startsWith("v1=")).some((f) => {
    const given = Buffer.from(f.slice(3));
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
