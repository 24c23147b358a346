/**
 * Which URLs a clinic may register as a webhook endpoint: http or https only, no credentials in
 * the URL, and (when private addresses are not allowed, i.e. outside tests and development) no
 * host that is not plainly public: no loopback, private, link-local, CGNAT, ULA, multicast or
 * reserved address however it is spelled (IPv4-mapped IPv6 becomes hex in the URL parser), no
 * single-label or internal-suffix name (`metadata`, `localhost.`, `*.internal`). Checked on the
 * literal at registration and again at delivery on every address the name resolves to (DNS
 * rebinding). Refusals say only "not public", so delivery results are no port-scan oracle.
 */
import { ValidationError } from "../errors.ts";
import { ipv6Groups, ipVersion } from "../http/ip_literal.ts";

const INTERNAL_SUFFIXES =
  /(^|\.)(localhost|local|internal|intranet|lan|home|corp|private|home\.arpa)$/i;

export const NOT_PUBLIC = "Webhook endpoint refused: its address is not public";

function ipv4Bytes(ip: string): number[] | null {
  const p = ip.split(".").map(Number);
  if (p.length !== 4 || p.some((n) => !Number.isInteger(n) || n < 0 || n > 255)) return null;
  return p;
}

function ipv4Internal([a, b, c]: number[]): boolean {
  return a === 0 || a === 10 || a === 127 ||
    (a === 100 && b >= 64 && b <= 127) || // CGNAT
    (a === 169 && b === 254) || // link-local, cloud metadata
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 0 && (c === 0 || c === 2)) || // IETF assignments, TEST-NET-1
    (a === 192 && b === 88 && c === 99) || // 6to4 relay
    (a === 192 && b === 168) ||
    (a === 198 && (b === 18 || b === 19)) || // benchmarking
    (a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113) || // TEST-NETs
    a >= 224; // multicast, reserved, broadcast
}

function embeddedIpv4(hi: number, lo: number): number[] {
  return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff];
}

function ipv6Internal(g: number[]): boolean {
  const zeroPrefix = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroPrefix(8)) return true; // ::
  if (zeroPrefix(7) && g[7] === 1) return true; // ::1
  // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible) and NAT64 64:ff9b::/32 are translated to
  // IPv4 by the host or network itself: refused whatever they embed (a webhook needs none).
  if (zeroPrefix(5) && (g[5] === 0xffff || g[5] === 0)) return true;
  if (g[0] === 0x64 && g[1] === 0xff9b) return true;
  if (g[0] === 0x2002) return ipv4Internal(embeddedIpv4(g[1], g[2])); // 6to4
  if (g[0] === 0x2001 && g[1] === 0) return true; // Teredo
  if (g[0] === 0x2001 && g[1] === 0xdb8) return true; // documentation
  if (g[0] === 0x100 && zeroPrefix(4)) return true; // discard
  return (g[0] & 0xfe00) === 0xfc00 || // ULA fc00::/7
    (g[0] & 0xffc0) === 0xfe80 || // link-local
    (g[0] & 0xffc0) === 0xfec0 || // site-local
    (g[0] & 0xff00) === 0xff00; // multicast
}

/** True for an address (or name) a public webhook must never point at. */
export function isPrivateAddress(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").replace(/\.+$/, "").toLowerCase();
  if (h.includes(":")) {
    const groups = ipv6Groups(h);
    return groups === null || ipv6Internal(groups);
  }
  if (ipVersion(h) === 4) return ipv4Internal(ipv4Bytes(h)!);
  // A name: single-label names resolve through search domains to internal hosts.
  return !h.includes(".") || INTERNAL_SUFFIXES.test(h);
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
  if (!allowPrivate && isPrivateAddress(url.hostname)) {
    throw new ValidationError(`Webhook host ${url.hostname} is not public`);
  }
  return url;
}

/** Looks up every address of a name (A and AAAA). */
export type Resolver = (host: string) => Promise<string[]>;

const resolveDns: Resolver = async (host) => {
  const [a, aaaa] = await Promise.all([
    Deno.resolveDns(host, "A").catch(() => [] as string[]),
    Deno.resolveDns(host, "AAAA").catch(() => [] as string[]),
  ]);
  return [...a, ...aaaa];
};

/**
 * At delivery: resolve the name and refuse unless every address is public (a name may have been
 * re-pointed since registration). The error is the same whatever the reason, so a delivery log
 * cannot be used to map the internal network. The fetch resolves the name again; the window
 * between the two lookups is what remains of DNS rebinding (see docs/SECURITY.md).
 */
export async function assertResolvesPublic(url: URL, resolve: Resolver = resolveDns) {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (isPrivateAddress(host)) throw new Error(NOT_PUBLIC);
  if (ipVersion(host) !== 0) return;
  const addresses = await resolve(host.replace(/\.+$/, ""));
  if (addresses.length === 0 || addresses.some(isPrivateAddress)) throw new Error(NOT_PUBLIC);
}
