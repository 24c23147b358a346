/**
 * The hold a booking uses up is removed in the booking's own commit (HoldStore.consumption):
 * these pin down the part's refusals and its check on the hold's entry, which is what keeps a
 * code check counted meanwhile from being outrun by the right code.
 */
import assert from "node:assert/strict";
import {
  HoldExpiredError,
  InvalidCodeError,
  NotFoundError,
  SlotUnavailableError,
} from "../../src/errors.ts";
import { appointment } from "../contract/_fixtures.ts";
import { countingGets } from "../_harness/counting_kv.ts";
import { createKvAppointmentStore } from "../../src/stores/kv/appointment_store.ts";
import { createKvHoldStore } from "../../src/stores/kv/hold_store.ts";
import { appointmentKey, holdKey, patientHoldsKey } from "../../src/stores/kv/keys.ts";
import type { HoldRecord } from "../../src/stores/ports.ts";
import type { AppointmentRecord } from "../../src/stores/records.ts";

const NOW = Date.UTC(2026, 11, 1, 4, 0);

function hold(id: string, startMs: number): HoldRecord {
  return {
    id,
    doctorId: "doc_1",
    patientId: "pat_1",
    start: new Date(startMs).toISOString(),
    end: new Date(startMs + 30 * 60_000).toISOString(),
    startMs,
    endMs: startMs + 30 * 60_000,
    expiresAtMs: NOW + 600_000,
    codeHash: "x",
    attempts: 0,
    createdAt: new Date(NOW).toISOString(),
  };
}

/** A KV hold store on `kv` holding one of pat_1's holds, `h`, an hour from NOW. */
async function oneHold(kv: Deno.Kv, options: { cellMarks?: boolean } = {}) {
  const holds = createKvHoldStore(kv, options);
  const h = hold("hld_a", NOW + 3_600_000);
  await holds.create(h, 3, NOW);
  return { holds, h };
}

/** A KV hold store with two of pat_1's holds, an hour apart: `h`, then `other`. */
async function twoHolds() {
  const kv = await Deno.openKv(":memory:");
  const holds = createKvHoldStore(kv);
  const h = hold("hld_a", NOW + 3_600_000);
  const other = hold("hld_b", NOW + 7_200_000);
  await holds.create(h, 3, NOW);
  await holds.create(other, 3, NOW);
  return { kv, holds, h, other };
}

Deno.test("consumption() frees the hold's record and list entry in the caller's commit", async () => {
  const { kv, holds, h, other } = await twoHolds();
  const add = await holds.consumption(h, { now: () => NOW, maxAttempts: 5 })();
  assert.equal((await add(kv.atomic()).commit()).ok, true);
  assert.equal(await holds.get(h.id), null);
  assert.deepEqual(await holds.active("doc_1", NOW, NOW + 86_400_000, NOW), [
    { startMs: other.startMs, endMs: other.endMs, expiresAtMs: other.expiresAtMs, id: other.id },
  ]);
  assert.equal(await holds.countActiveForPatient("pat_1", NOW), 1);
  kv.close();
});

Deno.test("a consumed hold frees its slot at once, while a live hold refuses a second holder", async () => {
  const { kv, holds, h, other } = await twoHolds();
  // Overlapping, not equal: a slot of another length on another grid.
  const shifted = (id: string, startMs: number) => ({
    ...hold(id, startMs + 15 * 60_000),
    patientId: "pat_3",
  });
  await assert.rejects(holds.create(shifted("hld_x", h.startMs), 3, NOW), SlotUnavailableError);
  const add = await holds.consumption(h, { now: () => NOW, maxAttempts: 5 })();
  assert.equal((await add(kv.atomic()).commit()).ok, true);
  // Its booking is cancelled, say: the slot can be held again at once.
  await holds.create(shifted("hld_c", h.startMs), 3, NOW);
  await assert.rejects(holds.create(shifted("hld_d", other.startMs), 3, NOW), SlotUnavailableError);
  await assert.rejects(holds.create(shifted("hld_e", h.startMs), 3, NOW), SlotUnavailableError);
  // Once lapsed, a hold refuses no one.
  await holds.create(shifted("hld_f", other.startMs), 3, other.expiresAtMs);
  kv.close();
});

