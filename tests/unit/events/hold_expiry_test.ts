import assert from "node:assert/strict";
import { eventHandledKey } from "../../../src/stores/kv/keys.ts";
import type { HoldRecord } from "../../../src/stores/ports.ts";
import { confirmFromHold, holdPlaced } from "../../../src/domain/appointment_machine.ts";
import { envelopesOf } from "../../../src/events/event_types.ts";
import { appointment, doctor, patient, T0 } from "../../contract/_fixtures.ts";
import { type EventHarness, eventHarness, onEachRecords } from "./_harness.ts";

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

/** Creates the hold with its expiry check in the same commit, as the booking service does. */
function place(h: EventHarness, held: HoldRecord) {
  return h.holds.create(held, 3, h.clock.now, envelopesOf(holdPlaced(held, h.clock.now)));
}

/** A stored doctor and patient, the patient's hold `id` on them, and its confirm by the patient. */
async function patientsHold(h: EventHarness, id: string) {
  const d = doctor();
  const p = patient({ phoneSealed: await h.cipher.seal("+919812345678") });
  await h.records.doctors.create(d);
  await h.records.patients.getOrCreate(p);
  const held = await place(h, { ...hold(id, h.clock.now), doctorId: d.id, patientId: p.id });
  const change = confirmFromHold(held, { reasonSealed: null, online: false }, {
    id: p.id,
    role: "patient",
  }, h.clock.now);
  return { held, change };
}

Deno.test("hold.expired and slot.released follow a hold that expired, once", async () => {
  const h = await eventHarness(T0 - 86_400_000);
  const held = await place(h, hold("hld_a", h.clock.now));
  // Written twice (e.g. a relay that moved it twice): still acted on once.
  await h.rt.bus.publish(holdPlaced(held, h.clock.now)[0].event, {
    atMs: held.expiresAtMs + 1_000,
  });
  await h.advance(300_000);
  const types = async () => (await h.queue()).map((q) => q.envelope.event.type);
  assert.deepEqual(await h.drain(), [], "nothing before expiry + grace");
  await h.advance(1_000);
  assert.ok(!(await types()).includes("slot.released"), "fan-out handlers already ran");
  const ran = await h.kv.get(eventHandledKey("holds.expiry", "hold.expiry_due:hld_a"));
  assert.equal((ran.value as { state: string }).state, "done");
  const released = await h.kv.get(eventHandledKey("waitlist.notify", "slot.released:hold:hld_a"));
  assert.ok(released.value, "slot.released reached the waitlist handler");
  assert.match(
    h.metrics.registry.render(),
    /^vaidya_holds_expired_total 1$/m,
    "an expired hold nobody touched is counted, once",
  );
  await h.close();
});

Deno.test("no expiry events for a hold that was released or confirmed in time", async () => {
  const h = await eventHarness(T0 - 86_400_000);
  const held = await place(h, hold("hld_b", h.clock.now));
  await h.holds.remove(held); // confirmed or released: the hold record is gone
  await h.advance(301_000);
  const expired = await h.kv.get(eventHandledKey("webhooks.fanout", "hold.expired:hld_b"));
  assert.equal(expired.value, null);
  assert.doesNotMatch(h.metrics.registry.render(), /^vaidya_holds_expired_total \d/m);
  await h.close();
});

onEachRecords(
  "a confirmed hold's expiry check leaves the outbox with the hold, so the relay never runs it",
  async (h) => {
    const { held, change } = await patientsHold(h, "hld_used");
    const expiryDue = async () =>
      (await h.queue()).filter((q) => q.envelope.event.type === "hold.expiry_due").length;
    assert.equal(await expiryDue(), 1);
    await h.writer.write(change, { step: "confirm", consumes: held, maxAttempts: 5 });
    assert.equal(await h.holds.get(held.id), null);
    assert.equal(await expiryDue(), 0, "removed in the commit that removed the hold");
    await h.advance(301_000);
    const ran = await h.kv.get(eventHandledKey("holds.expiry", "hold.expiry_due:hld_used"));
    assert.equal(ran.value, null, "nothing left for the relay to run");
  },
  T0 - 86_400_000,
);

Deno.test("a confirm that died after its commit: events go out once, the hold is dropped", async () => {
  const h = await eventHarness(T0 - 86_400_000);
  const { held, change } = await patientsHold(h, "hld_crash1");
  // The request stored the appointment with its events, then the process died: hold still there.
  await h.records.appointments.book(change.next, envelopesOf(change.events));
  await h.advance(301_000);
  await h.drain();
  assert.equal(h.sent.length, 1, "the patient's confirmation went out from the outbox");
  assert.match(h.sent[0].body, /confirmed/i);
  const confirmed = await h.kv.get(
    eventHandledKey("patient.notice", `appointment.confirmed:${change.next.id}`),
  );
  assert.ok(confirmed.value, "appointment.confirmed was delivered with its usual id");
  const released = await h.kv.get(
    eventHandledKey("waitlist.notify", "slot.released:hold:hld_crash1"),
  );
  assert.equal(released.value, null, "a booked slot is never announced as free");
  assert.equal(await h.holds.get(held.id), null, "the leftover hold is dropped");
  await h.close();
});

Deno.test("no slot.released for an expired hold whose time an appointment covers", async () => {
  const h = await eventHarness(T0 - 86_400_000);
  const held = await place(h, hold("hld_moved", h.clock.now));
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
