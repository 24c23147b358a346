/**
 * The in-process calendar view on a real in-memory KV with the real hold and record stores:
 * reloads when the doctor's calendar or record changes, drops a hold that merely expired without
 * any write, and reuses a memoised value only under the same versions and before its deadline.
 */
import assert from "node:assert/strict";
import { createKvCalendarView } from "../../src/stores/kv/calendar_view.ts";
import { createKvHoldStore } from "../../src/stores/kv/hold_store.ts";
import { createKvRecordStores } from "../../src/stores/kv/record_stores.ts";
import type { HoldRecord } from "../../src/stores/ports.ts";
import type { DoctorRecord } from "../../src/stores/records.ts";

const T0 = Date.parse("2026-12-01T00:00:00.000Z");
const HOUR = 3_600_000;

function doctor(id: string): DoctorRecord {
  return {
    id,
    schemaVersion: 1,
    name: "Dr. View",
    phoneIndex: `idx-${id}`,
    phoneSealed: "sealed",
    specializations: ["Kayachikitsa"],
    languages: ["en"],
    city: "Pune",
    timezone: "Asia/Kolkata",
    fee: null,
    bio: null,
    schedule: {
      weekly: [],
      overrides: [],
      slotMinutes: 30,
      bufferMinutes: 0,
      minNoticeMinutes: 0,
      horizonDays: 60,
      maxPerDay: null,
    },
    createdAt: new Date(T0).toISOString(),
    updatedAt: new Date(T0).toISOString(),
    version: 1,
  };
}

function hold(id: string, doctorId: string, startMs: number, expiresAtMs: number): HoldRecord {
  return {
    id,
    doctorId,
    patientId: `patient-${id}`,
    start: new Date(startMs).toISOString(),
    end: new Date(startMs + HOUR / 2).toISOString(),
    startMs,
    endMs: startMs + HOUR / 2,
    expiresAtMs,
    codeHash: "x",
    attempts: 0,
    createdAt: new Date(T0).toISOString(),
  };
}

async function setup() {
  const kv = await Deno.openKv(":memory:");
  const records = createKvRecordStores(kv);
  const holds = createKvHoldStore(kv);
  const view = createKvCalendarView(kv, {
    doctors: records.doctors,
    appointments: records.appointments,
    holds,
  });
  await records.doctors.create(doctor("d1"));
  return { kv, records, holds, view };
}

Deno.test("createKvCalendarView() sees a new hold after its commit and forgets it once released", async () => {
  const { kv, holds, view } = await setup();
  try {
    const from = T0 + 24 * HOUR;
    const to = from + 24 * HOUR;
    assert.deepEqual(await (await view.read("d1"))!.busy(from, to, T0), []);
    const h = hold("h1", "d1", from + 4 * HOUR, T0 + 10 * 60_000);
    await holds.create(h, 3, T0);
    const busy = await (await view.read("d1"))!.busy(from, to, T0);
    assert.deepEqual(busy.map((b) => b.startMs), [h.startMs]);
    await holds.remove(h);
    assert.deepEqual(await (await view.read("d1"))!.busy(from, to, T0), []);
    assert.equal(await view.read("nobody"), null);
  } finally {
    kv.close();
  }
});

Deno.test("createKvCalendarView() drops a hold that expired without any write", async () => {
  const { kv, holds, view } = await setup();
  try {
    const from = T0 + 24 * HOUR;
    const h = hold("h2", "d1", from + HOUR, T0 + 10 * 60_000);
    await holds.create(h, 3, T0);
    const calendar = (await view.read("d1"))!;
    assert.equal((await calendar.busy(from, from + HOUR * 24, T0)).length, 1);
    const later = (await view.read("d1"))!;
    assert.equal((await later.busy(from, from + HOUR * 24, h.expiresAtMs)).length, 0);
  } finally {
    kv.close();
  }
});

Deno.test("createKvCalendarView() memo is reused under the same versions until its deadline", async () => {
  const { kv, records, view } = await setup();
  try {
    let computed = 0;
    let deadline = T0 + 1000;
    const compute = () => Promise.resolve({ value: ++computed, validUntilMs: deadline });
    assert.equal(await (await view.read("d1"))!.memo("k", T0, compute), 1);
    assert.equal(await (await view.read("d1"))!.memo("k", T0 + 999, compute), 1);
    deadline = T0 + 60_000;
    assert.equal(await (await view.read("d1"))!.memo("k", T0 + 1000, compute), 2);
    assert.equal(await (await view.read("d1"))!.memo("k", T0 + 1001, compute), 2);
    // A profile or hours change moves the doctor's record, not the calendar: still a reload.
    await records.doctors.update({ ...doctor("d1"), version: 2, city: "Kochi" });
    const changed = (await view.read("d1"))!;
    assert.equal(changed.doctor.city, "Kochi");
    assert.equal(await changed.memo("k", T0 + 1002, compute), 3);
  } finally {
    kv.close();
  }
});
