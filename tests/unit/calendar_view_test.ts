/**
 * The in-process calendar view on a real in-memory KV with the real hold and record stores:
 * reloads when the doctor's calendar or record changes, drops a hold that merely expired without
 * any write, and reuses a memoised value only under the same versions and before its deadline.
 */
import assert from "node:assert/strict";
import {
  announceDoctorUpdates,
  bumpCalendar,
  calendarVersionOf,
} from "../../src/stores/kv/calendar.ts";
import {
  type CalendarViewOptions,
  createKvCalendarView,
} from "../../src/stores/kv/calendar_view.ts";
import { createKvHoldStore } from "../../src/stores/kv/hold_store.ts";
import { createKvRecordStores } from "../../src/stores/kv/record_stores.ts";
import { SlotUnavailableError } from "../../src/errors.ts";
import type { HoldRecord, HoldStore, RecordStores } from "../../src/stores/ports.ts";
import type { AppointmentRecord, DoctorRecord } from "../../src/stores/records.ts";

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

/** A view reading the real record and hold stores on their KV. */
function viewOver(
  kv: Deno.Kv,
  records: RecordStores,
  holds: HoldStore,
  options?: CalendarViewOptions,
) {
  return createKvCalendarView(kv, {
    doctors: records.doctors,
    appointments: records.appointments,
    holds,
  }, options);
}

async function setup(options?: CalendarViewOptions) {
  const kv = await Deno.openKv(":memory:");
  const records = createKvRecordStores(kv);
  const holds = createKvHoldStore(kv);
  const view = viewOver(kv, records, holds, options);
  await records.doctors.create(doctor("d1"));
  return { kv, records, holds, view };
}

function appointmentFrom(h: HoldRecord, id: string): AppointmentRecord {
  return {
    id,
    schemaVersion: 1,
    doctorId: h.doctorId,
    patientId: h.patientId,
    start: h.start,
    end: h.end,
    startMs: h.startMs,
    endMs: h.endMs,
    status: "confirmed",
    reasonSealed: null,
    notesSealed: null,
    cancelReasonSealed: null,
    cancelledBy: null,
    holdId: h.id,
    online: false,
    createdAt: new Date(T0).toISOString(),
    updatedAt: new Date(T0).toISOString(),
    version: 1,
  };
}

