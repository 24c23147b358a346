/**
 * The MongoDB busy index (src/stores/mongo/busy_index.ts) on a real FerretDB: two record stores
 * with their own clients (as two processes would have) book one doctor's week concurrently and
 * every booking is listed, no slot has two winners; a booking writes its entry with one insert and
 * no lock; a change's dropped entry stays as a mark, so a booking's late insert cannot list it
 * again; a crashed write's pending entries are settled from the appointment after the grace
 * period; migrate fills the index from appointments booked before it existed; the `_id` range a
 * listing reads returns exactly the range on the rig's patched FerretDB; the purge of past guards
 * drops a long-past booking's claims and entry and nothing else, and reconcile leaves them dropped.
 */
import assert from "node:assert/strict";
import { SlotUnavailableError } from "../../src/errors.ts";
import {
  type BusyEntryDocument,
  busyEntryId,
  createBusyIndex,
} from "../../src/stores/mongo/busy_index.ts";
import { type BusyWeekDocument, busyWeekId } from "../../src/stores/mongo/busy_weeks.ts";
import { createGraceLocks } from "../../src/stores/mongo/locks.ts";
import { type Stored, toDocument } from "../../src/stores/mongo/documents.ts";
import type { EventMarkDocument } from "../../src/stores/mongo/event_marks.ts";
import {
  createMongoRecordStores,
  type MongoRecordStores,
} from "../../src/stores/mongo/record_stores.ts";
import { reconcile } from "../../src/stores/mongo/reconcile.ts";
import {
  PAST_GUARDS_KEPT_MS,
  type PastGuardsCount,
  prunePastGuards,
} from "../../src/stores/mongo/past_guards.ts";
import type { AppointmentRecord } from "../../src/stores/records.ts";
import type { Db } from "mongodb";
import { startFerretDb, storeOptions, type TestMongo, withRawDb } from "../_harness/ferretdb.ts";
import { appointment, confirmedEnvelope, id, MINUTE_MS, moved, T0 } from "./_fixtures.ts";

const GRACE_MS = 2_000;
const DAY_MIN = 24 * 60;

async function withServer(
  graceMs: number,
  fn: (
    server: TestMongo,
    open: (dbName: string, over?: { busyWeeks?: boolean }) => Promise<MongoRecordStores>,
  ) => Promise<void>,
  serverOptions: { countCommands?: boolean } = {},
) {
  const server = await startFerretDb(serverOptions);
  const opened: MongoRecordStores[] = [];
  const open = async (dbName: string, over: { busyWeeks?: boolean } = {}) => {
    const stores = await createMongoRecordStores(
      storeOptions(server, dbName, { claimGraceMs: graceMs, ...over }),
    );
    opened.push(stores);
    return stores;
  };
  try {
    await fn(server, open);
  } finally {
    for (const s of opened) await s.close();
    await server.stop();
  }
}

const span = (a: AppointmentRecord) => ({ startMs: a.startMs, endMs: a.endMs });
const entriesOf = (db: Db) => db.collection<BusyEntryDocument>("busy_entries");
/** The appointment's entries as stored, without their `_id`s, by start. */
async function storedEntries(db: Db, appointmentId: string) {
  const docs = await entriesOf(db).find({ appointmentId }).toArray();
  return docs.map(({ _id: _, ...e }) => e).sort((a, b) => a.startMs - b.startMs);
}