Deno.test("consumption() fails the commit when a code check was counted after it read the hold", async () => {
  const kv = await Deno.openKv(":memory:");
  const { holds, h } = await oneHold(kv);
  const add = await holds.consumption(h, { now: () => NOW, maxAttempts: 1 })();
  // A wrong guess is counted in between: it reaches the limit of 1.
  assert.equal(await holds.reserveAttempt(h, 1), true);
  assert.equal((await add(kv.atomic()).commit()).ok, false);
  // Read again, the part refuses: no answer for the right code past the limit.
  await assert.rejects(
    holds.consumption(h, { now: () => NOW, maxAttempts: 1 })(),
    InvalidCodeError,
  );
  assert.notEqual(await holds.get(h.id), null, "the hold stays until released or expired");
  kv.close();
});

Deno.test("consumption() refuses a hold that is gone (404) or has lapsed (410)", async () => {
  const kv = await Deno.openKv(":memory:");
  const { holds, h } = await oneHold(kv);
  await assert.rejects(
    holds.consumption(h, { now: () => h.expiresAtMs })(),
    HoldExpiredError,
  );
  await holds.remove(h);
  await assert.rejects(holds.consumption(h, { now: () => NOW })(), NotFoundError);
  kv.close();
});

Deno.test("consumption() declares its reads and takes their entries from the caller: the same refusals and check", async () => {
  const { kv, holds, h } = await twoHolds();
  const part = holds.consumption(h, { now: () => NOW, maxAttempts: 1 });
  assert.deepEqual(part.reads, [patientHoldsKey("pat_1"), holdKey(h.id)]);
  const readNow = () => kv.getMany(part.reads as Deno.KvKey[]);
  // Read before a code check is counted: the commit fails, as when the part reads itself.
  const add = await part(await readNow());
  assert.equal(await holds.reserveAttempt(h, 1), true);
  assert.equal((await add(kv.atomic()).commit()).ok, false);
  await assert.rejects(part(await readNow()), InvalidCodeError);
  const lapsed = holds.consumption(h, { now: () => h.expiresAtMs });
  await assert.rejects(lapsed(await readNow()), HoldExpiredError);
  // Entries that are not those of its reads are a caller's bug, never used.
  await assert.rejects(part((await readNow()).slice(1)), RangeError);
  await holds.remove(h);
  await assert.rejects(holds.consumption(h, { now: () => NOW })(await readNow()), NotFoundError);
  kv.close();
});

/** A confirmed appointment for hold `h`. */
function appointmentOf(h: HoldRecord): AppointmentRecord {
  const { start, end, startMs, endMs } = h;
  return { ...appointment(h.doctorId, h.patientId, 0), start, end, startMs, endMs, holdId: h.id };
}

