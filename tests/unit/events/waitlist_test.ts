import assert from "node:assert/strict";
import { type Actor, cancel, confirmFromHold } from "../../../src/domain/appointment_machine.ts";
import { localDateOf } from "../../../src/domain/zoned_time.ts";
import { DoctorInactiveError } from "../../../src/errors.ts";
import { doctor, patient, T0 } from "../../contract/_fixtures.ts";
import { eventHarness, onEachRecords } from "./_harness.ts";

const DAY = 86_400_000;

Deno.test("waitlist: joining is idempotent per patient, doctor and day", async () => {
  const h = await eventHarness(T0 - 3 * DAY);
  const d = doctor();
  await h.records.doctors.create(d);
  const date = localDateOf(T0, d.timezone);
  const first = await h.rt.waitlist.join("pat_1", d.id, date);
  const again = await h.rt.waitlist.join("pat_1", d.id, date);
  assert.equal(first.created, true);
  assert.equal(again.created, false);
  assert.equal(again.entry.id, first.entry.id);
  assert.equal((await h.rt.waitlist.listMine("pat_1")).length, 1);
  await assert.rejects(() => h.rt.waitlist.join("pat_1", d.id, "2020-01-01"), /passed/);
  await h.rt.waitlist.leave("pat_1", first.entry.id);
  assert.equal((await h.rt.waitlist.listMine("pat_1")).length, 0);
  await h.close();
});

Deno.test("waitlist: a freed slot tells waiting patients in FIFO order, each at most once", async () => {
  const h = await eventHarness(T0 - 3 * DAY, { waitlistPerSlot: 2 });
  const d = doctor({ name: "Dr. Ravi" });
  await h.records.doctors.create(d);
  const date = localDateOf(T0, d.timezone);
  const phones: string[] = [];
  for (let i = 0; i < 3; i++) {
    const phone = `+9198000000${10 + i}`;
    phones.push(phone);
    const p = patient({ phoneSealed: await h.cipher.seal(phone) });
    await h.records.patients.getOrCreate(p);
    h.clock.now += 1_000; // joined one after the other
    await h.rt.waitlist.join(p.id, d.id, date);
  }
  const release = (id: string) =>
    h.rt.bus.publish({
      id,
      type: "slot.released",
      occurredAtMs: h.clock.now,
      data: { doctorId: d.id, startMs: T0 },
    });

  await release("rel-1");
  await release("rel-1"); // the same event again
  await h.drain();
  assert.deepEqual(h.sent.map((m) => m.to), phones.slice(0, 2), "the first two, in order");
  assert.match(h.sent[0].body, /slot opened with Dr\. Ravi/);

  await release("rel-2"); // a second slot frees: only the third patient is left
  await h.drain();
  assert.deepEqual(h.sent.map((m) => m.to), phones);

  await release("rel-3");
  await h.drain();
  assert.equal(h.sent.length, 3, "nobody is told twice");
  await h.close();
});

Deno.test("waitlist: a patient whose notice could not be sent keeps their place and the next one is told", async () => {
  const h = await eventHarness(T0 - 3 * DAY, { waitlistPerSlot: 1 });
  const d = doctor({ name: "Dr. Ravi" });
  await h.records.doctors.create(d);
  const date = localDateOf(T0, d.timezone);
  const phones = ["+919800000030", "+919800000031"];
  for (const phone of phones) {
    const p = patient({ phoneSealed: await h.cipher.seal(phone) });
    await h.records.patients.getOrCreate(p);
    h.clock.now += 1_000;
    await h.rt.waitlist.join(p.id, d.id, date);
  }
  const release = async (id: string) => {
    await h.rt.bus.publish({
      id,
      type: "slot.released",
      occurredAtMs: h.clock.now,
      data: { doctorId: d.id, startMs: T0 },
    });
    await h.drain();
  };
  h.failNextSends(1);
  await release("rel-1");
  assert.deepEqual(h.sent.map((m) => m.to), [phones[1]], "the slot still reached someone");
  await release("rel-2");
  assert.deepEqual(
    h.sent.map((m) => m.to),
    [phones[1], phones[0]],
    "the first patient was not dropped from the list by the failed send",
  );
  await h.close();
});