Deno.test("busy index: two stores booking one doctor's week at once list every booking, one winner per slot", async () => {
  await withServer(30_000, async (server, open) => {
    const dbName = server.database();
    const [a, b] = [await open(dbName), await open(dbName)];
    const doctorId = id("doc");
    // 24 distinct slots over three days of one week, and 10 bookings racing for one more.
    const distinct = Array.from(
      { length: 24 },
      (_, i) => appointment(doctorId, id("pat"), i * 180),
    );
    const racing = Array.from({ length: 10 }, () => appointment(doctorId, id("pat"), 24 * 180));
    const results = await Promise.allSettled(
      [...distinct, ...racing].map((x, i) => (i % 2 ? a : b).appointments.book(x)),
    );
    const won = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    for (const r of results) {
      if (r.status === "rejected") {
        assert.ok(r.reason instanceof SlotUnavailableError, String(r.reason));
      }
    }
    assert.equal(won.length, 25, "every distinct slot and exactly one racer");
    const fromMs = T0 - 60 * MINUTE_MS;
    const toMs = T0 + 30 * 24 * 60 * MINUTE_MS;
    const expected = won.map(span).sort((x, y) => x.startMs - y.startMs);
    assert.deepEqual(await a.appointments.busy(doctorId, fromMs, toMs), expected);
    assert.deepEqual(await b.appointments.busy(doctorId, fromMs, toMs), expected);
    // A cancel through one store frees the time for the other at once.
    const first = won.find((w) => w.startMs === T0)!;
    await a.appointments.transition(first, { ...first, status: "cancelled", version: 2 });
    assert.deepEqual(await b.appointments.busy(doctorId, fromMs, toMs), expected.slice(1));
  });
});

Deno.test("busy index: a range over several weeks is read in one command and lists each week's bookings", async () => {
  await withServer(30_000, async (server, open) => {
    const stores = await open(server.database());
    const doctorId = id("doc");
    const WEEK_MIN = 7 * 24 * 60;
    const booked: AppointmentRecord[] = [];
    for (const week of [0, 1, 2]) {
      booked.push(
        await stores.appointments.book(appointment(doctorId, id("pat"), week * WEEK_MIN + 60)),
      );
    }
    const finds = async () => (await server.commandCounts())?.get("find") ?? NaN;
    const before = await finds();
    const listed = await stores.appointments.busy(
      doctorId,
      T0 - MINUTE_MS,
      T0 + 3 * WEEK_MIN * MINUTE_MS,
    );
    assert.equal(await finds() - before, 1, "the range's weeks in one find");
    assert.deepEqual(listed, booked.map(span));
    // One booking's own interval alone.
    assert.deepEqual(
      await stores.appointments.busy(doctorId, booked[1].startMs, booked[1].endMs),
      [span(booked[1])],
    );
  }, { countCommands: true });
});

Deno.test("busy index: a crashed write's pending entries are settled from the appointment after the grace", async () => {
  await withServer(GRACE_MS, async (server, open) => {
    const dbName = server.database();
    const stores = await open(dbName);
    const doctorId = id("doc");
    const booked = await stores.appointments.book(appointment(doctorId, id("pat"), 0));
    const pendingSinceMs = Date.now();
    // Left by crashes: a booking that never wrote its appointment, and a move of `booked` to
    // +120 min whose record write never happened.
    const ghost = appointment(doctorId, id("pat"), 60);
    const movedTo = { startMs: T0 + 120 * MINUTE_MS, endMs: T0 + 150 * MINUTE_MS };
    await withRawDb(server, dbName, async (db) => {
      const pending = [
        { appointmentId: booked.id, ...span(booked), version: 2, pendingSinceMs },
        { appointmentId: ghost.id, ...span(ghost), version: 1, pendingSinceMs },
        { appointmentId: booked.id, ...movedTo, version: 2, pendingSinceMs },
      ];
      for (const e of pending) {
        const _id = busyEntryId(doctorId, e.appointmentId, e);
        await entriesOf(db).replaceOne({ _id }, e, { upsert: true });
      }
    });
    const range = [T0 - MINUTE_MS, T0 + 24 * 60 * MINUTE_MS] as const;
    // Young pending entries may be writes in flight: they count as busy, each saying when a read
    // settles it should its write have died (a calendar view reads again then).
    const young = await stores.appointments.busy(doctorId, ...range);
    assert.deepEqual(young.map(({ pendingForMs: _, ...i }) => i), [
      span(booked),
      span(ghost),
      movedTo,
    ]);
    for (const i of young) {
      assert.ok(i.pendingForMs! > 0 && i.pendingForMs! <= GRACE_MS + 1, `${i.pendingForMs}`);
    }
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS + 200));
    assert.deepEqual(await stores.appointments.busy(doctorId, ...range), [span(booked)]);
    await withRawDb(server, dbName, async (db) => {
      assert.deepEqual(await storedEntries(db, booked.id), [
        { appointmentId: booked.id, ...span(booked), version: 1 },
        { appointmentId: booked.id, ...movedTo, version: 1, gone: true },
      ]);
      assert.deepEqual(await storedEntries(db, ghost.id), [
        { appointmentId: ghost.id, ...span(ghost), version: 0, gone: true },
      ]);
    });
    // The ghost's time is bookable again.
    await stores.appointments.book(appointment(doctorId, id("pat"), 60));
  });
});