/** A view following its own commits, with its loads counted, and a plain one on the same KV. */
function followingView(
  kv: Deno.Kv,
  records: RecordStores,
  holds: HoldStore,
  follow: CalendarViewOptions["follow"] = "kv-records",
) {
  const loads = { doctor: 0, busy: 0, active: 0 };
  const view = createKvCalendarView(kv, {
    doctors: { get: (id) => (loads.doctor++, records.doctors.get(id)) },
    appointments: {
      busy: async (...a) => {
        loads.busy++;
        const busy = await records.appointments.busy(...a);
        // MongoDB's busy index gives intervals without appointment ids.
        return follow === "records-outside-kv"
          ? busy.map(({ startMs, endMs }) => ({ startMs, endMs }))
          : busy;
      },
    },
    holds: { active: (...a) => (loads.active++, holds.active(...a)) },
  }, { follow });
  const plain = viewOver(kv, records, holds);
  return { view, plain, loads };
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

Deno.test("createKvCalendarView() keeps memos within its byte budget over all doctors, oldest out first", async () => {
  // Each memo below counts 10,000 bytes plus the 4,096 of its keeping: three fit in 45,000.
  const { kv, records, holds, view } = await setup({ memoBudgetBytes: 45_000 });
  try {
    for (const id of ["d2", "d3", "d4"]) await records.doctors.create(doctor(id));
    const computed: string[] = [];
    const memo = async (id: string, key: string) => {
      const calendar = (await view.read(id))!;
      return await calendar.memo(`${key}`, T0, () => {
        computed.push(`${id}/${key}`);
        return Promise.resolve({ value: `${id}/${key}`, validUntilMs: T0 + 60_000, bytes: 10_000 });
      });
    };
    const reused = async (id: string, key: string) => (await view.read(id))!.reused(key, T0);
    await memo("d1", "a");
    await memo("d2", "a");
    await memo("d3", "a");
    assert.equal(await reused("d1", "a"), "d1/a", "three fit");
    await memo("d4", "a"); // over the budget: d1's, the oldest kept, goes
    assert.equal(await reused("d1", "a"), undefined);
    for (const id of ["d2", "d3", "d4"]) assert.equal(await reused(id, "a"), `${id}/a`);
    assert.equal(await memo("d1", "a"), "d1/a", "asked again, computed again");
    assert.deepEqual(computed, ["d1/a", "d2/a", "d3/a", "d4/a", "d1/a"]);
    assert.equal(await reused("d2", "a"), undefined, "and d2's went for it");
    // A memo outdated by a new calendar version stops counting: its doctor's new one fits beside
    // the three others without pushing one out.
    // (d1's is the newest kept: were the outdated one still counted, d3's would go.)
    await holds.create(hold("h1", "d1", T0 + 28 * HOUR, T0 + 10 * 60_000), 3, T0);
    assert.equal(await memo("d1", "a"), "d1/a");
    assert.equal(computed.at(-1), "d1/a", "a new version computes afresh");
    for (const id of ["d3", "d4", "d1"]) assert.equal(await reused(id, "a"), `${id}/a`);
    // A value without a size still counts its keeping: 20 of them fit in the budget, not 21.
    const small = viewOver(kv, records, holds, { memoBudgetBytes: 20 * 4096 });
    const c1 = (await small.read("d1"))!;
    const c2 = (await small.read("d2"))!;
    for (let i = 0; i < 16; i++) {
      await c1.memo(`k${i}`, T0, () => Promise.resolve({ value: i, validUntilMs: T0 + 60_000 }));
    }
    for (let i = 0; i < 5; i++) {
      await c2.memo(`k${i}`, T0, () => Promise.resolve({ value: i, validUntilMs: T0 + 60_000 }));
    }
    assert.equal(c1.reused("k0", T0), undefined, "the oldest of 21 went");
    assert.equal(c1.reused("k1", T0), 1);
    assert.equal(c2.reused("k4", T0), 4);
  } finally {
    kv.close();
  }
});

Deno.test("createKvCalendarView({ follow: 'kv-records' }) moves with this process's hold, confirm, cancel and release without reloading, and equals a reload after each", async () => {
  const { kv, records, holds } = await setup();
  const { view, plain, loads } = followingView(kv, records, holds);
  try {
    const from = T0 + 24 * HOUR;
    const to = from + 24 * HOUR;
    const busyOf = async (v: typeof view, nowMs = T0) =>
      (await (await v.read("d1"))!.busy(from, to, nowMs)).map((b) => [b.startMs, b.expiresAtMs])
        .sort((a, b) => a[0]! - b[0]!); // order is free: the slot maths sorts
    const same = async () => {
      const followed = await busyOf(view);
      assert.deepEqual(followed, await busyOf(plain));
      return followed;
    };
    assert.deepEqual(await same(), []);
    const loaded = { ...loads };
    const h1 = hold("f1", "d1", from + 2 * HOUR, T0 + 10 * 60_000);
    const h2 = hold("f2", "d1", from + 5 * HOUR, T0 + 10 * 60_000);
    await holds.create(h1, 3, T0);
    await holds.create(h2, 3, T0);
    assert.deepEqual(await same(), [[h1.startMs, h1.expiresAtMs], [h2.startMs, h2.expiresAtMs]]);
    // Confirm h1 (the hold consumed in the booking's commit), release h2, cancel the booking.
    const booked = appointmentFrom(h1, "a1");
    await records.appointments.book(booked, [], holds.consumption(h1, { now: () => T0 }));
    assert.deepEqual(await same(), [[h1.startMs, undefined], [h2.startMs, h2.expiresAtMs]]);
    await holds.remove(h2);
    assert.deepEqual(await same(), [[h1.startMs, undefined]]);
    await records.appointments.transition(booked, {
      ...booked,
      status: "cancelled",
      cancelledBy: "patient",
      version: 2,
    });
    assert.deepEqual(await same(), []);
    assert.deepEqual(loads, loaded, "no reload for this process's own commits");
    // A change of the doctor's record is not followed: the view loads the record again.
    await records.doctors.update({ ...doctor("d1"), version: 2, city: "Kochi" });
    assert.equal((await view.read("d1"))!.doctor.city, "Kochi");
    assert.equal(loads.doctor, loaded.doctor + 1);
  } finally {
    kv.close();
  }
});

/**
 * Two handles on one fresh KV file (this instance's and another's), this one's records and holds,
 * and doctor d1; removed after `use`.
 */
async function onSharedFile(
  use: (shared: {
    kv: Deno.Kv;
    other: Deno.Kv;
    records: ReturnType<typeof createKvRecordStores>;
    holds: ReturnType<typeof createKvHoldStore>;
  }) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/shared.kv`;
  const kv = await Deno.openKv(path);
  const other = await Deno.openKv(path);
  try {
    const records = createKvRecordStores(kv);
    const holds = createKvHoldStore(kv);
    await records.doctors.create(doctor("d1"));
    await use({ kv, other, records, holds });
  } finally {
    other.close();
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("createKvCalendarView({ follow: 'kv-records' }) reloads after another process's commit on the same KV", async () => {
  await onSharedFile(async ({ kv, other, records, holds }) => {
    const { view, loads } = followingView(kv, records, holds);
    const from = T0 + 24 * HOUR;
    const to = from + 24 * HOUR;
    assert.deepEqual(await (await view.read("d1"))!.busy(from, to, T0), []);
    await holds.create(hold("o1", "d1", from + HOUR, T0 + 10 * 60_000), 3, T0);
    const before = loads.active;
    // The same commit through another handle (another instance): only its version is seen.
    const h = hold("o2", "d1", from + 3 * HOUR, T0 + 10 * 60_000);
    await createKvHoldStore(other).create(h, 3, T0);
    const busy = await (await view.read("d1"))!.busy(from, to, T0);
    assert.deepEqual(busy.map((b) => b.startMs), [from + HOUR, h.startMs]);
    assert.equal(loads.active, before + 1);
  });
});

Deno.test("createKvCalendarView({ follow: 'records-outside-kv' }) applies this process's new holds and announced bookings, reloads busy time (not the doctor) after other announcements, and the doctor after its update", async () => {
  const kv = await Deno.openKv(":memory:");
  // The records live in another store (as on MongoDB): their writes never touch `kv`'s calendar.
  const outsideKv = await Deno.openKv(":memory:");
  try {
    const records = announceDoctorUpdates(createKvRecordStores(outsideKv), kv);
    const holds = createKvHoldStore(kv);
    await records.doctors.create(doctor("d1"));
    const { view, plain, loads } = followingView(kv, records, holds, "records-outside-kv");
    const from = T0 + 24 * HOUR;
    const to = from + 24 * HOUR;
    const busyOf = async (v: typeof view) =>
      (await (await v.read("d1"))!.busy(from, to, T0)).map((b) => [b.startMs, b.expiresAtMs])
        .sort((a, b) => a[0]! - b[0]!);
    const same = async () => {
      const followed = await busyOf(view);
      assert.deepEqual(followed, await busyOf(plain));
      return followed;
    };
    /** A cancel stored outside KV, announced (as the writer does) by a bare bump. */
    const cancelOutsideKv = async (a: AppointmentRecord, by: "patient" | "doctor") => {
      await records.appointments.transition(a, {
        ...a,
        status: "cancelled",
        cancelledBy: by,
        version: 2,
      });
      await bumpCalendar(kv, "d1");
    };
    assert.deepEqual(await same(), []);
    const loaded = { ...loads };
    const h1 = hold("m1", "d1", from + 2 * HOUR, T0 + 10 * 60_000);
    await holds.create(h1, 3, T0);
    assert.deepEqual(await same(), [[h1.startMs, h1.expiresAtMs]]);
    assert.deepEqual(loads, loaded, "a new hold of this process is applied, not reloaded");
    // A booking stored outside KV, announced by dropping the hold it consumed, without saying
    // what it booked: the busy time reloads.
    const booked = appointmentFrom(h1, "m-a1");
    await records.appointments.book(booked, []);
    await holds.remove(h1);
    assert.deepEqual(await same(), [[h1.startMs, undefined]]);
    assert.equal(loads.busy, loaded.busy + 1, "the drop announces a booking: busy time reloads");
    assert.equal(loads.doctor, loaded.doctor, "the doctor's record is kept");
    // The same announced with the booking: added from memory (once, though the load had it).
    const h2 = hold("m2", "d1", from + 6 * HOUR, T0 + 10 * 60_000);
    await holds.create(h2, 3, T0);
    const second = appointmentFrom(h2, "m-a2");
    const since2 = await calendarVersionOf(kv, "d1");
    await records.appointments.book(second, []);
    await holds.remove(h2, {
      announces: {
        booked: {
          intervals: [{ startMs: h2.startMs, endMs: h2.endMs, id: "m-a2" }],
          since: since2,
        },
      },
    });
    assert.deepEqual(await same(), [[h1.startMs, undefined], [h2.startMs, undefined]]);
    // A bare bump announcing a booking the load has already read adds nothing twice.
    await bumpCalendar(kv, "d1", {
      booked: {
        intervals: [{ startMs: h1.startMs, endMs: h1.endMs, id: "m-a1" }],
        since: await calendarVersionOf(kv, "d1"),
      },
    });
    assert.deepEqual(await same(), [[h1.startMs, undefined], [h2.startMs, undefined]]);
    assert.equal(loads.busy, loaded.busy + 1, "announced bookings are added, not reloaded");
    await cancelOutsideKv(second, "patient");
    assert.deepEqual(await same(), [[h1.startMs, undefined]]);
    assert.equal(loads.busy, loaded.busy + 2, "a cancel reloads");
    await cancelOutsideKv(booked, "patient");
    assert.deepEqual(await same(), []);
    assert.equal(loads.busy, loaded.busy + 3);
    assert.equal(loads.doctor, loaded.doctor);
    // A booking cancelled (elsewhere, announced by a bare bump) between its store write and its
    // own announcement: the announcement no longer holds, and the freed slot stays offered.
    const h3 = hold("m3", "d1", from + 9 * HOUR, T0 + 10 * 60_000);
    await holds.create(h3, 3, T0);
    const third = appointmentFrom(h3, "m-a3");
    const since3 = await calendarVersionOf(kv, "d1");
    await records.appointments.book(third, []);
    await cancelOutsideKv(third, "doctor");
    // The view loads after the cancel (the hold is still there), then the announcement comes.
    assert.deepEqual(await same(), [[h3.startMs, h3.expiresAtMs]]);
    await holds.remove(h3, {
      announces: {
        booked: {
          intervals: [{ startMs: h3.startMs, endMs: h3.endMs, id: "m-a3" }],
          since: since3,
        },
      },
    });
    assert.deepEqual(await same(), [], "a cancel between write and announcement frees the slot");
    // A doctor update announced as such reloads the record.
    await records.doctors.update({ ...doctor("d1"), version: 2, city: "Kochi" });
    assert.equal((await view.read("d1"))!.doctor.city, "Kochi");
    assert.equal(loads.doctor, loaded.doctor + 1);
  } finally {
    outsideKv.close();
    kv.close();
  }
});

Deno.test("createKvCalendarView({ follow: 'kv-records' }) reads holds before appointments: a hold confirmed between the two reads is still busy", async () => {
  await using kv = await Deno.openKv(":memory:");
  const from = T0 + 24 * HOUR;
  const h = hold("c1", "d1", from + 2 * HOUR, T0 + 10 * 60_000);
  const appointment = appointmentFrom(h, "a1");
  // Another instance's confirm (the hold becomes the appointment, one commit) lands right after
  // whichever of the view's two busy-time reads answers first.
  let confirmed = false;
  let armed = false;
  const answered = <T>(value: T) => {
    if (armed) confirmed = true;
    return Promise.resolve(value);
  };
  const view = createKvCalendarView(kv, {
    doctors: { get: () => Promise.resolve(doctor("d1")) },
    appointments: { busy: () => answered(confirmed ? [appointment] : []) },
    holds: { active: () => answered(confirmed ? [] : [h]) },
  }, { follow: "kv-records" });
  const calendar = (await view.read("d1"))!;
  armed = true;
  const busy = await calendar.busy(from, from + 24 * HOUR, T0);
  assert.ok(confirmed, "the confirm did not land between the reads");
  assert.ok(busy.some((b) => b.startMs === h.startMs), "a slot held, then booked, was offered");
});

/** `kv` with every `list` counted by its key space. */
function listCounting(kv: Deno.Kv) {
  const lists: string[] = [];
  const counted = new Proxy(kv, {
    get(target, prop) {
      if (prop === "list") {
        return (selector: Deno.KvListSelector, options?: Deno.KvListOptions) => {
          const key = "prefix" in selector ? selector.prefix : selector.start;
          lists.push(String(key[0]));
          return target.list(selector, options);
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { kv: counted, lists };
}

Deno.test("createKvCalendarView({ follow: 'kv-records' }) hands a step on a calendar the busy time it holds at the step's version: the double-booking guards list nothing, and still refuse", async () => {
  const raw = await Deno.openKv(":memory:");
  const { kv, lists } = listCounting(raw);
  try {
    const records = createKvRecordStores(kv);
    const holds = createKvHoldStore(kv);
    await records.doctors.create(doctor("d1"));
    const { view } = followingView(kv, records, holds);
    const from = T0 + 24 * HOUR;
    // A hold lapsing at T0 + 10 min, left out by a view loaded at T0 + 20 min.
    const early = hold("k0", "d1", from, T0 + 10 * 60_000);
    await holds.create(early, 3, T0);
    const now = T0 + 20 * 60_000;
    await (await view.read("d1"))!.busy(from, from + 24 * HOUR, now);
    lists.length = 0;
    // A step whose clock reads earlier, when that hold was live, is not handed the view's.
    await assert.rejects(holds.create(hold("kx", "d1", from, now), 3, T0), SlotUnavailableError);
    assert.deepEqual(lists, ["hold_by_doctor"]);
    lists.length = 0;
    const lapse = now + 10 * 60_000;
    const h1 = hold("k1", "d1", from + HOUR, lapse);
    await holds.create(h1, 3, now);
    await assert.rejects(
      holds.create(hold("k2", "d1", from + HOUR + 15 * 60_000, lapse), 3, now),
      SlotUnavailableError,
    );
    await records.appointments.book(
      appointmentFrom(h1, "a1"),
      [],
      holds.consumption(h1, { now: () => now }),
    );
    await assert.rejects(
      records.appointments.book(appointmentFrom(hold("k3", "d1", from + HOUR, lapse), "a2")),
      SlotUnavailableError,
    );
    // Time free in the view is taken as free (the lapsed hold's too).
    await holds.create(hold("k4", "d1", from + 3 * HOUR, lapse), 3, now);
    await holds.create(hold("k5", "d1", from, lapse), 3, now);
    assert.deepEqual(lists, [], "no index listed: the view knew the busy time at each version");
  } finally {
    raw.close();
  }
});

Deno.test("createKvCalendarView({ follow: 'kv-records' }) behind another process's commit hands a step nothing: the guards list the index and refuse what that commit took", async () => {
  await onSharedFile(async ({ kv, other, records, holds }) => {
    const { view } = followingView(kv, records, holds);
    const from = T0 + 24 * HOUR;
    await (await view.read("d1"))!.busy(from, from + 24 * HOUR, T0);
    const lapse = T0 + 10 * 60_000;
    // Another instance holds one time and books another: this view still holds the version before.
    await createKvHoldStore(other).create(hold("o1", "d1", from + HOUR, lapse), 3, T0);
    const taken = hold("o2", "d1", from + 3 * HOUR, lapse);
    await createKvRecordStores(other).appointments.book(appointmentFrom(taken, "b1"));
    await assert.rejects(
      holds.create(hold("m1", "d1", from + HOUR, lapse), 3, T0),
      SlotUnavailableError,
    );
    await assert.rejects(
      records.appointments.book(appointmentFrom(hold("m2", "d1", from + 3 * HOUR, lapse), "b2")),
      SlotUnavailableError,
    );
  });
});