Deno.test("a booking and a change read the consumed hold with the calendar version, in one getMany", async () => {
  const { kv, holds, h, other } = await twoHolds();
  const appointments = createKvAppointmentStore(kv);
  const getMany = kv.getMany.bind(kv);
  const reads: Deno.KvKey[][] = [];
  kv.getMany = ((keys: Deno.KvKey[], options?: { consistency?: Deno.KvConsistencyLevel }) => {
    reads.push(keys);
    return getMany(keys, options);
  }) as typeof kv.getMany;
  const booked = appointmentOf(h);
  await appointments.book(booked, [], holds.consumption(h, { now: () => NOW, maxAttempts: 5 }));
  assert.deepEqual(reads.map((keys) => keys.slice(1)), [
    [appointmentKey(booked.id), patientHoldsKey("pat_1"), holdKey(h.id)],
  ]);
  assert.equal(await holds.get(h.id), null);
  // A move onto the other hold's time (a reschedule) reads the record and that hold alike.
  reads.length = 0;
  const moved = {
    ...booked,
    start: other.start,
    end: other.end,
    startMs: other.startMs,
    endMs: other.endMs,
    holdId: other.id,
    version: 2,
  };
  await appointments.transition(booked, moved, [], holds.consumption(other, { now: () => NOW }));
  assert.deepEqual(reads.map((keys) => keys.slice(1)), [
    [appointmentKey(booked.id), patientHoldsKey("pat_1"), holdKey(other.id)],
  ]);
  assert.equal(await holds.get(other.id), null);
  assert.deepEqual(await appointments.get(booked.id), moved);
  // A part refusing inside the step refuses the change: nothing is stored.
  await assert.rejects(
    appointments.transition(
      moved,
      { ...moved, version: 3 },
      [],
      holds.consumption(other, { now: () => NOW }),
    ),
    NotFoundError,
  );
  assert.deepEqual(await appointments.get(booked.id), moved);
  kv.close();
});

Deno.test("reserveAttempt() on a hold as get() answered it counts without reading it again", async () => {
  const base = await Deno.openKv(":memory:");
  const { kv, counted } = countingGets(base);
  const { holds, h } = await oneHold(kv);
  const read = await holds.get(h.id);
  assert.ok(read);
  const before = counted.gets;
  assert.equal(await holds.reserveAttempt(read, 3), true);
  assert.equal(counted.gets, before, "no second read of the hold");
  assert.equal((await holds.get(h.id))?.attempts, 1);
  // A record the store did not hand out (the caller's own) is read first, and counted the same.
  const before2 = counted.gets;
  assert.equal(await holds.reserveAttempt(h, 3), true);
  assert.equal(counted.gets, before2 + 1);
  assert.equal((await holds.get(h.id))?.attempts, 2);
  base.close();
});

Deno.test("reserveAttempt() on a stale read never outruns the limit: a count made since is read first", async () => {
  const kv = await Deno.openKv(":memory:");
  const { holds, h } = await oneHold(kv);
  // Two guesses read the hold together, before either is counted.
  const [first, second] = await Promise.all([holds.get(h.id), holds.get(h.id)]);
  assert.ok(first && second);
  assert.equal(await holds.reserveAttempt(first, 1), true);
  assert.equal(await holds.reserveAttempt(second, 1), false, "the limit of 1 was reached");
  assert.equal((await holds.get(h.id))?.attempts, 1);
  // Under a higher limit the stale read still counts once more, on top of the first.
  assert.equal(await holds.reserveAttempt(second, 3), true);
  assert.equal((await holds.get(h.id))?.attempts, 2);
  // Gone: false, whether the read is stale or not.
  await holds.remove(h);
  assert.equal(await holds.reserveAttempt(first, 3), false);
  kv.close();
});

Deno.test("remove() reads each key once: the patient's list is not read twice in its getMany", async () => {
  for (const cellMarks of [false, true]) {
    const base = await Deno.openKv(":memory:");
    const { kv, counted } = countingGets(base);
    const { holds, h } = await oneHold(kv, { cellMarks });
    counted.getManys.length = 0;
    await holds.remove(h);
    assert.equal(await holds.get(h.id), null);
    const keys = counted.getManys.flat().map((k) => JSON.stringify(k));
    assert.ok(keys.includes(JSON.stringify(patientHoldsKey("pat_1"))), `cellMarks ${cellMarks}`);
    assert.equal(new Set(keys).size, keys.length, `cellMarks ${cellMarks}: ${keys.join(" ")}`);
    // The slot is free again, and with cell marks their marks are gone.
    await holds.create(hold("hld_b", h.startMs), 3, NOW);
    base.close();
  }
});
