/**
 * A phone the provider refuses for good (Twilio 21610 the patient replied STOP, 21211 not a valid
 * number, 21614 not a mobile): a notice or reminder to it is dropped at once with one warning,
 * not retried six times and dead-lettered with an error each time. A provider error an operator
 * can fix is still retried.
 */
import assert from "node:assert/strict";
import { type Actor, cancel, confirmFromHold } from "../../../src/domain/appointment_machine.ts";
import { localDateOf } from "../../../src/domain/zoned_time.ts";
import { listDeadLetters } from "../../../src/events/dead_letters.ts";
import { PhoneUndeliverableError } from "../../../src/errors.ts";
import { doctor, patient, T0 } from "../../contract/_fixtures.ts";
import { type EventHarness, eventHarness } from "./_harness.ts";

const HOUR = 3_600_000;
const PHONE = "+919812345678";
const refused = () => new PhoneUndeliverableError("sms", 21610);

async function booked(h: EventHarness) {
  const d = doctor({ name: "Dr. Asha Menon" });
  const p = patient({ phoneSealed: await h.cipher.seal(PHONE) });
  await h.records.doctors.create(d);
  await h.records.patients.getOrCreate(p);
  const actor: Actor = { id: p.id, role: "patient" };
  const startMs = T0;
  const held = {
    id: `hld_${p.id}`,
    doctorId: d.id,
    patientId: p.id,
    startMs,
    endMs: startMs + 30 * 60_000,
    start: new Date(startMs).toISOString(),
    end: new Date(startMs + 30 * 60_000).toISOString(),
  };
  const change = confirmFromHold(held, { reasonSealed: null, online: false }, actor, h.clock.now);
  return { a: await h.writer.write(change, { step: "confirm" }), actor };
}

Deno.test("a notice to a phone that refuses messages is dropped with one warning, not retried or dead-lettered", async () => {
  const h = await eventHarness(T0 - 3 * 24 * HOUR, { maxAttempts: 6 });
  try {
    const { a, actor } = await booked(h);
    await h.drain();
    assert.equal(h.sent.length, 1, "the confirmation");
    h.failNextSends(100, refused);
    await h.writer.write(cancel(a, actor, null, h.clock.now), { step: "cancel" });
    await h.drain();
    for (let i = 0; i < 8; i++) await h.advance(60_000);
    assert.deepEqual(
      (await h.queue()).filter((q) => q.envelope.handler === "patient.notice"),
      [],
      "nothing left to retry",
    );
    assert.deepEqual(await listDeadLetters(h.kv), []);
    const lines = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines.filter((l) => l.level === "error"), [], h.logs.join("\n"));
    const warned = lines.filter((l) => l.level === "warn");
    assert.equal(warned.length, 1, h.logs.join("\n"));
    assert.equal(warned[0].providerCode, 21610);
    assert.ok(!h.logs.join("\n").includes(PHONE.slice(1)), "no phone in the logs");
  } finally {
    await h.close();
  }
});

Deno.test("a reminder to a phone that refuses messages is dropped, and the next one is still tried", async () => {
  const h = await eventHarness(T0 - 3 * 24 * HOUR, { maxAttempts: 6 });
  try {
    await booked(h);
    await h.drain();
    h.failNextSends(1, refused);
    await h.advance(2 * 24 * HOUR); // the 24 h reminder: refused
    for (let i = 0; i < 6; i++) await h.advance(1_000);
    assert.equal(h.sent.length, 1, "only the confirmation went out");
    assert.deepEqual(await listDeadLetters(h.kv), []);
    assert.equal(h.logs.length, 1, h.logs.join("\n"));
    await h.advance(23 * HOUR - 6_000); // the patient replied START: the 1 h reminder goes out
    assert.equal(h.sent.length, 2);
    assert.match(h.sent[1].body, /in 1 hour/);
  } finally {
    await h.close();
  }
});

Deno.test("a notice the provider refuses for a reason an operator can fix is still retried", async () => {
  const h = await eventHarness(T0 - 3 * 24 * HOUR, { maxAttempts: 6 });
  try {
    h.failNextSends(2);
    await booked(h);
    await h.drain();
    await h.advance(1_000);
    await h.advance(2_000);
    assert.equal(h.sent.length, 1, "the confirmation, on its third try");
  } finally {
    await h.close();
  }
});

Deno.test("a waitlist whose only patient's phone refuses messages is not retried or dead-lettered", async () => {
  const h = await eventHarness(T0 - 3 * 24 * HOUR, { maxAttempts: 6 });
  try {
    const d = doctor({ name: "Dr. Ravi" });
    await h.records.doctors.create(d);
    const p = patient({ phoneSealed: await h.cipher.seal(PHONE) });
    await h.records.patients.getOrCreate(p);
    await h.rt.waitlist.join(p.id, d.id, localDateOf(T0, d.timezone));
    h.failNextSends(100, refused);
    await h.rt.bus.publish({
      id: "rel-1",
      type: "slot.released",
      occurredAtMs: h.clock.now,
      data: { doctorId: d.id, startMs: T0 },
    });
    await h.drain();
    for (let i = 0; i < 8; i++) await h.advance(60_000);
    assert.deepEqual(await listDeadLetters(h.kv), []);
    const lines = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines.filter((l) => l.level === "error"), [], h.logs.join("\n"));
    assert.equal(lines.filter((l) => l.level === "warn").length, 1, h.logs.join("\n"));
  } finally {
    await h.close();
  }
});
