/**
 * A rolling deploy runs an older version, which guards a doctor's time by per-5-minute-cell keys
 * alone, beside this one on one KV. With `cellMarks` the KV stores keep those keys exactly as the
 * older version did (src/stores/kv/cell_marks.ts); `olderSees*` below read them the way it did, so
 * these fail if a booking or hold of this version would be invisible to it. Without `cellMarks`
 * no cell key is written at all.
 */
import assert from "node:assert/strict";
import { startAppWithDoctor } from "../_harness/app.ts";
import { book, holdSlot } from "../_harness/book.ts";
import { createKvAppointmentStore } from "../../src/stores/kv/appointment_store.ts";
import { createKvHoldStore } from "../../src/stores/kv/hold_store.ts";
import { claimKey, holdCellKey } from "../../src/stores/kv/keys.ts";
import { getManyChunked } from "../../src/stores/kv/kv_commit.ts";
import type { HoldRecord } from "../../src/stores/ports.ts";
import { CELL_MS, cellsOf } from "../../src/stores/records.ts";
import { appointment as fixture, moved, T0 } from "../contract/_fixtures.ts";

const NOW = T0 - 3_600_000;
const AT = T0;
const HALF_HOUR = 30 * 60_000;

/** A confirmed appointment with doc_1 of `minutes` from `startMs` (on the grid from T0). */
const appointment = (id: string, startMs: number, minutes = 30) =>
  fixture("doc_1", "pat_1", (startMs - T0) / 60_000, minutes, { id });

function hold(id: string, startMs: number, patientId = "pat_1"): HoldRecord {
  return {
    id,
    doctorId: "doc_1",
    patientId,
    start: new Date(startMs).toISOString(),
    end: new Date(startMs + HALF_HOUR).toISOString(),
    startMs,
    endMs: startMs + HALF_HOUR,
    expiresAtMs: NOW + 300_000,
    codeHash: "x",
    attempts: 0,
    createdAt: new Date(NOW).toISOString(),
  };
}

/** The appointment ids an older version finds claiming the cells of [startMs, endMs). */
async function olderSeesClaims(kv: Deno.Kv, startMs: number, endMs: number) {
  const entries = await getManyChunked<string>(
    kv,
    cellsOf(startMs, endMs).map((c) => claimKey("doc_1", c)),
  );
  return entries.map((e) => e.value);
}

/** The hold ids an older version finds marking the cells of [startMs, endMs) live at `nowMs`. */
async function olderSeesHolds(kv: Deno.Kv, startMs: number, endMs: number, nowMs = NOW) {
  const entries = await getManyChunked<{ holdId: string; expiresAtMs: number }>(
    kv,
    cellsOf(startMs, endMs).map((c) => holdCellKey("doc_1", c)),
  );
  return entries.map((e) => (e.value && e.value.expiresAtMs > nowMs ? e.value.holdId : null));
}

async function cellKeyCount(kv: Deno.Kv) {
  let n = 0;
  for (const prefix of [["claim"], ["hold_cell"]]) {
    for await (const _ of kv.list({ prefix })) n++;
  }
  return n;
}

Deno.test("with cell marks, bookings claim their cells as an older version did, and moves and cancels free them", async () => {
  const kv = await Deno.openKv(":memory:");
  const appointments = createKvAppointmentStore(kv, { cellMarks: true });
  const a = await appointments.book(appointment("apt_a", AT, 60), []);
  assert.deepEqual(await olderSeesClaims(kv, AT, AT + 60 * 60_000), Array(12).fill("apt_a"));

  // Rescheduled half an hour on: the first half is free again, the next half claimed.
  const later = moved(a, { offsetMinutes: 30 });
  await appointments.transition(a, later);
  assert.deepEqual(await olderSeesClaims(kv, AT, AT + HALF_HOUR), Array(6).fill(null));
  assert.deepEqual(
    await olderSeesClaims(kv, AT + HALF_HOUR, AT + 90 * 60_000),
    Array(12).fill("apt_a"),
  );

  await appointments.transition(later, moved(later, { status: "cancelled" }));
  assert.deepEqual(await olderSeesClaims(kv, AT, AT + 90 * 60_000), Array(18).fill(null));
  kv.close();
});

