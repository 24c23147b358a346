/**
 * The MongoDB busy index (src/stores/mongo/busy_index.ts) on a real FerretDB: two record stores
 * with their own clients (as two processes would have) book one doctor's week concurrently and
 * every booking is listed, no slot has two winners; a crashed write's pending entries are settled
 * from the appointment after the grace period; migrate fills the index from appointments booked
 * before it existed.
 */
import assert from "node:assert/strict";
import { SlotUnavailableError } from "../../src/errors.ts";
import {
  type BusyWeekDocument,
  busyWeekId,
  createBusyIndex,
} from "../../src/stores/mongo/busy_index.ts";
import { createGraceLocks } from "../../src/stores/mongo/locks.ts";
import { type Stored, toDocument } from "../../src/stores/mongo/documents.ts";
import type { EventMarkDocument } from "../../src/stores/mongo/event_marks.ts";
import {
  createMongoRecordStores,
  type MongoRecordStores,
} from "../../src/stores/mongo/record_stores.ts";
import { reconcile } from "../../src/stores/mongo/reconcile.ts";
import type { AppointmentRecord } from "../../src/stores/records.ts";
import { startFerretDb, storeOptions, type TestMongo, withRawDb } from "../_harness/ferretdb.ts";
import { appointment, confirmedEnvelope, id, MINUTE_MS, moved, T0 } from "./_fixtures.ts";

const GRACE_MS = 2_000;

async function withServer(
  graceMs: number,
  fn: (server: TestMongo, open: (dbName: string) => Promise<MongoRecordStores>) => Promise<void>,
  serverOptions: { countCommands?: boolean } = {},
) {
  const server = await startFerretDb(serverOptions);
  const opened: MongoRecordStores[] = [];
  const open = async (dbName: string) => {
    const stores = await createMongoRecordStores(
      storeOptions(server, dbName, { claimGraceMs: graceMs }),
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
    assert.equal(await finds() - before, 1, "the range's weeks (four or more) in one find");
    assert.deepEqual(listed, booked.map(span));
    // One week alone is the plain `{_id}` read.
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
      const weeks = db.collection<BusyWeekDocument>("busy_weeks");
      const _id = busyWeekId(doctorId, T0);
      const doc = await weeks.findOne({ _id });
      assert.ok(doc);
      doc.entries = doc.entries.map((e) => ({ ...e, version: 2, pendingSinceMs }));
      doc.entries.push(
        { appointmentId: ghost.id, ...span(ghost), version: 1, pendingSinceMs },
        { appointmentId: booked.id, ...movedTo, version: 2, pendingSinceMs },
      );
      await weeks.replaceOne({ _id }, doc);
    });
    const range = [T0 - MINUTE_MS, T0 + 24 * 60 * MINUTE_MS] as const;
    // Young pending entries may be writes in flight: they count as busy.
    assert.deepEqual(await stores.appointments.busy(doctorId, ...range), [
      span(booked),
      span(ghost),
      movedTo,
    ]);
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS + 200));
    assert.deepEqual(await stores.appointments.busy(doctorId, ...range), [span(booked)]);
    const settled = await withRawDb(
      server,
      dbName,
      (db) =>
        db.collection<BusyWeekDocument>("busy_weeks").findOne({ _id: busyWeekId(doctorId, T0) }),
    );
    assert.deepEqual(settled?.entries, [{ appointmentId: booked.id, ...span(booked), version: 1 }]);
    // The ghost's time is bookable again.
    await stores.appointments.book(appointment(doctorId, id("pat"), 60));
  });
});

Deno.test("busy index: a booking's entry recorded again (a retry, the relay) is kept once, also beside a transition in flight", async () => {
  await withServer(30_000, async (server, open) => {
    const dbName = server.database();
    const stores = await open(dbName);
    const doctorId = id("doc");
    const booked = await stores.appointments.book(appointment(doctorId, id("pat"), 0));
    const other = await stores.appointments.book(appointment(doctorId, id("pat"), 60));
    await withRawDb(server, dbName, async (db) => {
      const index = createBusyIndex(db, createGraceLocks(db, 30_000), { graceMs: 30_000 });
      const entries = async () =>
        (await db.collection<BusyWeekDocument>("busy_weeks").findOne({
          _id: busyWeekId(doctorId, T0),
        }))?.entries.filter((e) => e.appointmentId === booked.id);
      // Recorded again after its writer did: the same value, not a second entry.
      await index.record(doctorId, booked.id, span(booked));
      await index.record(doctorId, booked.id, span(booked));
      assert.deepEqual(await entries(), [{
        appointmentId: booked.id,
        ...span(booked),
        version: 1,
      }]);
      // A transition keeping the interval has marked it pending (v2) when a late record of v1
      // lands: both stay until the transition settles, which leaves one entry of v2.
      await index.begin(doctorId, booked.id, 2, [span(booked)]);
      await index.record(doctorId, booked.id, span(booked));
      assert.equal((await entries())?.length, 2);
      await index.settle(doctorId, booked.id, [span(booked)], { version: 2, active: span(booked) });
      assert.deepEqual(await entries(), [{
        appointmentId: booked.id,
        ...span(booked),
        version: 2,
      }]);
      // A record of a cancelled appointment adds nothing.
      await stores.appointments.transition(other, { ...other, status: "cancelled", version: 2 });
      await index.record(doctorId, other.id, span(other));
    });
    assert.deepEqual(
      await stores.appointments.busy(doctorId, T0 - MINUTE_MS, T0 + 24 * 60 * MINUTE_MS),
      [span(booked)],
    );
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
      const weeks = db.collection<BusyWeekDocument>("busy_weeks");
      const _id = busyWeekId(doctorId, T0);
      const doc = await weeks.findOne({ _id });
      assert.ok(doc);
      await weeks.replaceOne({ _id }, {
        doctorId,
        entries: doc.entries.filter((e) => e.appointmentId !== crashed.id),
      });
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
      (db) =>
        db.collection<BusyWeekDocument>("busy_weeks").deleteOne({ _id: busyWeekId(doctorId, T0) }),
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
        "created collection busy_weeks (filled with 1 entries)",
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
      await db.collection<BusyWeekDocument>("busy_weeks").insertOne({
        _id: busyWeekId(doctorId, cancelled.startMs),
        doctorId,
        entries: [{ appointmentId: cancelled.id, ...span(cancelled), version: 1 }],
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