Deno.test("waitlist: a freed slot nobody could be told of (the provider down) is retried", async () => {
  const h = await eventHarness(T0 - 3 * DAY, { waitlistPerSlot: 1 });
  const d = doctor({ name: "Dr. Ravi" });
  await h.records.doctors.create(d);
  const p = patient({ phoneSealed: await h.cipher.seal("+919800000040") });
  await h.records.patients.getOrCreate(p);
  await h.rt.waitlist.join(p.id, d.id, localDateOf(T0, d.timezone));
  h.failNextSends(1);
  await h.rt.bus.publish({
    id: "rel-1",
    type: "slot.released",
    occurredAtMs: h.clock.now,
    data: { doctorId: d.id, startMs: T0 },
  });
  await h.drain();
  assert.equal(h.sent.length, 0);
  await h.advance(1_000);
  assert.deepEqual(h.sent.map((m) => m.to), ["+919800000040"], "told on the retry");
  await h.close();
});

onEachRecords(
  "waitlist: nobody is told of a freed slot that another patient booked before the notice went out",
  async (h) => {
    const d = doctor({ name: "Dr. Ravi" });
    await h.records.doctors.create(d);
    const waiting = patient({ phoneSealed: await h.cipher.seal("+919800000020") });
    await h.records.patients.getOrCreate(waiting);
    await h.rt.waitlist.join(waiting.id, d.id, localDateOf(T0, d.timezone));
    const confirm = async (phone: string) => {
      const p = patient({ phoneSealed: await h.cipher.seal(phone) });
      await h.records.patients.getOrCreate(p);
      const actor: Actor = { id: p.id, role: "patient" };
      const slot = {
        id: `hld_${p.id}`,
        doctorId: d.id,
        patientId: p.id,
        startMs: T0,
        endMs: T0 + 30 * 60_000,
        start: new Date(T0).toISOString(),
        end: new Date(T0 + 30 * 60_000).toISOString(),
      };
      const change = confirmFromHold(
        slot,
        { reasonSealed: null, online: false },
        actor,
        h.clock.now,
      );
      return { a: await h.writer.write(change, { step: "confirm" }), actor };
    };
    const first = await confirm("+919800000021");
    await h.drain();
    // The first patient cancels; before the relay's next pass another patient books the time.
    await h.writer.write(cancel(first.a, first.actor, null, h.clock.now), { step: "cancel" });
    await confirm("+919800000022");
    await h.drain();
    const told = h.sent.filter((m) => m.to === "+919800000020");
    assert.deepEqual(told.map((m) => m.body), [], "the waiting patient was told of a taken slot");
  },
);

Deno.test("waitlist: a freed time that can no longer be booked (past, inside the notice) tells nobody and keeps them waiting", async () => {
  const h = await eventHarness(T0 - 30 * 60_000);
  const d = doctor({ name: "Dr. Ravi" }); // 60 minutes' notice, Mondays 09:00–13:00 IST
  await h.records.doctors.create(d);
  const p = patient({ phoneSealed: await h.cipher.seal("+919800000030") });
  await h.records.patients.getOrCreate(p);
  const { entry } = await h.rt.waitlist.join(p.id, d.id, localDateOf(T0, d.timezone));
  const release = (id: string, startMs: number) =>
    h.rt.bus.publish({
      id,
      type: "slot.released",
      occurredAtMs: h.clock.now,
      data: { doctorId: d.id, startMs, endMs: startMs + 30 * 60_000 },
    });

  // The doctor cancels a visit that started 30 minutes ago, and one due in 30 minutes.
  await release("rel-past", T0 - 30 * 60_000);
  await release("rel-soon", T0);
  await h.drain();
  assert.deepEqual(h.sent.map((m) => m.body), [], "told of a slot nobody can book");
  assert.equal((await h.rt.waitlist.listMine(p.id))[0].notifiedAt, null);

  // A slot two hours ahead frees: that one the patient can book, and hears of.
  await release("rel-later", T0 + 90 * 60_000);
  await h.drain();
  assert.equal(h.sent.length, 1);
  assert.match(h.sent[0].body, /slot opened with Dr\. Ravi/);
  assert.notEqual((await h.rt.waitlist.listMine(p.id))[0].notifiedAt, null);
  assert.equal((await h.rt.waitlist.listMine(p.id))[0].id, entry.id);
  await h.close();
});

