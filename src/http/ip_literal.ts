/**
 * Whether a string is an IP address literal, as node:net's `isIP` answers it (dotted-quad IPv4
 * without leading zeros; IPv6 with `::`, an embedded IPv4 tail and a `%zone`), without importing
 * node:net: that import evaluates Deno's Node streams, ~15-20 ms of CPU before the first answer
 * (docs/BENCHMARKS.md, issue 15). tests/unit/ip_literal_test.ts holds it to node:net's answers.
 */

const OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const IPV4 = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);
const GROUP = /^[0-9a-fA-F]{1,4}$/;
const ZONE = /^[0-9a-zA-Z\-.:]+$/;

/** 4 for an IPv4 literal, 6 for an IPv6 one (no brackets), 0 for anything else. */
export function ipVersion(text: string): 0 | 4 | 6 {
  if (IPV4.test(text)) return 4;
  return isIpv6(text) ? 6 : 0;
}

function isIpv6(text: string): boolean {
  const percent = text.indexOf("%");
  if (percent !== -1 && !ZONE.test(text.slice(percent + 1))) return false;
  let address = percent === -1 ? text : text.slice(0, percent);
  // An IPv4 tail (`::ffff:192.0.2.1`) stands for the last two groups.
  const lastColon = address.lastIndexOf(":");
  if (lastColon === -1) return false;
  if (address.includes(".", lastColon)) {
    if (!IPV4.test(address.slice(lastColon + 1))) return false;
    address = `${address.slice(0, lastColon + 1)}0:0`;
  }
  const halves = address.split("::");
  if (halves.length > 2) return false;
  const groups = halves.map((half) => (half === "" ? [] : half.split(":")));
  if (!groups.every((part) => part.every((group) => GROUP.test(group)))) return false;
  const count = groups.reduce((sum, part) => sum + part.length, 0);
  // `::` stands for one group or more.
  return halves.length === 2 ? count <= 7 : count === 8;
}

/** The eight 16-bit groups of an IPv6 address (zone and brackets removed), or null. */
export function ipv6Groups(ip: string): number[] | null {
  let v = ip.toLowerCase().replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(v);
  if (dotted) {
    const b = dotted[1].split(".").map(Number);
    if (b.some((n) => n > 255)) return null;
    v = v.slice(0, -dotted[1].length) +
      `${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const halves = v.split("::");
  if (halves.length > 2) return null;
  const parse = (s: string) => (s === "" ? [] : s.split(":").map((g) => parseInt(g, 16)));
  const head = parse(halves[0]);
  const tail = halves.length === 2 ? parse(halves[1]) : [];
  const fill = 8 - head.length - tail.length;
  if (halves.length === 1 ? head.length !== 8 : fill < 1) return null;
  const groups = [...head, ...Array(halves.length === 2 ? fill : 0).fill(0), ...tail];
  return groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}

/**
 * The eight 16-bit groups of an IPv4 or IPv6 literal (zone removed), an IPv4 address as its
 * IPv4-mapped IPv6 form (`::ffff:a.b.c.d`), so both families compare in one 128-bit space; or null
 * for anything that is not an IP literal.
 */
export function ipGroups(text: string): number[] | null {
  const version = ipVersion(text);
  if (version === 0) return null;
  if (version === 6) return ipv6Groups(text);
  // Checked dotted-quad: its octets straight into the last two groups (a tenth of the time of
  // ipv6Groups on its mapped spelling, for a peer the trusted-proxy check has not seen before).
  const [a, b, c, d] = text.split(".").map(Number);
  return [0, 0, 0, 0, 0, 0xffff, (a << 8) | b, (c << 8) | d];
}

/** The four octets of IPv4-mapped groups (`::ffff:a.b.c.d`, as `ipGroups` gives IPv4), else null. */
export function mappedIpv4(groups: readonly number[]): number[] | null {
  if (!groups.slice(0, 5).every((x) => x === 0) || groups[5] !== 0xffff) return null;
  return [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff];
}
