/**
 * The socket peers whose TRUSTED_PROXY_HEADER is believed (TRUSTED_PROXY_ADDRESSES): addresses and
 * CIDR prefixes of both families, parsed once at start-up by src/http/ip_literal.ts into 128-bit
 * ranges (an IPv4 entry as its IPv4-mapped IPv6 range, so an IPv4 peer and a dual-stack listener's
 * `::ffff:a.b.c.d` peer match the same entries). Matching a peer is a few integer compares, and
 * the last answer is kept: behind a proxy almost every request comes from the same peer.
 */
import { ipGroups, ipVersion, mappedIpv4 } from "./ip_literal.ts";
import type { Logger } from "../observability/logger.ts";

/** A CIDR range in the 128-bit space: its network groups (host bits zero) and prefix length. */
export interface AddressRange {
  readonly text: string;
  readonly groups: readonly number[];
  readonly prefix: number;
}

/**
 * Used when TRUSTED_PROXY_HEADER is set and TRUSTED_PROXY_ADDRESSES is not: loopback and the
 * private ranges (RFC 1918, IPv6 unique-local), where a proxy in front of us connects from (nginx
 * on the same host, a container network, Fly's proxy); never a public address.
 */
export const DEFAULT_TRUSTED_PROXY_ADDRESSES =
  "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7";

const DEFAULT_RANGES = DEFAULT_TRUSTED_PROXY_ADDRESSES.split(",").map((entry) => {
  const range = parseAddressRange(entry);
  if (typeof range === "string") throw new Error(range);
  return range;
});

/** Groups with every bit after the first `prefix` bits cleared. */
function masked(groups: readonly number[], prefix: number): number[] {
  return groups.map((g, i) => {
    const bits = Math.min(16, Math.max(0, prefix - 16 * i));
    return g & ((0xffff << (16 - bits)) & 0xffff);
  });
}

/**
 * The network a peer is in, for a log line: an IPv4 peer (or its mapped form) as its /24, an IPv6
 * one as its /48. Enough to add a proxy's range to TRUSTED_PROXY_ADDRESSES; not one client's own
 * address, which is personal data, when the peer is a client that went around the proxy.
 */
export function peerNetwork(peer: string): string {
  const g = ipGroups(peer);
  if (g === null) return "not an IP address";
  const v4 = mappedIpv4(g);
  if (v4) return `${v4.slice(0, 3).join(".")}.0/24`;
  return `${g.slice(0, 3).map((x) => x.toString(16)).join(":")}::/48`;
}

/** One entry (`10.0.0.0/8`, `fdaa::/16`, `127.0.0.1`) as a range, or a message saying why not. */
export function parseAddressRange(entry: string): AddressRange | string {
  const slash = entry.indexOf("/");
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const version = address.includes("%") ? 0 : ipVersion(address);
  const groups = version === 0 ? null : ipGroups(address);
  if (groups === null) {
    return `"${entry}" is not an IPv4 or IPv6 address or CIDR prefix (like 10.0.0.0/8 or fdaa::/16)`;
  }
  const width = version === 4 ? 32 : 128;
  const bits = slash === -1 ? width : entry.slice(slash + 1);
  if ((typeof bits === "string" && !/^(0|[1-9]\d{0,2})$/.test(bits)) || Number(bits) > width) {
    return `"${entry}" has a prefix length that is not 0 to ${width}`;
  }
  // An IPv4 prefix counts from the start of its mapped form (96 bits of ::ffff:).
  const prefix = Number(bits) + (128 - width);
  const network = masked(groups, prefix);
  if (network.some((g, i) => g !== groups[i])) {
    return `"${entry}" has bits set past its /${bits} prefix (a typo for another range?)`;
  }
  return { text: entry, groups: network, prefix };
}

/**
 * The ranges whose header is believed: the configured ones, or with the header set and none
 * configured, the default ones, said once in the log so the operator lists their proxy's own.
 */
export function trustedProxyRanges(
  config: {
    TRUSTED_PROXY_HEADER?: string;
    TRUSTED_PROXY_ADDRESSES?: readonly AddressRange[];
  },
  log: Logger,
): readonly AddressRange[] {
  if (config.TRUSTED_PROXY_ADDRESSES) return config.TRUSTED_PROXY_ADDRESSES;
  if (!config.TRUSTED_PROXY_HEADER) return [];
  log.warn(
    "TRUSTED_PROXY_ADDRESSES unset: TRUSTED_PROXY_HEADER is believed from loopback and private " +
      "addresses; list your proxy's addresses, or a neighbour on a private network can bypass " +
      "per-client limits",
    { header: config.TRUSTED_PROXY_HEADER, trusted: DEFAULT_TRUSTED_PROXY_ADDRESSES },
  );
  return DEFAULT_RANGES;
}

/** Whether `groups` lie in `range`. */
function inRange(groups: readonly number[], range: AddressRange): boolean {
  for (let i = 0, left = range.prefix; left > 0; i++, left -= 16) {
    const mask = left >= 16 ? 0xffff : (0xffff << (16 - left)) & 0xffff;
    if (((groups[i] ^ range.groups[i]) & mask) !== 0) return false;
  }
  return true;
}

/**
 * Returns whether a socket peer address lies in one of `ranges`. A peer that is not an IP literal
 * (a Unix socket has none) is never trusted.
 */
export function trustedPeer(ranges: readonly AddressRange[]): (peer: string) => boolean {
  let lastPeer = "";
  let lastAnswer = false;
  return function isTrustedPeer(peer) {
    if (peer === lastPeer) return lastAnswer;
    const groups = ipGroups(peer);
    const answer = groups !== null && ranges.some((range) => inRange(groups, range));
    lastPeer = peer;
    lastAnswer = answer;
    return answer;
  };
}