Deno.test("busy index: a booking writes its entry with one insert, no lock and no read", async () => {
  await withServer(30_000, async (server, open) => {
    const stores = await open(server.database());
    const doctorId = id("doc");
    await stores.appointments.book(appointment(doctorId, id("pat"), 0)); // warm: collections exist
    const counts = async () => (await server.commandCounts()) ?? new Map<string, number>();
    const before = await counts();
    const booked = await stores.appointments.book(appointment(doctorId, id("pat"), 60));
    const after = await counts();
    const delta = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
    // The claims, the appointment, its entry; before, a lock's insert and delete, the
    // appointment's read and the week's rewrite came around the entry.
    assert.equal(delta("insert"), 3);
    assert.equal(delta("find"), 0);
    assert.equal(delta("delete"), 0);
    assert.equal(delta("update"), 0);
    assert.deepEqual(
      await stores.appointments.busy(doctorId, T0 - MINUTE_MS, T0 + 24 * 60 * MINUTE_MS),
      [
        { startMs: T0, endMs: T0 + 30 * MINUTE_MS },
        span(booked),
      ],
    );
  }, { countCommands: true });
});

Deno.test("busy index: a booking's entry recorded again (a retry, the relay) is kept once; a late one after a change adds nothing", async () => {
  await withServer(30_000, async (server, open) => {
    const dbName = server.database();
    const stores = await open(dbName);
    const doctorId = id("doc");
    const booked = await stores.appointments.book(appointment(doctorId, id("pat"), 0));
    const other = await stores.appointments.book(appointment(doctorId, id("pat"), 60));
    await withRawDb(server, dbName, async (db) => {
      const index = createBusyIndex(db, createGraceLocks(db, 30_000), { graceMs: 30_000 });
      // Recorded again after its writer did: the entry stays as it was.
      await index.record(doctorId, booked.id, span(booked), 1);
      await index.record(doctorId, booked.id, span(booked), 1, true);
      assert.deepEqual(await storedEntries(db, booked.id), [
        { appointmentId: booked.id, ...span(booked), version: 1 },
      ]);
      // A transition keeping the interval has marked it pending (v2) when a late record of v1
      // lands: the pending entry stays, and the transition's settle leaves one entry of v2.
      await index.begin(doctorId, booked.id, 2, [span(booked)]);
      await index.record(doctorId, booked.id, span(booked), 1);
      const [pending] = await storedEntries(db, booked.id);
      assert.equal(pending.version, 2);
      assert.ok(pending.pendingSinceMs !== undefined);
      await index.settle(doctorId, booked.id, [span(booked)], { version: 2, active: span(booked) });
      assert.deepEqual(await storedEntries(db, booked.id), [
        { appointmentId: booked.id, ...span(booked), version: 2 },
      ]);
      // A booking's insert that lands after its appointment was cancelled (a slow writer, a late
      // relay pass) finds the cancel's mark and adds nothing: the time stays offered.
      await stores.appointments.transition(other, { ...other, status: "cancelled", version: 2 });
      await index.record(doctorId, other.id, span(other), 1);
      await index.record(doctorId, other.id, span(other), 1, true);
      assert.deepEqual(await storedEntries(db, other.id), [
        { appointmentId: other.id, ...span(other), version: 2, gone: true },
      ]);
      // A settle older than the entry's write leaves it (a newer write owns it).
      await index.settle(doctorId, booked.id, [span(booked)], { version: 1, active: null });
      assert.equal((await storedEntries(db, booked.id))[0].gone, undefined);
    });
    assert.deepEqual(
      await stores.appointments.busy(doctorId, T0 - MINUTE_MS, T0 + 24 * 60 * MINUTE_MS),
      [span(booked)],
    );
  });
});

