/**
 * One trace id per request, shared by the access log, the response's `traceparent` and the span
 * Deno's built-in OpenTelemetry exports (`OTEL_DENO=true`), and that span named by route: the
 * server exports OTLP/HTTP JSON to a collector run by this test, which reads the spans back.
 */
import assert from "node:assert/strict";
import { Api, createDoctor } from "../_harness/api.ts";
import { startServer } from "../_harness/server.ts";

interface OtlpSpan {
  traceId: string;
  spanId: string;
  name: string;
  attributes?: { key: string; value: { stringValue?: string } }[];
}

function collector() {
  const spans: OtlpSpan[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const body = await req.json().catch(() => ({}));
    if (new URL(req.url).pathname === "/v1/traces") {
      for (const rs of body.resourceSpans ?? []) {
        for (const ss of rs.scopeSpans ?? []) spans.push(...(ss.spans ?? []));
      }
    }
    return Response.json({});
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, spans, close: () => server.shutdown() };
}

Deno.test("the exported span, the log line and the response traceparent share one trace id; spans are named by route", async () => {
  const otlp = collector();
  try {
    await using server = await startServer({
      env: {
        OTEL_DENO: "true",
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        OTEL_SERVICE_NAME: "vaidya-test",
        OTEL_DENO_CONSOLE: "ignore",
      },
    });
    const api = new Api(server.url);
    const doctor = await createDoctor(api, await api.loginAdmin());
    const res = await fetch(`${server.url}/v1/doctors/${doctor.id}`);
    assert.equal(res.status, 200);
    await res.body?.cancel();
    const [, traceId, spanId] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(
      res.headers.get("traceparent") ?? "",
    ) ?? [];
    assert.ok(traceId, "a traceparent on the response");
    const incoming = "4bf92f3577b34da6a3ce929d0e0e4736";
    const continued = await fetch(`${server.url}/v1/doctors/${doctor.id}`, {
      headers: { traceparent: `00-${incoming}-00f067aa0ba902b7-01` },
    });
    await continued.body?.cancel();
    assert.match(continued.headers.get("traceparent") ?? "", new RegExp(`^00-${incoming}-`));

    await server.stop(); // flushes the exporter
    const mine = otlp.spans.find((s) => s.traceId === traceId);
    assert.ok(mine, `an exported span with trace id ${traceId} (${otlp.spans.length} spans seen)`);
    assert.equal(mine.spanId, spanId, "the response names the exported span itself");
    assert.equal(mine.name, "GET /v1/doctors/:id");
    const route = mine.attributes?.find((a) => a.key === "http.route")?.value.stringValue;
    assert.equal(route, "/v1/doctors/:id");
    assert.ok(otlp.spans.some((s) => s.traceId === incoming), "an incoming trace is continued");
    const logLine = server.logs().split("\n").find((l) =>
      l.includes(`"traceId":"${traceId}"`) && l.includes('"route":"/v1/doctors/:id"')
    );
    assert.ok(logLine, "the access log line carries the same trace id");
  } finally {
    await otlp.close();
  }
});
