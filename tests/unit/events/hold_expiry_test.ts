import assert from "node:assert/strict";
import { eventHandledKey } from "../../../src/stores/kv/keys.ts";
import type { HoldRecord } from "../../../src/stores/kv/hold_store.ts";
import { createKvHoldStore } from "../../../src/stores/kv/hold_store.ts";
import { appointmentIdFor } from "../../../src/booking/booking_service.ts";
import { appointment, doctor, patient, T0 } from "../../contract/_fixtures.ts";
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
  const ran = await h.kv.get(eventHandledKey("holds.expiry", "hold.expiry_due:hld_a"));
  assert.equal((ran.value as { state: string }).state, "done");
  const released = await h.kv.get(eventHandledKey("waitlist.notify", "slot.released:hold:hld_a"));
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
  const expired = await h.kv.get(eventHandledKey("webhooks.fanout", "hold.expired:hld_b"));
  assert.equal(expired.value, null);
  await h.close();
});

Deno.test("a confirm that died after booking is completed at the hold's expiry, never released", async () => {
  const h = await eventHarness(T0 - 86_400_000);
  const d = doctor();
  const p = patient({ phoneSealed: await h.cipher.seal("+919812345678") });
  await h.records.doctors.create(d);
  await h.records.patients.getOrCreate(p);
  const holds = createKvHoldStore(h.kv);
  const held = await holds.create(
    { ...hold("hld_crash1", h.clock.now), doctorId: d.id, patientId: p.id },
    3,
    h.clock.now,
  );
  await h.rt.bookingEvents.holdCreated(held);
  // The request booked the appointment, then the process died: no events, hold still there.
  const booked = appointment(d.id, p.id, 0, 30, {
    id: appointmentIdFor(held.id),
    holdId: held.id,
  });
  await h.records.appointments.book(booked);
  await h.advance(301_000);
  await h.drain();
  assert.equal(h.sent.length, 1, "the patient's confirmation went out after all");
  assert.match(h.sent[0].body, /confirmed/i);
  const confirmed = await h.kv.get(
    eventHandledKey("patient.notice", `appointment.confirmed:${booked.id}`),
  );
  assert.ok(confirmed.value, "appointment.confirmed was published with its usual id");
  const released = await h.kv.get(
    eventHandledKey("waitlist.notify", "slot.released:hold:hld_crash1"),
  );
  assert.equal(released.value, null, "a booked slot is never announced as free");
  assert.equal(await holds.get(held.id), null, "the leftover hold is dropped");
  await h.close();
});

Deno.test("no slot.released for an expired hold whose time an appointment covers", async () => {
  const h = await eventHarness(T0 - 86_400_000);
  const holds = createKvHoldStore(h.kv);
  const held = await holds.create(hold("hld_moved", h.clock.now), 3, h.clock.now);
  await h.rt.bookingEvents.holdCreated(held);
  // A reschedule moved an appointment onto this time, then died before dropping the hold.
  await h.records.appointments.book(appointment("doc_1", "pat_1", 0, 30, { holdId: held.id }));
  await h.advance(301_000);
  await h.drain();
  const expired = await h.kv.get(eventHandledKey("webhooks.fanout", "hold.expired:hld_moved"));
  assert.ok(expired.value, "the hold did expire");
  const released = await h.kv.get(
    eventHandledKey("waitlist.notify", "slot.released:hold:hld_moved"),
  );
  assert.equal(released.value, null);
  await h.close();
});