Deno.test("busy index: a reschedule there and back lists the appointment once, at its interval", async () => {
  await withServer(30_000, async (server, open) => {
    const dbName = server.database();
    const stores = await open(dbName);
    const doctorId = id("doc");
    const v1 = await stores.appointments.book(appointment(doctorId, id("pat"), 0));
    const v2 = await stores.appointments.transition(
      v1,
      moved(v1, { offsetMinutes: 120 }),
    );
    const range = [T0 - MINUTE_MS, T0 + 24 * 60 * MINUTE_MS] as const;
    assert.deepEqual(await stores.appointments.busy(doctorId, ...range), [span(v2)]);
    const v3 = await stores.appointments.transition(v2, moved(v2, { offsetMinutes: 0 }));
    assert.deepEqual(await stores.appointments.busy(doctorId, ...range), [span(v1)]);
    await withRawDb(server, dbName, async (db) => {
      assert.deepEqual(await storedEntries(db, v1.id), [
        { appointmentId: v1.id, ...span(v1), version: v3.version },
        { appointmentId: v1.id, ...span(v2), version: v3.version, gone: true },
      ]);
    });
  });
});

Deno.test("busy index: a booking that crashed before its entry is listed once its retry answers", async () => {
  await withServer(GRACE_MS, async (server, open) => {
    const dbName = server.database();
    const stores = await open(dbName);
    const doctorId = id("doc");
    const kept = await stores.appointments.book(appointment(doctorId, id("pat"), 0));
    const crashed = appointment(doctorId, id("pat"), 60);
    await stores.appointments.book(crashed);
    // The crash: its insert went in, its entry never did.
    await withRawDb(server, dbName, async (db) => {
      const res = await entriesOf(db).deleteOne({
        _id: busyEntryId(doctorId, crashed.id, span(crashed)),
      });
      assert.equal(res.deletedCount, 1);
    });
    const range = [T0 - MINUTE_MS, T0 + 24 * 60 * MINUTE_MS] as const;
    assert.deepEqual(await stores.appointments.busy(doctorId, ...range), [span(kept)]);
    // Its claims still refuse another booking of the time.
    await assert.rejects(
      stores.appointments.book(appointment(doctorId, id("pat"), 60)),
      SlotUnavailableError,
    );
    assert.deepEqual(await stores.appointments.book(crashed), crashed);
    assert.deepEqual(await stores.appointments.busy(doctorId, ...range), [
      span(kept),
      span(crashed),
    ]);
    // A cancelled booking's retry answers the stored record and adds no entry.
    const cancelled = moved(kept, { status: "cancelled", cancelledBy: "patient" });
    await stores.appointments.transition(kept, cancelled);
    assert.deepEqual(await stores.appointments.book(kept), cancelled);
    assert.deepEqual(await stores.appointments.busy(doctorId, ...range), [span(crashed)]);
  });
});

Deno.test("busy index: the relay records the entry of a booking whose writer died after its insert", async () => {
  await withServer(GRACE_MS, async (server, open) => {
    const dbName = server.database();
    const stores = await open(dbName);
    const doctorId = id("doc");
    const a = appointment(doctorId, id("pat"), 0);
    const envelope = confirmedEnvelope(a.id);
    await stores.appointments.book(a, [envelope]);
    // The writer died after the insert: no busy entry, its events never cleared.
    await withRawDb(
      server,
      dbName,
      (db) => entriesOf(db).deleteOne({ _id: busyEntryId(doctorId, a.id, span(a)) }),
    );
    const range = [T0 - MINUTE_MS, T0 + 24 * 60 * MINUTE_MS] as const;
    assert.deepEqual(await stores.appointments.busy(doctorId, ...range), []);
    // A young mark's writer may still be at work: the relay leaves the booking to it for now.
    assert.deepEqual(await stores.appointments.pendingEvents(10), []);
    await withRawDb(
      server,
      dbName,
      (db) =>
        db.collection<EventMarkDocument>("event_marks").updateOne({ _id: a.id }, {
          $set: { markedAtMs: Date.now() - 60_000 },
        }),
    );
    const pending = await stores.appointments.pendingEvents(10);
    assert.deepEqual(pending.map((p) => p.appointmentId), [a.id]);
    assert.deepEqual(await stores.appointments.busy(doctorId, ...range), [span(a)]);
  });
});

