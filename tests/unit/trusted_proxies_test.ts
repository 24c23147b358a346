/**
 * TRUSTED_PROXY_ADDRESSES: parsing its entries (src/http/trusted_proxies.ts, on ip_literal.ts) and
 * matching socket peers against them, both families, IPv4-mapped peers and the edge prefixes.
 */
import assert from "node:assert/strict";
import {
  type AddressRange,
  DEFAULT_TRUSTED_PROXY_ADDRESSES,
  parseAddressRange,
  peerNetwork,
  trustedPeer,
  trustedProxyRanges,
} from "../../src/http/trusted_proxies.ts";
import { ConfigError, loadConfig } from "../../src/config/config.ts";
import type { Logger } from "../../src/observability/logger.ts";

function ranges(list: string): AddressRange[] {
  return list.split(",").map((entry) => {
    const range = parseAddressRange(entry);
    if (typeof range === "string") throw new Error(range);
    return range;
  });
}

/** The peers of `peers` that `list` trusts. */
function trusted(list: string, peers: string[]): string[] {
  const isTrusted = trustedPeer(ranges(list));
  return peers.filter((peer) => isTrusted(peer));
}

Deno.test("trustedPeer() matches IPv4 prefixes bit by bit, /32 one address", () => {
  const peers = ["10.0.0.1", "10.255.255.255", "11.0.0.0", "172.16.0.1", "172.31.255.255"];
  assert.deepEqual(trusted("10.0.0.0/8", peers), ["10.0.0.1", "10.255.255.255"]);
  assert.deepEqual(trusted("172.16.0.0/12", [...peers, "172.32.0.1", "172.15.255.255"]), [
    "172.16.0.1",
    "172.31.255.255",
  ]);
  assert.deepEqual(trusted("127.0.0.1/32", ["127.0.0.1", "127.0.0.2"]), ["127.0.0.1"]);
  assert.deepEqual(trusted("127.0.0.1", ["127.0.0.1", "127.0.0.2"]), ["127.0.0.1"]);
  assert.deepEqual(trusted("192.168.1.128/25", ["192.168.1.127", "192.168.1.128"]), [
    "192.168.1.128",
  ]);
});

Deno.test("trustedPeer() matches IPv6 prefixes, /128 one address, zones ignored on the peer", () => {
  const peers = ["fdaa:0:1::5", "fdab::1", "fe80::1", "::1", "::2", "fdaa::7%eth0"];
  assert.deepEqual(trusted("fdaa::/16", peers), ["fdaa:0:1::5", "fdaa::7%eth0"]);
  assert.deepEqual(trusted("::1/128", peers), ["::1"]);
  assert.deepEqual(trusted("::1", peers), ["::1"]);
  assert.deepEqual(trusted("2001:db8:1:2::/63", ["2001:db8:1:3::9", "2001:db8:1:4::9"]), [
    "2001:db8:1:3::9",
  ]);
  assert.deepEqual(trusted("2001:db8::/32", ["2001:DB8:FFFF::1", "2001:db9::1"]), [
    "2001:DB8:FFFF::1",
  ]);
});

Deno.test("trustedPeer() matches an IPv4-mapped IPv6 peer against IPv4 entries, and only those", () => {
  const peers = ["::ffff:10.1.2.3", "::ffff:0a01:0203", "::ffff:11.1.2.3", "::10.1.2.3"];
  assert.deepEqual(trusted("10.0.0.0/8", peers), ["::ffff:10.1.2.3", "::ffff:0a01:0203"]);
  assert.deepEqual(trusted("::ffff:10.0.0.0/104", ["10.9.9.9", "11.0.0.1"]), ["10.9.9.9"]);
});

Deno.test("trustedPeer(): /0 of a family trusts all of it, 0.0.0.0/0 no IPv6 peer", () => {
  const peers = ["1.2.3.4", "255.255.255.255", "2001:db8::1", "::1"];
  assert.deepEqual(trusted("0.0.0.0/0", peers), ["1.2.3.4", "255.255.255.255"]);
  assert.deepEqual(trusted("::/0", peers), peers);
});

Deno.test("trustedPeer() never trusts a peer that is not an IP literal, nor with no ranges", () => {
  assert.deepEqual(trusted("::/0", ["", "localhost", "/tmp/vaidya.sock", "1.2.3.4.5"]), []);
  assert.equal(trustedPeer([])("127.0.0.1"), false);
  // The remembered last answer follows the peer.
  const isTrusted = trustedPeer(ranges("127.0.0.1"));
  assert.deepEqual(
    ["127.0.0.1", "127.0.0.1", "127.0.0.2", "127.0.0.2", "127.0.0.1"].map(isTrusted),
    [true, true, false, false, true],
  );
});

