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
