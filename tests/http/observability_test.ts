/**
 * Observability over the real server: /metrics after a booking (bookings by outcome, holds, codes,
 * request latency by route and status, store latency), the W3C trace id carried from the request
 * to the response and the logs, and no phone, code, token or medical text in any log line.
 */
import assert from "node:assert/strict";
import { book } from "../_harness/book.ts";
import { Api, createDoctor, dateInDays, firstSlots, randomPhone } from "../_harness/api.ts";
import { startServer } from "../_harness/server.ts";

Deno.test("metrics, trace ids and log hygiene over a full booking flow", async (t) => {
  await using server = await startServer();
  const api = new Api(server.url);
  const admin = await api.loginAdmin();
  const doctor = await createDoctor(api, admin);
  const phone = randomPhone();
  const patient = await api.login(phone);
  const slots = await firstSlots(api, doctor.id, dateInDays(2));
  const secrets: string[] = [phone, phone.slice(1), patient.accessToken, patient.refreshToken];

  const reason = "Persistent migraine since Diwali";
  const { code } = await book(api, patient, doctor.id, slots[0].start, { reason });
  secrets.push(reason, admin.accessToken, doctor.phone);

  await t.step("/metrics counts the booking, the hold, the codes and the latencies", async () => {
    const text = await fetch(`${server.url}/metrics`).then((r) => r.text());
    assert.match(text, /vaidya_bookings_total\{outcome="confirmed",step="confirm"\} 1\b/);
    assert.match(text, /vaidya_bookings_total\{outcome="held",step="hold"\} 1\b/);
    assert.match(text, /vaidya_holds_created_total 1\b/);
    assert.match(text, /vaidya_codes_sent_total\{outcome="sent",purpose="hold"\} 1\b/);
    assert.match(text, /vaidya_codes_sent_total\{outcome="sent",purpose="login"\} \d+/);
    assert.match(
      text,
      /vaidya_http_request_duration_seconds_count\{method="POST",route="\/v1\/holds\/:id\/confirm",status="201"\} 1\b/,
    );
    assert.match(
      text,
      /vaidya_store_call_duration_seconds_count\{op="book",outcome="ok",store="appointments"\} 1\b/,
    );
    assert.match(text, /vaidya_outbox_depth\{state="due"\} \d+/);
    assert.match(text, /vaidya_outbox_oldest_due_age_seconds \d+/);
    assert.match(text, /# TYPE vaidya_holds_expired_total counter/);
    const rss = /vaidya_process_memory_bytes\{kind="rss"\} (\d+)/.exec(text);
    const heap = /vaidya_process_memory_bytes\{kind="heap_used"\} (\d+)/.exec(text);
    assert.ok(rss && Number(rss[1]) > 10_000_000, "the process's resident memory is reported");
    assert.ok(heap && Number(heap[1]) > 0 && Number(heap[1]) < Number(rss![1]));
  });

  await t.step("the response traceparent keeps the incoming trace id", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const res = await fetch(`${server.url}/v1/doctors/${doctor.id}`, {
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    await res.body?.cancel();
    const out = res.headers.get("traceparent") ?? "";
    assert.match(out, new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    assert.notEqual(out.split("-")[2], "00f067aa0ba902b7", "a new span id for this server");
    assert.ok(
      server.logs().split("\n").some((l) => l.includes(`"traceId":"${traceId}"`)),
      "the access log line carries the trace id",
    );
    const fresh = await fetch(`${server.url}/healthz`);
    await fresh.body?.cancel();
    assert.match(fresh.headers.get("traceparent") ?? "", /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  await t.step("no phone, code, token or medical text reaches the server log", () => {
    const logs = server.logs();
    assert.ok(logs.includes('"msg":"request"'), "the log was captured");
    for (const secret of secrets) {
      assert.ok(!logs.includes(secret), `the log contains a secret value (${secret.length} chars)`);
    }
    // A 6-digit code could occur by chance inside a hex request id, so match it standing alone.
    assert.doesNotMatch(logs, new RegExp(`(?<![0-9a-f])${code}(?![0-9a-f])`));
  });
});
