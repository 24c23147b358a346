/**
 * Which URLs a clinic may register as a webhook endpoint: http or https only, no credentials in
 * the URL, and (when private addresses are not allowed, i.e. outside tests and development) no
 * loopback, private, link-local or otherwise internal host, checked on the literal and again on
 * what the name resolves to at delivery time, so the server cannot be aimed at its own network.
 */
import { ValidationError } from "../errors.ts";

const INTERNAL_NAMES =
  /^(localhost|.*\.localhost|.*\.local|.*\.internal|metadata\.google\.internal)$/i;

function ipv4Private(ip: string): boolean {
  const p = ip.split(".").map(Number);
  if (p.length !== 4 || p.some((n) => !Number.isInteger(n) || n < 0 || n > 255)) return false;
  const [a, b] = p;
  return a === 0 || a === 10 || a === 127 || (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) ||
    (a === 198 && (b === 18 || b === 19)) || a >= 224;
}

function ipv6Private(ip: string): boolean {
  const v = ip.toLowerCase().replace(/^\[|\]$/g, "");
  if (v === "::" || v === "::1") return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(v);
  if (mapped) return ipv4Private(mapped[1]);
  return /^(fc|fd|fe[89ab]|ff)/.test(v);
}

/** True for addresses a public webhook must never point at. */
export function isPrivateAddress(host: string): boolean {
  if (host.includes(":")) return ipv6Private(host);
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) return ipv4Private(host);
  return INTERNAL_NAMES.test(host);
}

/** Throws `ValidationError` naming what is wrong with the URL. */
export function assertWebhookUrl(raw: string, allowPrivate: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ValidationError("The webhook url is not a valid URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ValidationError(`Webhook urls must be http or https, not ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new ValidationError("Webhook urls must not contain credentials");
  }
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (!allowPrivate && isPrivateAddress(host)) {
    throw new ValidationError(`Webhook host ${host} is a private or loopback address`);
  }
  return url;
}

/** At delivery: resolve the name and refuse if any address is internal (DNS rebinding). */
export async function assertResolvesPublic(url: URL): Promise<void> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (host.includes(":") || /^\d+\.\d+\.\d+\.\d+$/.test(host)) {
    if (isPrivateAddress(host)) throw new Error(`Refusing private address ${host}`);
    return;
  }
  const [a, aaaa] = await Promise.all([
    Deno.resolveDns(host, "A").catch(() => [] as string[]),
    Deno.resolveDns(host, "AAAA").catch(() => [] as string[]),
  ]);
  const addresses = [...a, ...aaaa];
  if (addresses.length === 0) throw new Error(`Webhook host ${host} does not resolve`);
  if (addresses.some(isPrivateAddress)) {
    throw new Error(`Webhook host ${host} resolves to a private address`);
  }
}
