/**
 * The Prometheus registry's text: label values that need escaping (backslash, quote, newline)
 * are escaped, plain ones are written as they are, and hex ids come out two digits a byte; a
 * histogram's kept observer writes the series `observe` writes, from its first observation on.
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

Deno.test("Histogram.observer() counts into the series observe() uses, shown once observed", () => {
  const registry = new MetricsRegistry();
  const latency = registry.histogram("t_seconds", "test", [0.01, 0.1]);
  const labels = { method: "GET", route: "/x", status: "200" };
  const observe = latency.observer(labels);
  assert.doesNotMatch(registry.render(), /t_seconds_count/);
  observe(0.005);
  observe(0.05);
  latency.observe({ status: "200", route: "/x", method: "GET" }, 0.5);
  observe(0.1);
  const text = registry.render();
  const series = 'method="GET",route="/x",status="200"';
  assert.match(text, new RegExp(`^t_seconds_bucket\\{${series},le="0.01"\\} 1$`, "m"));
  assert.match(text, new RegExp(`^t_seconds_bucket\\{${series},le="0.1"\\} 3$`, "m"));
  assert.match(text, new RegExp(`^t_seconds_bucket\\{${series},le="\\+Inf"\\} 4$`, "m"));
  assert.match(text, new RegExp(`^t_seconds_sum\\{${series}\\} 0.655$`, "m"));
  assert.equal(text.match(/t_seconds_count/g)?.length, 1);
});

Deno.test("bytesToHex() writes two lower-case digits per byte", () => {
  assert.equal(bytesToHex(new Uint8Array([0, 1, 15, 16, 171, 255])), "00010f10abff");
  assert.equal(bytesToHex(new Uint8Array()), "");
});
