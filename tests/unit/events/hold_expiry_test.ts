import assert from "node:assert/strict";
import type { HoldRecord } from "../../../src/stores/kv/hold_store.ts";
import { createKvHoldStore } from "../../../src/stores/kv/hold_store.ts";
import { T0 } from "../../contract/_fixtures.ts";
import { eventHarness } from "./_harness.ts";

function hold(id: string, nowMs: number): HoldRecord {
  return {
    id,
    doctorId: "doc_1",
    patientId: "pat_1",
    start: new Date(T0).toISOString(),
    end: new Date(T0 + 1_800_000).toISOString(),
    startMs: T0,
    endMs: T0 + 1_800_000,
    expiresAtMs: nowMs + 300_000,
    codeHash: "x",
    attempts: 0,
    createdAt: new Date(nowMs).toISOString(),
  };
}

Deno.test("hold.expired and slot.released follow a hold that expired, once", async () => {
  const h = await eventHarness(T0 - 86_400_000);
  const holds = createKvHoldStore(h.kv);
  const held = await holds.create(hold("hld_a", h.clock.now), 3, h.clock.now);
  await h.rt.bookingEvents.holdCreated(held);
  await h.rt.bookingEvents.holdCreated(held);
  await h.advance(300_000);
  const types = () => h.queue.map((q) => q.envelope.event.type);
  assert.deepEqual(await h.drain(), [], "nothing before expiry + grace");
  await h.advance(1_000);
  assert.ok(!types().includes("slot.released"), "fan-out handlers already ran");
  const ran = await h.kv.get(["event_handled", "holds.expiry", "hold.expiry_due:hld_a"]);
  assert.equal((ran.value as { state: string }).state, "done");
  const released = await h.kv.get(["event_handled", "waitlist.notify", "slot.released:hold:hld_a"]);
  assert.ok(released.value, "slot.released reached the waitlist handler");
  await h.close();
});

Deno.test("no expiry events for a hold that was released or confirmed in time", async () => {
  const h = await eventHarness(T0 - 86_400_000);
  const holds = createKvHoldStore(h.kv);
  const held = await holds.create(hold("hld_b", h.clock.now), 3, h.clock.now);
  await h.rt.bookingEvents.holdCreated(held);
  await holds.remove(held); // confirmed or released: the hold record is gone
  await h.advance(301_000);
  const expired = await h.kv.get(["event_handled", "webhooks.fanout", "hold.expired:hld_b"]);
  assert.equal(expired.value, null);
  await h.close();
});