Deno.test("busy index: migrate fills it from appointments booked before it existed", async () => {
  await withServer(GRACE_MS, async (server, open) => {
    const dbName = server.database();
    const doctorId = id("doc");
    const active = appointment(doctorId, id("pat"), 0);
    const cancelled = appointment(doctorId, id("pat"), 60, 30, { status: "cancelled" });
    await withRawDb(server, dbName, async (db) => {
      await db.collection<Stored<AppointmentRecord>>("appointments").insertMany([
        toDocument(active),
        toDocument(cancelled),
      ]);
    });
    const stores = await open(dbName);
    assert.ok(
      stores.migrations.includes(
        "created collection busy_entries (filled with 1 entries)",
      ),
      stores.migrations.join("\n"),
    );
    assert.deepEqual(
      await stores.appointments.busy(doctorId, T0 - MINUTE_MS, T0 + 24 * 60 * MINUTE_MS),
      [span(active)],
    );
  });
});

Deno.test("reconcile: an active booking missing from the busy index and an entry left by a cancelled one are found, then repaired", async () => {
  await withServer(GRACE_MS, async (server, open) => {
    const dbName = server.database();
    await open(dbName); // migrates: the collections and their indexes
    const doctorId = id("doc");
    const unlisted = appointment(doctorId, id("pat"), 0);
    const cancelled = appointment(doctorId, id("pat"), 60, 30, { status: "cancelled" });
    const nowMs = Date.parse(unlisted.updatedAt) + 10 * GRACE_MS;
    await withRawDb(server, dbName, async (db) => {
      await db.collection<{ _id: string }>("doctors").insertOne({ _id: doctorId });
      await db.collection<Stored<AppointmentRecord>>("appointments").insertMany([
        toDocument(unlisted),
        toDocument(cancelled),
      ]);
      // As a crash could leave them: no entry for the active booking, a settled one for the other.
      await entriesOf(db).insertOne({
        _id: busyEntryId(doctorId, cancelled.id, span(cancelled)),
        appointmentId: cancelled.id,
        ...span(cancelled),
        version: 1,
      });
      const busyOf = (kind: string, findings: { kind: string; appointmentId: string }[]) =>
        findings.filter((f) => f.kind === kind).map((f) => f.appointmentId);

      const dry = await reconcile(db, { fix: false, graceMs: GRACE_MS, nowMs });
      assert.deepEqual(busyOf("unlisted_booking", dry.findings), [unlisted.id]);
      assert.deepEqual(busyOf("stale_busy_entry", dry.findings), [cancelled.id]);
      // Within the grace period a write may still be in flight: neither kind is reported.
      const young = await reconcile(db, {
        fix: false,
        graceMs: GRACE_MS,
        nowMs: Date.parse(unlisted.updatedAt),
      });
      assert.deepEqual(young.findings.filter((f) => f.kind !== "missing_claim"), []);
      const stores = await open(dbName);
      const week = [T0 - MINUTE_MS, T0 + 24 * 60 * MINUTE_MS] as const;
      assert.deepEqual(await stores.appointments.busy(doctorId, ...week), [span(cancelled)]);

      const fixed = await reconcile(db, { fix: true, graceMs: GRACE_MS, nowMs });
      assert.ok(fixed.repaired >= 2, JSON.stringify(fixed));
      assert.deepEqual(await stores.appointments.busy(doctorId, ...week), [span(unlisted)]);
      const again = await reconcile(db, { fix: false, graceMs: GRACE_MS, nowMs });
      assert.deepEqual(again.findings, [], "nothing left to repair");
    });
  });
});

