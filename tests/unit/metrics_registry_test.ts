/**
 * The Prometheus registry's text: label values that need escaping (backslash, quote, newline)
 * are escaped, plain ones are written as they are, and hex ids come out two digits a byte.
 */
import assert from "node:assert/strict";
import { MetricsRegistry } from "../../src/observability/metrics.ts";
import { bytesToHex } from "../../src/crypto/encoding.ts";

Deno.test("MetricsRegistry.render() escapes backslash, quote and newline in label values only", () => {
  const registry = new MetricsRegistry();
  const hits = registry.counter("t_total", "test");
  hits.inc({ route: "/v1/doctors/:id/slots" });
  hits.inc({ route: 'a"b\\c\nd' }, 2);
  const text = registry.render();
  assert.match(text, /^t_total\{route="\/v1\/doctors\/:id\/slots"\} 1$/m);
  assert.match(text, /^t_total\{route="a\\"b\\\\c\\nd"\} 2$/m);
});

Deno.test("bytesToHex() writes two lower-case digits per byte", () => {
  assert.equal(bytesToHex(new Uint8Array([0, 1, 15, 16, 171, 255])), "00010f10abff");
  assert.equal(bytesToHex(new Uint8Array()), "");
});