Deno.test("with cell marks, holds mark their cells as an older version did; a release frees them, a booking leaves them to lapse", async () => {
  const kv = await Deno.openKv(":memory:");
  const holds = createKvHoldStore(kv, { cellMarks: true });
  const released = hold("hld_a", AT);
  const booked = hold("hld_b", AT + 2 * HALF_HOUR);
  await holds.create(released, 3, NOW);
  await holds.create(booked, 3, NOW);
  assert.deepEqual(await olderSeesHolds(kv, AT, AT + HALF_HOUR), Array(6).fill("hld_a"));

  await holds.remove(released);
  assert.deepEqual(await olderSeesHolds(kv, AT, AT + HALF_HOUR), Array(6).fill(null));

  const add = await holds.consumption(booked, { now: () => NOW })();
  assert.equal((await add(kv.atomic()).commit()).ok, true);
  // The older version reads the booked time as held until the hold would have lapsed.
  const bookedCells = [booked.startMs, booked.endMs] as const;
  assert.deepEqual(await olderSeesHolds(kv, ...bookedCells), Array(6).fill("hld_b"));
  assert.deepEqual(
    await olderSeesHolds(kv, ...bookedCells, booked.expiresAtMs),
    Array(6).fill(null),
  );
  kv.close();
});

Deno.test("with cell marks, a release deletes only marks that are still its own", async () => {
  const kv = await Deno.openKv(":memory:");
  const holds = createKvHoldStore(kv, { cellMarks: true });
  const lapsed = hold("hld_a", AT);
  await holds.create(lapsed, 3, NOW);
  // Once lapsed, another patient holds the same slot; then the lapsed hold is released.
  const later = { ...hold("hld_b", AT, "pat_2"), expiresAtMs: lapsed.expiresAtMs + 300_000 };
  await holds.create(later, 3, lapsed.expiresAtMs);
  await holds.remove(lapsed);
  assert.deepEqual(
    await olderSeesHolds(kv, AT, AT + HALF_HOUR, lapsed.expiresAtMs),
    Array(6).fill("hld_b"),
  );
  kv.close();
});

Deno.test("without cell marks, bookings and holds write no cell key", async () => {
  const kv = await Deno.openKv(":memory:");
  const appointments = createKvAppointmentStore(kv);
  const holds = createKvHoldStore(kv);
  const h = hold("hld_a", AT);
  await holds.create(h, 3, NOW);
  const a = await appointments.book(appointment("apt_a", AT + 4 * CELL_MS * 6), []);
  await appointments.transition(a, moved(a, { offsetMinutes: 150 }));
  await holds.remove(h);
  assert.equal(await cellKeyCount(kv), 0);
  kv.close();
});

Deno.test("a booking or hold of an older version (cell keys beside the index) refuses an overlapping one here", async () => {
  const kv = await Deno.openKv(":memory:");
  // What the older version wrote: the same records and indexes, plus the cell keys.
  const older = createKvAppointmentStore(kv, { cellMarks: true });
  const olderHolds = createKvHoldStore(kv, { cellMarks: true });
  await older.book(appointment("apt_a", AT), []);
  await olderHolds.create(hold("hld_a", AT + 2 * HALF_HOUR), 3, NOW);
  const appointments = createKvAppointmentStore(kv);
  const holds = createKvHoldStore(kv);
  await assert.rejects(appointments.book(appointment("apt_b", AT + 15 * 60_000), []));
  await assert.rejects(
    holds.create(hold("hld_b", AT + 2 * HALF_HOUR + 15 * 60_000, "pat_2"), 3, NOW),
  );
  kv.close();
});

Deno.test("KV_CELL_MARKS=true reaches the app's stores: a booked and a held slot carry their cell keys", async () => {
  for (const marks of ["true", "false"]) {
    await using app = await startAppWithDoctor({
      KV_CELL_MARKS: marks,
      RATE_LIMIT_DISABLED: "true",
    });
    const { api, doctor, patient, slots, runtime } = app;
    const booked = await book(api, patient, doctor.id, slots[0].start);
    const { holdId } = await holdSlot(api, patient, doctor.id, slots[2].start);
    const claims: unknown[] = [];
    const cells: unknown[] = [];
    for await (const e of runtime.kv.list({ prefix: ["claim", doctor.id] })) claims.push(e.value);
    for await (
      const e of runtime.kv.list<{ holdId: string }>({ prefix: ["hold_cell", doctor.id] })
    ) {
      cells.push(e.value.holdId);
    }
    const slotCells = (Date.parse(slots[0].end) - Date.parse(slots[0].start)) / CELL_MS;
    if (marks === "true") {
      assert.deepEqual(claims, Array(slotCells).fill(booked.appointment.id));
      // The confirmed hold's cells lapse on their own; the live hold's are there.
      assert.deepEqual(cells.filter((id) => id === holdId).length, slotCells);
    } else {
      assert.deepEqual([claims, cells], [[], []]);
    }
  }
});