Deno.test("reconcile: an active booking whose entry an older write marked gone is listed again", async () => {
  await withServer(GRACE_MS, async (server, open) => {
    const dbName = server.database();
    const stores = await open(dbName);
    const doctorId = id("doc");
    const a = await stores.appointments.book(appointment(doctorId, id("pat"), 0));
    await withRawDb(server, dbName, async (db) => {
      await db.collection<{ _id: string }>("doctors").insertOne({ _id: doctorId });
      // As a settle from a stale read could leave it: the entry gone, the appointment active.
      await entriesOf(db).updateOne({ _id: busyEntryId(doctorId, a.id, span(a)) }, {
        $set: { gone: true },
      });
      const week = [T0 - MINUTE_MS, T0 + 24 * 60 * MINUTE_MS] as const;
      assert.deepEqual(await stores.appointments.busy(doctorId, ...week), []);
      const nowMs = Date.parse(a.updatedAt) + 10 * GRACE_MS;
      const fixed = await reconcile(db, { fix: true, graceMs: GRACE_MS, nowMs });
      assert.deepEqual(
        fixed.findings.map((f) => [f.kind, f.appointmentId]),
        [["unlisted_booking", a.id]],
      );
      assert.deepEqual(await stores.appointments.busy(doctorId, ...week), [span(a)]);
      assert.deepEqual(await storedEntries(db, a.id), [
        { appointmentId: a.id, ...span(a), version: 1 },
      ]);
    });
  });
});

Deno.test("purge of past guards: a week after its time ended a booking's claims and busy entry go, a later booking's stay guarded and listed, and reconcile reports neither", async () => {
  await withServer(GRACE_MS, async (server, open) => {
    const dbName = server.database();
    const stores = await open(dbName);
    const doctorId = id("doc");
    const past = await stores.appointments.book(appointment(doctorId, id("pat"), 0));
    const later = await stores.appointments.book(appointment(doctorId, id("pat"), 8 * DAY_MIN));
    // A week and an hour after the first ended; the second starts about a day later.
    const nowMs = past.endMs + PAST_GUARDS_KEPT_MS + 60 * MINUTE_MS;
    await withRawDb(server, dbName, async (db) => {
      await db.collection<{ _id: string }>("doctors").insertOne({ _id: doctorId });
      const claimsOf = (a: AppointmentRecord) =>
        db.collection("claims").countDocuments({ appointmentId: a.id });
      const tally = (counts: PastGuardsCount[]) =>
        counts.map((c) => [c.name, c.expired, c.deleted]);
      assert.equal(await claimsOf(past), 6, "a 30-minute booking claims six cells");

      const sixDays = await prunePastGuards(db, {
        nowMs: nowMs - 2 * DAY_MIN * MINUTE_MS,
        apply: false,
      });
      assert.deepEqual(tally(sixDays), [["past claims", 0, 0], ["past busy entries", 0, 0]]);
      const dry = await prunePastGuards(db, { nowMs, apply: false });
      assert.deepEqual(tally(dry), [["past claims", 6, 0], ["past busy entries", 1, 0]]);
      assert.equal(await claimsOf(past), 6, "a dry run deletes nothing");

      const applied = await prunePastGuards(db, { nowMs, apply: true });
      assert.deepEqual(tally(applied), [["past claims", 6, 6], ["past busy entries", 1, 1]]);
      assert.deepEqual([await claimsOf(past), await claimsOf(later)], [0, 6]);
      assert.deepEqual(await storedEntries(db, past.id), []);
      assert.deepEqual(await storedEntries(db, later.id), [{
        appointmentId: later.id,
        ...span(later),
        version: 1,
      }]);
      const day = [later.startMs - 60 * MINUTE_MS, later.endMs + 60 * MINUTE_MS] as const;
      assert.deepEqual(await stores.appointments.busy(doctorId, ...day), [span(later)]);
      await assert.rejects(
        stores.appointments.book(appointment(doctorId, id("pat"), 8 * DAY_MIN + 10)),
        SlotUnavailableError,
        "the later booking's cells are still claimed",
      );
      assert.equal(
        await db.collection<{ _id: string }>("appointments").countDocuments({ _id: past.id }),
        1,
        "the record stays",
      );

      const checked = await reconcile(db, { fix: true, graceMs: GRACE_MS, nowMs });
      assert.deepEqual(
        checked.findings,
        [],
        "a pruned guard is neither reported missing nor put back",
      );
      assert.equal(await claimsOf(past), 0);
    });
  });
});

