import assert from "node:assert/strict";
import { isIP } from "node:net";
import { ipGroups, ipVersion } from "../../src/http/ip_literal.ts";

// ipVersion() stands in for node:net's isIP on the start-up path (src/http/ip_literal.ts): it must
// give the same answer for every string.

Deno.test("ipVersion() answers as node:net's isIP for the edge cases of both families", () => {
  const cases = [
    ["1.2.3.4", 4],
    ["0.0.0.0", 4],
    ["255.255.255.255", 4],
    ["256.1.1.1", 0],
    ["01.2.3.4", 0],
    ["1.2.3", 0],
    ["1.2.3.4.5", 0],
    [" 1.2.3.4", 0],
    ["1.2.3.4 ", 0],
    ["1e2.1.1.1", 0],
    ["0x1.1.1.1", 0],
    ["1.2.3.4%eth0", 0],
    ["", 0],
    ["::", 6],
    ["::1", 6],
    ["1::", 6],
    ["1:2:3:4:5:6:7:8", 6],
    ["1:2:3:4:5:6:7::", 6],
    ["::2:3:4:5:6:7:8", 6],
    ["1:2:3:4:5:6:7:8::", 0],
    ["1:2:3:4:5:6:7:8:9", 0],
    [":1:2:3:4:5:6:7", 0],
    ["1:2:3:4:5:6:7:", 0],
    [":::", 0],
    ["1::2::3", 0],
    ["::ffff:1.2.3.4", 6],
    ["::1.2.3.4", 6],
    ["1:2:3:4:5:6:1.2.3.4", 6],
    ["1:2:3:4:5:6:7:1.2.3.4", 0],
    ["1:2:3:4:5:6::1.2.3.4", 0],
    ["::ffff:01.2.3.4", 0],
    ["::1.2.3.4:1", 0],
    ["fe80::1%eth0", 6],
    ["fe80::1%", 0],
    ["fe80::1%eth 0", 0],
    ["fe80::1%a_b", 0],
    ["FE80::ABCD", 6],
    ["12345::", 0],
    ["g::1", 0],
    ["[::1]", 0],
    ["2001:0db8:0000:0000:0000:0000:0000:0001", 6],
  ] as const;
  for (const [text, version] of cases) {
    assert.equal(isIP(text), version, `node:net on ${JSON.stringify(text)}`);
    assert.equal(ipVersion(text), version, JSON.stringify(text));
  }
});

Deno.test("ipVersion() answers as node:net's isIP for 100,000 strings built from address parts", () => {
  let seed = 42;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const parts = [
    "0",
    "1",
    "255",
    "256",
    "01",
    "ffff",
    "12345",
    ":",
    "::",
    ".",
    "%",
    "e",
    "1.2.3.4",
  ];
  const seen = { 0: 0, 4: 0, 6: 0 };
  for (let i = 0; i < 100_000; i++) {
    let text = "";
    for (let n = 1 + Math.floor(next() * 16); n > 0; n--) {
      text += parts[Math.floor(next() * parts.length)];
    }
    const expected = isIP(text) as 0 | 4 | 6;
    seen[expected]++;
    assert.equal(ipVersion(text), expected, JSON.stringify(text));
  }
  // Both families and non-addresses are well represented.
  assert.ok(seen[4] > 100 && seen[6] > 1_000 && seen[0] > 50_000, JSON.stringify(seen));
});

Deno.test("ipGroups() puts both families in one 128-bit space, IPv4 as its mapped form", () => {
  assert.deepEqual(ipGroups("1.2.3.4"), [0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]);
  assert.deepEqual(ipGroups("::ffff:1.2.3.4"), ipGroups("1.2.3.4"));
  assert.deepEqual(ipGroups("2001:DB8::1%eth0"), [0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]);
  for (const text of ["", "1.2.3", "01.2.3.4", "[::1]", "1::2::3", "localhost"]) {
    assert.equal(ipGroups(text), null, text);
  }
});
