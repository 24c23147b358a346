/** instrumentStores(): every record-store call is timed with its store, operation and outcome. */
import assert from "node:assert/strict";
import { createAppMetrics } from "../../src/observability/metrics.ts";
import { instrumentStores } from "../../src/stores/instrumented_stores.ts";
import { createKvRecordStores } from "../../src/stores/kv/record_stores.ts";

Deno.test("instrumentStores() records latency by store, op and outcome, and passes results", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const metrics = createAppMetrics();
    const records = instrumentStores(createKvRecordStores(kv), metrics);
    assert.equal(await records.doctors.get("doc_missing"), null);
    assert.equal(await records.doctors.findByPhoneIndex("nobody"), null, "`this` still works");
    await assert.rejects(() =>
      records.appointments.transition({ id: "a", version: 1 } as never, {} as never)
    );
    const text = metrics.registry.render();
    assert.match(
      text,
      /vaidya_store_call_duration_seconds_count\{op="get",outcome="ok",store="doctors"\} 1\n/,
    );
    assert.match(text, /op="findByPhoneIndex",outcome="ok",store="doctors"\} 1\n/);
    assert.match(text, /op="transition",outcome="error",store="appointments"\} 1\n/);
    // A series shows only once observed: no "ok" transition, no failed get, no untouched op.
    assert.doesNotMatch(text, /op="transition",outcome="ok"/);
    assert.doesNotMatch(text, /op="get",outcome="error",store="doctors"/);
    assert.doesNotMatch(text, /store="patients"/);
    await records.ping();
    assert.doesNotMatch(text, /op="ping"/);
  } finally {
    kv.close();
  }
});
