/**
 * The client address of a request, which per-client limits key on. Behind a proxy the socket peer
 * is the proxy, so every client would share one budget; but a forwarding header is only as honest
 * as whoever wrote it. So only the one header named by TRUSTED_PROXY_HEADER is read (the one our
 * own proxy overwrites: Fly's `Fly-Client-IP`, nginx's `X-Real-IP`), and only when set; any other
 * forwarding header a client sends is ignored. For a list header (`X-Forwarded-For`) the last
 * entry is taken: the one our proxy appended, not the ones the client wrote before it. And the
 * header is believed only from a socket peer in TRUSTED_PROXY_ADDRESSES (src/http/
 * trusted_proxies.ts): a client that reaches an instance around the proxy (a port left open, a
 * neighbour on the private network) would otherwise pick a fresh address, so a fresh budget, per
 * request, or spend someone else's; from any other peer the peer itself is the client.
 *
 * An IPv6 client is keyed by its /64 (the smallest prefix an ISP or cloud host hands out, whose
 * 2^64 addresses its holder may all send from), so rotating addresses is no fresh budget; an
 * IPv4-mapped address (`::ffff:a.b.c.d`, a dual-stack listener's IPv4 peer) is that IPv4 client.
 */
import { ipv6Groups, ipVersion, mappedIpv4 } from "./ip_literal.ts";
import { type AddressRange, trustedPeer } from "./trusted_proxies.ts";

/** The key of a client address: IPv4 as it is, IPv6 as its /64 prefix. */
function clientKeyOf(address: string): string {
  if (ipVersion(address) !== 6) return address;
  const g = ipv6Groups(address);
  if (g === null) return address;
  const v4 = mappedIpv4(g);
  if (v4) return v4.join(".");
  return `${g.slice(0, 4).map((x) => x.toString(16)).join(":")}::/64`;
}

/**
 * Returns the function that turns a request and its socket peer address into the client address.
 * `onUntrustedHeader` is called once, for the first request that carries the header from a peer
 * outside `trustedProxies` (the header ignored), so a proxy missing from the list shows in the log.
 */
export function clientAddress(
  trustedHeader: string | undefined,
  trustedProxies: readonly AddressRange[] = [],
  onUntrustedHeader?: (peer: string) => void,
): (req: Request, peer: string) => string {
  if (trustedHeader !== undefined && !/^[A-Za-z0-9-]+$/.test(trustedHeader)) {
    throw new TypeError(`clientAddress: "${trustedHeader}" is not an HTTP header name`);
  }
  const isTrustedPeer = trustedPeer(trustedProxies);
  let untrustedReported = onUntrustedHeader === undefined;
  return function clientAddressOf(req, peer) {
    if (!trustedHeader) return clientKeyOf(peer);
    const value = req.headers.get(trustedHeader);
    if (value === null) return clientKeyOf(peer);
    if (!isTrustedPeer(peer)) {
      if (!untrustedReported) {
        untrustedReported = true;
        onUntrustedHeader?.(peer);
      }
      return clientKeyOf(peer);
    }
    const last = value.split(",").at(-1)?.trim() ?? "";
    return clientKeyOf(ipVersion(last) !== 0 ? last.toLowerCase() : peer);
  };
}
