/**
 * One contract for every records adapter: the same cases run against Deno KV (in memory) and
 * MongoDB (FerretDB started by the harness, or `MONGODB_URI`), each case on fresh, empty stores.
 */
import assert from "node:assert/strict";
import { ConflictError, SlotUnavailableError, ValidationError } from "../../src/errors.ts";
import { encodeCursor } from "../../src/stores/cursor.ts";
import type { RecordStores } from "../../src/stores/ports.ts";
import type { AppointmentRecord } from "../../src/stores/records.ts";
import { createKvRecordStores } from "../../src/stores/kv/record_stores.ts";
import { createMongoRecordStores } from "../../src/stores/mongo/record_stores.ts";
import { startDenoKv, type TestDenoKv } from "../_harness/denokv.ts";
import { startFerretDb, storeOptions, type TestMongo } from "../_harness/ferretdb.ts";
import {
  appointment,
  confirmedEnvelope,
  doctor,
  id,
  MINUTE_MS,
  moved,
  patient,
  T0,
} from "./_fixtures.ts";

export function recordStoreContract(name: string, makeStores: () => Promise<RecordStores>) {
  function test(title: string, fn: (stores: RecordStores) => Promise<void>) {
    Deno.test(`${name}: ${title}`, async () => {
      const stores = await makeStores();
      try {
        await fn(stores);
      } finally {
        await stores.close();
      }
    });
  }

  async function rejectsWith(promise: Promise<unknown>, code: string) {
    await assert.rejects(promise, (err) => err instanceof ConflictError && err.code === code);
  }

  test("doctors.create() stores a doctor that get() and findByPhoneIndex() return", async (s) => {
    const d = doctor();
    await s.doctors.create(d);
    assert.deepEqual(await s.doctors.get(d.id), d);
    assert.deepEqual(await s.doctors.findByPhoneIndex(d.phoneIndex), d);
    assert.equal(await s.doctors.get(id("doc")), null);
    assert.equal(await s.doctors.findByPhoneIndex("unknown"), null);
  });

  test("doctors.create() refuses a second doctor with the same phone", async (s) => {
    const d = doctor();
    await s.doctors.create(d);
    await rejectsWith(s.doctors.create(doctor({ phoneIndex: d.phoneIndex })), "doctor_exists");
  });

  test("doctors.update() compares versions", async (s) => {
    const d = doctor();
    await s.doctors.create(d);
    const next = { ...d, city: "Thrissur", languages: ["hi"], version: 2 };
    await s.doctors.update(next);
    assert.deepEqual(await s.doctors.get(d.id), next);
    await rejectsWith(s.doctors.update({ ...d, name: "stale", version: 2 }), "version_conflict");
    assert.equal((await s.doctors.search({ city: "Kochi" }, 10)).items.length, 0);
    assert.deepEqual((await s.doctors.search({ language: "hi" }, 10)).items, [next]);
  });

  test("doctors.search() filters by specialization, language, city and name", async (s) => {
    const a = doctor({ name: "Dr. Asha Menon", specializations: ["panchakarma", "nadi"] });
    const b = doctor({ name: "Dr. Ravi Nair", languages: ["hi"], city: "Pune" });
    const c = doctor({ name: "Dr. M.K. Rao", specializations: ["kayachikitsa"], city: "Pune" });
    for (const d of [a, b, c]) await s.doctors.create(d);
    const ids = async (f: Parameters<RecordStores["doctors"]["search"]>[0]) =>
      (await s.doctors.search(f, 10)).items.map((d) => d.id);
    assert.deepEqual(await ids({}), [a.id, b.id, c.id]);
    assert.deepEqual(await ids({ specialization: "nadi" }), [a.id]);
    assert.deepEqual(await ids({ specialization: "panchakarma" }), [a.id, b.id]);
    assert.deepEqual(await ids({ language: "ml" }), [a.id, c.id]);
    assert.deepEqual(await ids({ city: "Pune" }), [b.id, c.id]);
    assert.deepEqual(await ids({ city: "Pune", language: "hi" }), [b.id]);
    assert.deepEqual(await ids({ q: "NAIR" }), [b.id]);
    assert.deepEqual(await ids({ q: "m.k." }), [c.id]);
    assert.deepEqual(await ids({ q: "m.." }), [], "q is a substring, not a pattern");
    assert.deepEqual(await ids({ q: "dr.", city: "Kochi" }), [a.id]);
    assert.deepEqual(await ids({ specialization: "NADI" }), [a.id], "filters ignore case");
    assert.deepEqual(await ids({ city: "pune", language: "HI" }), [b.id]);
    assert.deepEqual(await s.doctors.get(a.id), a, "stored search copies never leak out");
  });

  test("doctors.search() pages by cursor without gaps or repeats", async (s) => {
    const made = [];
    for (let i = 0; i < 5; i++) {
      const d = doctor({ name: `Dr. Page ${i}` });
      await s.doctors.create(d);
      made.push(d.id);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    const sizes: number[] = [];
    do {
      const page = await s.doctors.search({ q: "page" }, 2, cursor);
      sizes.push(page.items.length);
      seen.push(...page.items.map((d) => d.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    assert.deepEqual(sizes, [2, 2, 1]);
    assert.deepEqual(seen, made);
  });

  test("doctors.search() leaves out deactivated doctors until they are reactivated", async (s) => {
    const a = doctor({ name: "Dr. Gone A", specializations: ["nadi"] });
    const b = doctor({ name: "Dr. Gone B", specializations: ["nadi"] });
    const c = doctor({ name: "Dr. Gone C", specializations: ["nadi"], deactivatedAt: null });
    for (const d of [a, b, c]) await s.doctors.create(d);
    const off = { ...b, deactivatedAt: new Date(T0).toISOString(), version: 2 };
    await s.doctors.update(off);
    const ids = async (f: Parameters<RecordStores["doctors"]["search"]>[0], limit = 10) =>
      (await s.doctors.search(f, limit)).items.map((d) => d.id);
    assert.deepEqual(await ids({}), [a.id, c.id]);
    assert.deepEqual(await ids({ specialization: "nadi" }), [a.id, c.id]);
    assert.deepEqual(await ids({ city: "Kochi", q: "gone" }), [a.id, c.id]);
    assert.deepEqual(await ids({ q: "gone b" }), []);
    assert.deepEqual(await ids({ specialization: "nadi", includeInactive: true }), [
      a.id,
      b.id,
      c.id,
    ]);
    const first = await s.doctors.search({ q: "gone" }, 1);
    assert.deepEqual(first.items.map((d) => d.id), [a.id]);
    const rest = await s.doctors.search({ q: "gone" }, 1, first.nextCursor!);
    assert.deepEqual(rest.items.map((d) => d.id), [c.id], "a page skips the deactivated one");
    assert.deepEqual(await s.doctors.get(b.id), off, "get() still answers a deactivated doctor");
    await s.doctors.update({ ...off, deactivatedAt: null, version: 3 });
    assert.deepEqual(await ids({ specialization: "nadi" }), [a.id, b.id, c.id]);
  });

  test("doctors.search({ inactiveOnly }) answers deactivated doctors only, a page at a time", async (s) => {
    const [a, b, c, d] = ["A", "B", "C", "D"].map((x) =>
      doctor({ name: `Dr. Away ${x}`, specializations: ["marma"], city: "Thrissur" })
    );
    for (const x of [a, b, c, d]) await s.doctors.create(x);
    const at = new Date(T0).toISOString();
    for (const x of [a, c, d]) await s.doctors.update({ ...x, deactivatedAt: at, version: 2 });
    const ids = async (f: Parameters<RecordStores["doctors"]["search"]>[0], limit = 10) =>
      (await s.doctors.search(f, limit)).items.map((x) => x.id);
    assert.deepEqual(await ids({ q: "away", inactiveOnly: true }), [a.id, c.id, d.id]);
    assert.deepEqual(await ids({ specialization: "marma", inactiveOnly: true }), [
      a.id,
      c.id,
      d.id,
    ]);
    assert.deepEqual(await ids({ city: "thrissur", q: "away c", inactiveOnly: true }), [c.id]);
    assert.deepEqual(await ids({ q: "away b", inactiveOnly: true }), [], "b is active");
    const first = await s.doctors.search({ q: "away", inactiveOnly: true }, 2);
    assert.deepEqual(first.items.map((x) => x.id), [a.id, c.id]);
    assert.ok(first.nextCursor);
    const rest = await s.doctors.search({ q: "away", inactiveOnly: true }, 2, first.nextCursor);
    assert.deepEqual([rest.items.map((x) => x.id), rest.nextCursor], [[d.id], null]);
    await s.doctors.update({ ...c, deactivatedAt: null, version: 3 });
    assert.deepEqual(await ids({ q: "away", inactiveOnly: true }), [a.id, d.id]);
  });

  test("patients.getOrCreate() returns the existing patient of a phone", async (s) => {
    const p = patient();
    assert.deepEqual(await s.patients.getOrCreate(p), p);
    const again = await s.patients.getOrCreate(patient({ phoneIndex: p.phoneIndex }));
    assert.deepEqual(again, p);
    assert.deepEqual(await s.patients.get(p.id), p);
    assert.deepEqual(await s.patients.findByPhoneIndex(p.phoneIndex), p);
    assert.equal(await s.patients.get(id("pat")), null);
  });

  test("patients.getOrCreate() creates one patient under 10 concurrent calls", async (s) => {
    const phoneIndex = crypto.randomUUID();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => s.patients.getOrCreate(patient({ phoneIndex }))),
    );
    assert.equal(new Set(results.map((p) => p.id)).size, 1);
    assert.equal((await s.patients.findByPhoneIndex(phoneIndex))?.id, results[0].id);
  });

  test("patients.getOrCreate({ absent }) creates without a lookup, and returns one registered meanwhile", async (s) => {
    const p = patient();
    assert.deepEqual(await s.patients.getOrCreate(p, { absent: true }), p);
    assert.deepEqual(await s.patients.findByPhoneIndex(p.phoneIndex), p);
    // The caller's "absent" is out of date: the phone was registered after it looked.
    const late = patient({ phoneIndex: p.phoneIndex });
    assert.deepEqual(await s.patients.getOrCreate(late, { absent: true }), p);
    assert.equal(await s.patients.get(late.id), null);
    const phoneIndex = crypto.randomUUID();
    const racing = await Promise.all(
      Array.from(
        { length: 10 },
        () => s.patients.getOrCreate(patient({ phoneIndex }), { absent: true }),
      ),
    );
    assert.equal(new Set(racing.map((r) => r.id)).size, 1);
    assert.equal((await s.patients.findByPhoneIndex(phoneIndex))?.id, racing[0].id);
  });

  test("patients.list() pages through every patient in id order without gaps", async (s) => {
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await s.patients.getOrCreate(patient()));
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const res = await s.patients.list(2, cursor);
      assert.ok(res.items.length <= 2);
      seen.push(...res.items.map((p) => p.id));
      if (!res.nextCursor) break;
      cursor = res.nextCursor;
    }
    assert.deepEqual(seen, [...seen].sort(), "ordered by id");
    assert.equal(new Set(seen).size, seen.length, "no repeats");
    for (const p of made) assert.ok(seen.includes(p.id), "no gaps");
  });

  test("patients.update() compares versions", async (s) => {
    const p = await s.patients.getOrCreate(patient());
    const next = { ...p, language: "ml", version: 2 };
    await s.patients.update(next);
    assert.deepEqual(await s.patients.get(p.id), next);
    await rejectsWith(s.patients.update({ ...p, version: 2 }), "version_conflict");
  });

  test("appointments.book() stores the appointment and claims its time", async (s) => {
    const a = appointment(id("doc"), id("pat"), 0);
    assert.deepEqual(await s.appointments.book(a), a);
    assert.deepEqual(await s.appointments.get(a.id), a);
    const busy = await s.appointments.busy(a.doctorId, T0 - 60 * MINUTE_MS, T0 + 60 * MINUTE_MS);
    assert.deepEqual(busy.map(({ startMs, endMs }) => ({ startMs, endMs })), [
      { startMs: a.startMs, endMs: a.endMs },
    ]);
    // An id, where the store gives one, is the appointment's: the calendar view keys by it.
    assert.ok(busy.every((b) => b.id === undefined || b.id === a.id));
    assert.equal(await s.appointments.get(id("apt")), null);
  });

  test("appointments.book() refuses overlapping time on a different grid", async (s) => {
    const doctorId = id("doc");
    await s.appointments.book(appointment(doctorId, id("pat"), 0, 30));
    await assert.rejects(
      s.appointments.book(appointment(doctorId, id("pat"), 15, 45)),
      SlotUnavailableError,
    );
    await s.appointments.book(appointment(doctorId, id("pat"), 30, 45));
    await s.appointments.book(appointment(id("doc"), id("pat"), 0, 30));
  });

  test("appointments.book() of the same id twice returns the stored one", async (s) => {
    const a = appointment(id("doc"), id("pat"), 0);
    await s.appointments.book(a);
    const retry = await s.appointments.book({ ...a, reasonSealed: "v1.k1.other" });
    assert.deepEqual(retry, a);
  });

  test("appointments.book() lets exactly one of 20 concurrent bookings win a slot", async (s) => {
    const doctorId = id("doc");
    const attempts = Array.from({ length: 20 }, () => appointment(doctorId, id("pat"), 60));
    const results = await Promise.allSettled(attempts.map((a) => s.appointments.book(a)));
    const won = results.filter((r) => r.status === "fulfilled");
    assert.equal(won.length, 1);
    for (const r of results) {
      if (r.status === "rejected") assert.ok(r.reason instanceof SlotUnavailableError, r.reason);
    }
    assert.equal((await s.appointments.busy(doctorId, T0, T0 + 240 * MINUTE_MS)).length, 1);
  });

  test("appointments.bookMany() books every session or none", async (s) => {
    const doctorId = id("doc");
    const taken = await s.appointments.book(appointment(doctorId, id("pat"), 120, 90));
    const patientId = id("pat");
    const course = [0, 240, 120].map((m) => appointment(doctorId, patientId, m, 90));
    await assert.rejects(s.appointments.bookMany(course), SlotUnavailableError);
    for (const a of course) assert.equal(await s.appointments.get(a.id), null, "none booked");
    const free = [0, 240, 480].map((m) => appointment(doctorId, patientId, m, 90));
    assert.deepEqual(await s.appointments.bookMany(free), free);
    for (const a of free) assert.deepEqual(await s.appointments.get(a.id), a);
    assert.deepEqual(await s.appointments.bookMany(free), free, "a retry books nothing new");
    assert.deepEqual(await s.appointments.get(taken.id), taken);
  });

  test("appointments keep the events of a change with it, and never show them", async (s) => {
    const a = appointment(id("doc"), id("pat"), 0);
    const env = (eventId: string) => confirmedEnvelope(a.id, eventId);
    await s.appointments.book(a, [env("e1")]);
    assert.deepEqual(await s.appointments.get(a.id), a, "the record carries no events");
    const cancelled = moved(a, { status: "cancelled", cancelledBy: "patient" });
    await s.appointments.transition(a, cancelled, [env("e2")]);
    const pending = await s.appointments.pendingEvents(100);
    const mine = pending.filter((p) => p.appointmentId === a.id).flatMap((p) => p.envelopes);
    if (!s.appointments.eventsInRecords) {
      assert.deepEqual(pending, [], "atomic stores write events to the outbox directly");
      return;
    }
    assert.deepEqual(mine.map((e) => e.event.id), ["e1", "e2"]);
    await s.appointments.clearPendingEvents(a.id, [env("e1")]);
    const left = (await s.appointments.pendingEvents(100)).filter((p) => p.appointmentId === a.id);
    assert.deepEqual(left.flatMap((p) => p.envelopes.map((e) => e.event.id)), ["e2"]);
    assert.deepEqual(await s.appointments.get(a.id), cancelled);
  });

  test("appointments.transition() to cancelled frees the time", async (s) => {
    const a = await s.appointments.book(appointment(id("doc"), id("pat"), 0));
    const cancelled = moved(a, { status: "cancelled", cancelledBy: "patient" });
    assert.deepEqual(await s.appointments.transition(a, cancelled), cancelled);
    assert.deepEqual(await s.appointments.get(a.id), cancelled);
    await s.appointments.book(appointment(a.doctorId, id("pat"), 0));
  });

  test("appointments.transition() to a new time claims it and frees the old", async (s) => {
    const a = await s.appointments.book(appointment(id("doc"), id("pat"), 0));
    const later = moved(a, { offsetMinutes: 120 });
    await s.appointments.transition(a, later);
    await assert.rejects(
      s.appointments.book(appointment(a.doctorId, id("pat"), 120)),
      SlotUnavailableError,
    );
    await s.appointments.book(appointment(a.doctorId, id("pat"), 0));
    // Overlapping its own old time is fine: only other appointments block.
    const overlapping = moved(later, { offsetMinutes: 135 });
    await s.appointments.transition(later, overlapping);
    assert.deepEqual(await s.appointments.get(a.id), overlapping);
    await s.appointments.book(appointment(a.doctorId, id("pat"), 120, 15));
  });

  test("appointments.transition() onto taken time fails and keeps the old one", async (s) => {
    const a = await s.appointments.book(appointment(id("doc"), id("pat"), 0));
    await s.appointments.book(appointment(a.doctorId, id("pat"), 60));
    await assert.rejects(
      s.appointments.transition(a, moved(a, { offsetMinutes: 45 })),
      SlotUnavailableError,
    );
    assert.deepEqual(await s.appointments.get(a.id), a);
    await assert.rejects(
      s.appointments.book(appointment(a.doctorId, id("pat"), 0)),
      SlotUnavailableError,
    );
    await s.appointments.book(appointment(a.doctorId, id("pat"), 30));
  });

  test("appointments.transition() from a stale version is a version conflict", async (s) => {
    const a = await s.appointments.book(appointment(id("doc"), id("pat"), 0));
    await s.appointments.transition(a, moved(a, { status: "completed" }));
    await rejectsWith(
      s.appointments.transition(a, moved(a, { offsetMinutes: 60 })),
      "version_conflict",
    );
    await s.appointments.book(appointment(a.doctorId, id("pat"), 60));
  });

  test("appointments.busy() lists only active appointments overlapping the range", async (s) => {
    const doctorId = id("doc");
    const book = (offset: number, minutes = 30) =>
      s.appointments.book(appointment(doctorId, id("pat"), offset, minutes));
    const before = await book(-60);
    const straddling = await book(-15, 30);
    const inside = await book(60);
    const cancelledOne = await book(120);
    await s.appointments.transition(cancelledOne, moved(cancelledOne, { status: "cancelled" }));
    const done = await book(180);
    await s.appointments.transition(done, moved(done, { status: "completed" }));
    await book(240);
    await s.appointments.book(appointment(id("doc"), id("pat"), 60));
    const busy = await s.appointments.busy(doctorId, T0, T0 + 240 * MINUTE_MS);
    const spans = (list: AppointmentRecord[]) =>
      list.map((a) => ({ startMs: a.startMs, endMs: a.endMs }));
    assert.deepEqual(
      busy.toSorted((x, y) => x.startMs - y.startMs).map(({ startMs, endMs }) => ({
        startMs,
        endMs,
      })),
      spans([straddling, inside, done]),
    );
    assert.ok(!busy.some((b) => b.startMs === before.startMs));
  });

  for (const side of ["doctor", "patient"] as const) {
    test(`appointments.listFor${side === "doctor" ? "Doctor" : "Patient"}() orders, filters and pages`, async (s) => {
      const doctorId = id("doc");
      const patientId = id("pat");
      const make = async (offset: number, doc = doctorId) =>
        await s.appointments.book(appointment(doc, patientId, offset));
      const c = await make(120);
      const a = await make(0);
      const cancelled = moved(a, { status: "cancelled" });
      await s.appointments.transition(a, cancelled);
      const b = await make(0, side === "patient" ? id("doc") : doctorId);
      const d = await make(60);
      const e = await make(240);
      // Someone else's appointment never shows.
      await s.appointments.book(
        appointment(side === "doctor" ? id("doc") : doctorId, id("pat"), 300),
      );
      const list = (
        query: Parameters<RecordStores["appointments"]["listForDoctor"]>[1],
        limit: number,
        cursor?: string,
      ) =>
        side === "doctor"
          ? s.appointments.listForDoctor(doctorId, query, limit, cursor)
          : s.appointments.listForPatient(patientId, query, limit, cursor);
      const sameStart = [cancelled, b].toSorted((x, y) => x.id < y.id ? -1 : 1);
      const all = [...sameStart, d, c, e];
      assert.deepEqual((await list({}, 10)).items, all);
      assert.equal((await list({}, 10)).nextCursor, null);
      assert.deepEqual((await list({ status: "cancelled" }, 10)).items, [cancelled]);
      assert.deepEqual(
        (await list({ status: "confirmed" }, 10)).items,
        all.filter((x) => x !== cancelled),
      );
      assert.deepEqual(
        (await list({ fromMs: T0 + 60 * MINUTE_MS, toMs: T0 + 240 * MINUTE_MS }, 10)).items,
        [d, c],
      );
      const seen: AppointmentRecord[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await list({}, 2, cursor);
        seen.push(...page.items);
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor);
      assert.deepEqual(seen, all);
      assert.equal(pages, 3);
    });
  }
  test("every list answers a malformed or foreign cursor with validation_failed", async (s) => {
    const d = doctor();
    await s.doctors.create(d);
    const p = await s.patients.getOrCreate(patient());
    await s.appointments.book(appointment(d.id, p.id, 0));
    const doctorPage = await s.doctors.search({}, 1);
    await s.doctors.create(doctor());
    const doctorCursor = (await s.doctors.search({}, 1)).nextCursor!;
    const lists: [string, (cursor: string) => Promise<unknown>][] = [
      ["doctors.search", (c) => s.doctors.search({}, 5, c)],
      ["patients.list", (c) => s.patients.list(5, c)],
      ["appointments.listForDoctor", (c) => s.appointments.listForDoctor(d.id, {}, 5, c)],
      ["appointments.listForPatient", (c) => s.appointments.listForPatient(p.id, {}, 5, c)],
    ];
    const bad = [
      "not a cursor!",
      "bm90LWpzb24", // base64url of "not-json"
      btoa(JSON.stringify(["doc_1"])).replace(/=+$/, ""), // the unversioned layout of before
      encodeCursor([1, 2, 3, 4]),
      "A".repeat(600),
    ];
    assert.equal(doctorPage.items.length, 1);
    for (const [name, list] of lists) {
      for (const cursor of bad) {
        await assert.rejects(
          list(cursor),
          (err) => err instanceof ValidationError && err.code === "validation_failed",
          `${name} accepted ${cursor.slice(0, 20)}`,
        );
      }
    }
    // A doctor list's cursor ([id]) is not an appointment list's ([startMs, id]).
    await assert.rejects(
      s.appointments.listForDoctor(d.id, {}, 5, doctorCursor),
      (err) => err instanceof ValidationError,
    );
  });

  test("appointment lists: a range that ends before its start or its cursor is empty", async (s) => {
    const doctorId = id("doc");
    const patientId = id("pat");
    const made = [];
    for (const at of [0, 60, 120]) {
      made.push(await s.appointments.book(appointment(doctorId, patientId, at)));
    }
    const first = await s.appointments.listForDoctor(doctorId, {}, 2);
    assert.ok(first.nextCursor);
    // `to` before the page's cursor (the second item's start).
    const past = await s.appointments.listForDoctor(
      doctorId,
      { toMs: T0 + 30 * MINUTE_MS },
      2,
      first.nextCursor,
    );
    assert.deepEqual(past, { items: [], nextCursor: null });
    // Before 1970 (FHIR `date=lt1969-01-01`): nothing, not a reversed key range.
    const old = await s.appointments.listForPatient(patientId, { toMs: Date.UTC(1969, 0, 1) }, 5);
    assert.deepEqual(old, { items: [], nextCursor: null });
    const reversed = await s.appointments.listForPatient(
      patientId,
      { fromMs: T0 + 120 * MINUTE_MS, toMs: T0 },
      5,
    );
    assert.deepEqual(reversed, { items: [], nextCursor: null });
    assert.equal(made.length, 3);
  });
}

/** KV record stores that close their KV with them. */
function kvRecords(kv: Deno.Kv): RecordStores {
  const stores = createKvRecordStores(kv);
  return {
    ...stores,
    async close() {
      await stores.close();
      kv.close();
    },
  };
}

recordStoreContract("KV records", async () => kvRecords(await Deno.openKv(":memory:")));

// The same contract over KV Connect, on a real denokv server (at most 10 checks per commit).
let denokv: TestDenoKv | null = null;
recordStoreContract("KV records on denokv", async () => {
  denokv ??= await startDenoKv();
  await denokv.clear();
  return kvRecords(await denokv.open());
});

let mongo: TestMongo | null = null;
Deno.test.beforeAll(async () => {
  mongo = await startFerretDb();
});
Deno.test.afterAll(async () => {
  await denokv?.stop();
  await mongo?.stop();
});

recordStoreContract(
  "MongoDB records",
  // The cases play the relay right after a write: no writer window (mongo_event_marks_test.ts).
  () => createMongoRecordStores(storeOptions(mongo!, mongo!.database(), { writerWindowMs: 0 })),
);