onEachRecords(
  "waitlist: a patient who has since booked that doctor's day is not told, and the next in line is",
  async (h) => {
    const d = doctor({ name: "Dr. Ravi" });
    await h.records.doctors.create(d);
    const date = localDateOf(T0, d.timezone);
    const signUp = async (phone: string) => {
      const p = patient({ phoneSealed: await h.cipher.seal(phone) });
      await h.records.patients.getOrCreate(p);
      h.clock.now += 1_000;
      await h.rt.waitlist.join(p.id, d.id, date);
      return p;
    };
    const booked = await signUp("+919800000040");
    const next = await signUp("+919800000041");
    // The first in line books 11:00 on that day after all.
    const at = T0 + 60 * 60_000;
    const slot = {
      id: `hld_${booked.id}`,
      doctorId: d.id,
      patientId: booked.id,
      startMs: at,
      endMs: at + 30 * 60_000,
      start: new Date(at).toISOString(),
      end: new Date(at + 30 * 60_000).toISOString(),
    };
    const actor: Actor = { id: booked.id, role: "patient" };
    const change = confirmFromHold(slot, { reasonSealed: null, online: false }, actor, h.clock.now);
    await h.writer.write(change, { step: "confirm" });
    await h.drain();
    h.sent.length = 0;

    await h.rt.bus.publish({
      id: "rel-10",
      type: "slot.released",
      occurredAtMs: h.clock.now,
      data: { doctorId: d.id, startMs: T0, endMs: T0 + 30 * 60_000 },
    });
    await h.drain();
    const phones = h.sent.map((m) => m.to);
    assert.deepEqual(
      phones,
      ["+919800000041"],
      "the one notice went to a patient already booked that day",
    );
    assert.deepEqual(await h.rt.waitlist.listMine(booked.id), [], "still waiting for a booked day");
    assert.equal((await h.rt.waitlist.listMine(next.id)).length, 1);
  },
  T0 - 3 * DAY,
  { waitlistPerSlot: 1 },
);

onEachRecords(
  "waitlist: a freed slot of a deactivated doctor tells nobody; after reactivation the waiting are told",
  async (h) => {
    const d = doctor({ name: "Dr. Ravi" });
    await h.records.doctors.create(d);
    const p = patient({ phoneSealed: await h.cipher.seal("+919800000050") });
    await h.records.patients.getOrCreate(p);
    await h.rt.waitlist.join(p.id, d.id, localDateOf(T0, d.timezone));
    const off = { ...d, deactivatedAt: new Date(h.clock.now).toISOString(), version: 2 };
    await h.records.doctors.update(off);
    const release = async (id: string, startMs: number) => {
      await h.rt.bus.publish({
        id,
        type: "slot.released",
        occurredAtMs: h.clock.now,
        data: { doctorId: d.id, startMs, endMs: startMs + 30 * 60_000 },
      });
      await h.drain();
    };

    // A visit kept from before is cancelled: its time frees, but nobody can hold it (409).
    await release("rel-off", T0);
    assert.deepEqual(h.sent.map((m) => m.body), [], "told of a slot nobody can book");
    assert.equal((await h.rt.waitlist.listMine(p.id))[0].notifiedAt, null, "keeps their place");

    await h.records.doctors.update({ ...off, deactivatedAt: null, version: 3 });
    await release("rel-on", T0 + 30 * 60_000);
    assert.equal(h.sent.length, 1);
    assert.match(h.sent[0].body, /slot opened with Dr\. Ravi/);
  },
);

Deno.test("waitlist: joining a deactivated doctor's day answers doctor_inactive and adds nothing", async () => {
  const h = await eventHarness(T0 - 3 * DAY);
  const d = doctor({ deactivatedAt: new Date(T0 - 4 * DAY).toISOString() });
  await h.records.doctors.create(d);
  await assert.rejects(
    () => h.rt.waitlist.join("pat_1", d.id, localDateOf(T0, d.timezone)),
    (err) => err instanceof DoctorInactiveError,
  );
  assert.deepEqual(await h.rt.waitlist.listMine("pat_1"), []);
  await h.close();
});