Deno.test("parseAddressRange() names what is wrong with a bad entry", () => {
  const cases: [string, RegExp][] = [
    ["10.0.0.0/33", /prefix length that is not 0 to 32/],
    ["::/129", /prefix length that is not 0 to 128/],
    ["10.0.0.0/08", /prefix length/],
    ["10.0.0.0/", /prefix length/],
    ["10.0.0.0/8/8", /prefix length/],
    ["10.0.0.0/-1", /prefix length/],
    ["10.0.0.1/8", /bits set past its \/8 prefix/],
    ["fdaa::1/16", /bits set past its \/16 prefix/],
    ["10.0.0/8", /not an IPv4 or IPv6 address/],
    ["localhost", /not an IPv4 or IPv6 address/],
    ["[::1]", /not an IPv4 or IPv6 address/],
    ["fe80::1%eth0", /not an IPv4 or IPv6 address/],
    ["010.0.0.1", /not an IPv4 or IPv6 address/],
    ["", /not an IPv4 or IPv6 address/],
  ];
  for (const [entry, message] of cases) {
    const range = parseAddressRange(entry);
    assert.equal(typeof range, "string", entry);
    assert.match(range as string, message, entry);
    assert.ok((range as string).includes(`"${entry}"`), `${range} names the entry`);
  }
  assert.equal(typeof parseAddressRange("0.0.0.0/0"), "object");
  assert.equal(typeof parseAddressRange("::/0"), "object");
});

Deno.test("loadConfig: a bad TRUSTED_PROXY_ADDRESSES entry stops start-up naming the variable and the entry", () => {
  const env = { TRUSTED_PROXY_HEADER: "X-Real-IP", KV_PATH: ":memory:" };
  assert.throws(
    () => loadConfig({ ...env, TRUSTED_PROXY_ADDRESSES: "127.0.0.1, 10.0.0.0/33 ,fdaa::/16" }),
    (err) =>
      err instanceof ConfigError && err.problems.length === 1 &&
      /^TRUSTED_PROXY_ADDRESSES: "10\.0\.0\.0\/33" has a prefix length/.test(err.problems[0]),
  );
  assert.throws(
    () => loadConfig({ ...env, TRUSTED_PROXY_ADDRESSES: " , " }),
    (err) =>
      err instanceof ConfigError &&
      err.problems[0] === "TRUSTED_PROXY_ADDRESSES: lists no address or CIDR prefix",
  );
  assert.throws(
    () => loadConfig({ KV_PATH: ":memory:", TRUSTED_PROXY_ADDRESSES: "127.0.0.1" }),
    (err) =>
      err instanceof ConfigError &&
      /^TRUSTED_PROXY_ADDRESSES: has no effect without TRUSTED_PROXY_HEADER/.test(err.problems[0]),
  );
  const config = loadConfig({ ...env, TRUSTED_PROXY_ADDRESSES: "127.0.0.1, fdaa::/16" });
  assert.deepEqual(config.TRUSTED_PROXY_ADDRESSES?.map((r) => [r.text, r.prefix]), [
    ["127.0.0.1", 128],
    ["fdaa::/16", 16],
  ]);
});

function recordingLog(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const none = () => {};
  return { warnings, debug: none, info: none, error: none, warn: (msg) => warnings.push(msg) };
}

Deno.test("trustedProxyRanges(): with the header and no list, loopback and private ranges and one warning", () => {
  const log = recordingLog();
  const defaults = trustedProxyRanges({ TRUSTED_PROXY_HEADER: "X-Real-IP" }, log);
  assert.equal(log.warnings.length, 1);
  assert.match(log.warnings[0], /TRUSTED_PROXY_ADDRESSES unset.*bypass per-client limits/);
  assert.deepEqual(defaults.map((r) => r.text).join(","), DEFAULT_TRUSTED_PROXY_ADDRESSES);
  const isTrusted = trustedPeer(defaults);
  const inside = ["127.0.0.1", "127.8.9.10", "::1", "10.1.2.3", "172.19.0.2", "192.168.0.9"];
  const alsoInside = ["fdaa:0:1:a7b::2", "::ffff:172.16.0.1"];
  const outside = [
    "203.0.113.9",
    "172.32.0.1",
    "8.8.8.8",
    "2001:db8::1",
    "fe80::1",
    "::ffff:1.2.3.4",
  ];
  assert.deepEqual([...inside, ...alsoInside, ...outside].filter(isTrusted), [
    ...inside,
    ...alsoInside,
  ]);

  const configured = ranges("127.0.0.1");
  assert.equal(
    trustedProxyRanges(
      { TRUSTED_PROXY_HEADER: "X-Real-IP", TRUSTED_PROXY_ADDRESSES: configured },
      log,
    ),
    configured,
  );
  assert.deepEqual(trustedProxyRanges({}, log), []);
  assert.equal(log.warnings.length, 1, "no warning with a list, or without the header");
});

Deno.test("peerNetwork() names a peer's /24 or /48 for the log, never the address itself", () => {
  assert.equal(peerNetwork("203.0.113.50"), "203.0.113.0/24");
  assert.equal(peerNetwork("::ffff:203.0.113.50"), "203.0.113.0/24");
  assert.equal(peerNetwork("2001:db8:aa:bb::50"), "2001:db8:aa::/48");
  assert.equal(peerNetwork("::1"), "0:0:0::/48");
  assert.equal(peerNetwork("unix-socket"), "not an IP address");
});
