/**
 * Issue 17 item 5: the webhook URL policy refuses every way of spelling an internal address
 * (IPv4-mapped IPv6 the URL parser rewrites to hex, trailing-dot names, single-label names, every
 * private, loopback, link-local, ULA, CGNAT and reserved range), and at delivery time refuses a
 * name when any of its addresses is internal (DNS rebinding), with an error that says nothing
 * about the internal network (no port-scan oracle).
 */
import assert from "node:assert/strict";
import {
  assertResolvesPublic,
  assertWebhookUrl,
  isPrivateAddress,
} from "../../src/webhooks/url_policy.ts";

const INTERNAL_URLS = [
  "http://[::ffff:127.0.0.1]:8000/",
  "http://[::ffff:169.254.169.254]/latest",
  "http://[::ffff:7f00:1]/",
  "http://[0:0:0:0:0:ffff:10.0.0.1]/",
  "http://[::127.0.0.1]/",
  "http://[64:ff9b::a9fe:a9fe]/",
  "http://[2002:7f00:1::]/",
  "http://[fe80::1%25eth0]/",
  "http://[fec0::1]/",
  "http://[::]/",
  "http://localhost./",
  "http://LOCALHOST../",
  "http://app.localhost./",
  "http://metadata/",
  "http://metadata./computeMetadata/v1/",
  "http://intranet:8080/",
  "http://vaidya-kv.internal:4512/",
  "http://printer.local/",
  "http://router.home.arpa/",
  "http://2130706433/",
  "http://0x7f.1/",
  "http://0177.0.0.1/",
  "http://0.0.0.0/",
  "http://100.64.0.1/",
  "http://100.127.255.254/",
  "http://172.31.255.255/",
  "http://192.0.0.8/",
  "http://198.18.0.1/",
  "http://192.0.2.1/",
  "http://255.255.255.255/",
  "http://224.0.0.1/",
];

Deno.test("assertWebhookUrl() refuses every spelling of an internal host", () => {
  for (const url of INTERNAL_URLS) {
    assert.throws(() => assertWebhookUrl(url, false), /not public|not a valid/, url);
  }
});

Deno.test("assertWebhookUrl() accepts public names and addresses", () => {
  for (
    const url of [
      "https://clinic.example/hook",
      "https://hooks.clinic.example.:8443/x",
      "http://8.8.8.8/",
      "http://[2606:4700:4700::1111]/",
      "http://100.128.0.1/",
      "http://172.32.0.1/",
    ]
  ) {
    assert.ok(assertWebhookUrl(url, false), url);
  }
});

Deno.test("isPrivateAddress() covers the reserved ranges, v4 and v6", () => {
  for (
    const ip of ["127.0.0.1", "10.0.0.1", "::1", "::ffff:7f00:1", "fd12::1", "fc00::", "fe80::1"]
  ) {
    assert.equal(isPrivateAddress(ip), true, ip);
  }
  for (const ip of ["8.8.8.8", "2606:4700:4700::1111", "2a00:1450:4001:82a::200e"]) {
    assert.equal(isPrivateAddress(ip), false, ip);
  }
});

Deno.test("assertResolvesPublic() refuses a name if any address it resolves to is internal", async () => {
  const resolver = (answers: string[]) => () => Promise.resolve(answers);
  const url = new URL("https://rebind.example/hook");
  await assertResolvesPublic(url, resolver(["93.184.216.34"]));
  for (const answers of [["127.0.0.1"], ["93.184.216.34", "10.0.0.7"], ["::ffff:a9fe:a9fe"], []]) {
    await assert.rejects(
      assertResolvesPublic(url, resolver(answers)),
      (err: Error) => {
        assert.match(err.message, /^Webhook endpoint refused: its address is not public$/);
        return true;
      },
      answers.join(","),
    );
  }
});