Deno.test("busy index with MONGODB_BUSY_WEEKS: the older release's weeks are kept and read too, so neither release offers the other's bookings", async () => {
  await withServer(30_000, async (server, open) => {
    const dbName = server.database();
    const keeping = await open(dbName, { busyWeeks: true });
    const plain = await open(dbName);
    const doctorId = id("doc");
    const range = [T0 - MINUTE_MS, T0 + 24 * 60 * MINUTE_MS] as const;
    const week = (db: Db) =>
      db.collection<BusyWeekDocument>("busy_weeks").findOne({ _id: busyWeekId(doctorId, T0) });
    // Booked with the switch on: in both layouts, as the older release reads `busy_weeks`.
    const a = await keeping.appointments.book(appointment(doctorId, id("pat"), 0));
    await withRawDb(server, dbName, async (db) => {
      assert.deepEqual((await week(db))?.entries, [{
        appointmentId: a.id,
        ...span(a),
        version: 1,
      }]);
      // Booked by an older instance: only its week entry (its own write, as it makes it).
      await db.collection<BusyWeekDocument>("busy_weeks").updateOne(
        { _id: busyWeekId(doctorId, T0) },
        {
          $push: {
            entries: {
              appointmentId: "apt_older",
              startMs: T0 + 60 * MINUTE_MS,
              endMs: T0 + 90 * MINUTE_MS,
              version: 1,
            },
          },
        },
      );
    });
    const older = { startMs: T0 + 60 * MINUTE_MS, endMs: T0 + 90 * MINUTE_MS };
    assert.deepEqual(await keeping.appointments.busy(doctorId, ...range), [span(a), older]);
    // Without the switch the weeks are not read.
    assert.deepEqual(await plain.appointments.busy(doctorId, ...range), [span(a)]);
    // A move with the switch on leaves both layouts at the new interval.
    const b = await keeping.appointments.transition(a, moved(a, { offsetMinutes: 180 }));
    assert.deepEqual(await keeping.appointments.busy(doctorId, ...range), [older, span(b)]);
    await withRawDb(server, dbName, async (db) => {
      assert.deepEqual(
        (await week(db))?.entries.filter((e) => e.appointmentId === a.id),
        [{ appointmentId: a.id, ...span(b), version: 2 }],
      );
    });
    // Without the switch a booking leaves `busy_weeks` as it was.
    const before = await withRawDb(server, dbName, week);
    await plain.appointments.book(appointment(doctorId, id("pat"), 240));
    assert.deepEqual(await withRawDb(server, dbName, week), before);
  });
});

Deno.test("the rig's FerretDB answers a string range on `_id` exactly (the listing's read)", async () => {
  await withServer(GRACE_MS, async (server) => {
    const dbName = server.database();
    // Ids around a listing's bounds, with the characters JSON escapes or writes out of order
    // (`"`, `\`, `<`, `&`, a control character, U+2028) right after the common prefix.
    const ids = [
      "d1",
      "d1:",
      "d1:0001",
      "d1:0002",
      "d1:00020",
      "d1:0002:x",
      "d1:0002<",
      "d1:0002&a",
      'd1:0002"q',
      "d1:0002\\b",
      "d1:0002 z",
      "d1:0002\u0001",
      "d1:0002é",
      "d1:0002\u2028",
      "d1:0003",
      "d1;",
      "d10:0001",
      "d2:0001",
    ];
    const ranges: Record<string, string>[] = [
      { $gte: "d1:0002", $lt: "d1:0003" },
      { $gte: "d1:", $lt: "d1;" },
      { $gte: "d1:0001", $lt: "d1:0002" },
      { $gt: "d1:0001", $lte: "d1:0003" },
      { $gte: "d1:0002", $lte: "d1:0002~" },
      { $gte: "a", $lt: "z" },
      { $gte: "d1:0002\u0001", $lt: "d1:0002\u2029" },
    ];
    const inRange = (id: string, r: Record<string, string>) =>
      (r.$gte === undefined || id >= r.$gte) && (r.$gt === undefined || id > r.$gt) &&
      (r.$lt === undefined || id < r.$lt) && (r.$lte === undefined || id <= r.$lte);
    await withRawDb(server, dbName, async (db) => {
      const col = db.collection<{ _id: string }>("range_probe");
      await col.insertMany(ids.map((_id) => ({ _id })));
      for (const r of ranges) {
        const found = (await col.find({ _id: r }).toArray()).map((d) => d._id).sort();
        assert.deepEqual(found, ids.filter((id) => inRange(id, r)).sort(), JSON.stringify(r));
      }
    });
  });
});
