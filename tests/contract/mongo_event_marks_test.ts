/**
 * The relay's index of appointments holding events (src/stores/mongo/event_marks.ts) on a real
 * FerretDB: migrate marks events written before it existed, a listed appointment without events
 * loses its mark, a mark set again after it was listed survives that listing's drop, and a
 * document without a mark holds no event still to move (a booking's writer leaves the moved events
 * in the document; the next change leaves them out), a booking inserts its mark (a retry replaces
 * it), the relay leaves a young mark's events to its writer, and concurrent writers' drops share commands while closing waits for those nobody
 * awaited.
 */
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import type { AppointmentDocument } from "../../src/stores/mongo/appointment_store.ts";
import { toDocument } from "../../src/stores/mongo/documents.ts";
import { createEventMarks, type EventMarkDocument } from "../../src/stores/mongo/event_marks.ts";
import { createMongoRecordStores } from "../../src/stores/mongo/record_stores.ts";
import { startFerretDb, storeOptions } from "../_harness/ferretdb.ts";
import { appointment, confirmedEnvelope, id, moved } from "./_fixtures.ts";

Deno.test("event marks: migrate marks old events, the relay's listing drops spent marks only", async () => {
  const server = await startFerretDb();
  const client = new MongoClient(server.uri);
  try {
    const dbName = server.database();
    const db = client.db(dbName);
    const a = appointment(id("doc"), id("pat"), 0);
    const envelope = confirmedEnvelope(a.id);
    await db.collection<AppointmentDocument>("appointments").insertOne({
      ...toDocument(a),
      pendingEvents: [envelope],
    });
    const stores = await createMongoRecordStores(
      storeOptions(server, dbName, { maxPoolSize: 5 }),
    );
    try {
      assert.ok(
        stores.migrations.includes("created collection event_marks (filled with 1 entries)"),
      );
      assert.deepEqual(await stores.appointments.pendingEvents(10), [
        { appointmentId: a.id, envelopes: [envelope] },
      ]);
      await stores.appointments.clearPendingEvents(a.id, [envelope]);
      const marks = db.collection<EventMarkDocument>("event_marks");
      assert.equal(await marks.countDocuments(), 1, "kept until a listing finds no events");
      assert.deepEqual(await stores.appointments.pendingEvents(10), []);
      assert.equal(await marks.countDocuments(), 0);

      const raw = createEventMarks(db);
      await raw.mark(a.id);
      const [listed] = await raw.list(10);
      await raw.mark(a.id); // a writer marks it again before the listing's drop
      await raw.drop(listed);
      assert.equal(await marks.countDocuments(), 1, "the newer mark survives");
    } finally {
      await stores.close();
    }
  } finally {
    await client.close();
    await server.stop();
  }
});

Deno.test("event marks: a booking's writer that moved its events drops its mark and leaves them in the document, and the next change leaves them out", async () => {
  const server = await startFerretDb();
  const client = new MongoClient(server.uri);
  const dbName = server.database();
  // The test plays the relay right after each write: no writer window.
  const options = storeOptions(server, dbName, { maxPoolSize: 5, writerWindowMs: 0 });
  const stores = await createMongoRecordStores(options);
  // A second instance on the same database: its marks are not in the first one's memory.
  const other = await createMongoRecordStores(options);
  try {
    const db = client.db(dbName);
    const marks = db.collection<EventMarkDocument>("event_marks");
    const docs = db.collection<AppointmentDocument>("appointments");
    const eventsOf = async (appointmentId: string) =>
      (await docs.findOne({ _id: appointmentId }))?.pendingEvents?.map((e) => e.event.id);
    const listed = async () =>
      (await stores.appointments.pendingEvents(10)).flatMap((p) =>
        p.envelopes.map((e) => e.event.id)
      );
    const a = appointment(id("doc"), id("pat"), 0);
    const env = (eventId: string) => confirmedEnvelope(a.id, eventId);
    await stores.appointments.book(a, [env("e1")]);
    await stores.appointments.clearPendingEvents(a.id, [env("e1")]);
    assert.equal(await marks.countDocuments(), 0, "the booking's mark went once its events moved");
    assert.deepEqual(await eventsOf(a.id), ["e1"], "the document was not rewritten");
    assert.deepEqual(await listed(), [], "a document without a mark has nothing left to move");
    // A change finds no mark: it writes only its own event, and moves only that.
    const cancelled = moved(a, { status: "cancelled", cancelledBy: "patient" });
    await other.appointments.transition(a, cancelled, [env("e1c")]);
    assert.deepEqual(await eventsOf(a.id), ["e1c"]);
    assert.deepEqual(await listed(), ["e1c"]);
    await other.appointments.clearPendingEvents(a.id, [env("e1c")]);
    assert.deepEqual(await eventsOf(a.id), []);
    assert.equal(await marks.countDocuments(), 0);

    // A change marks again and appends its event before the booking's writer moved its own: it
    // keeps the booking's event beside its own (the mark was there).
    const b = appointment(a.doctorId, id("pat"), 60);
    const envB = (eventId: string) => confirmedEnvelope(b.id, eventId);
    await stores.appointments.book(b, [envB("e2")]);
    const cancelledB = moved(b, { status: "cancelled", cancelledBy: "patient" });
    await other.appointments.transition(b, cancelledB, [envB("e3")]);
    assert.deepEqual(await eventsOf(b.id), ["e2", "e3"]);
    // The booking's writer then finds its mark replaced, and takes its event out instead.
    await stores.appointments.clearPendingEvents(b.id, [envB("e2")]);
    assert.deepEqual(await eventsOf(b.id), ["e3"]);
    assert.equal(await marks.countDocuments(), 1, "the change's mark stays while e3 waits");
    assert.deepEqual(await listed(), ["e3"]);
    await other.appointments.clearPendingEvents(b.id, [envB("e3")]);
    assert.equal(await marks.countDocuments(), 0);

    // The same race within one instance: the change's mark replaces the booking's in memory too.
    const c = appointment(a.doctorId, id("pat"), 120);
    const envC = (eventId: string) => confirmedEnvelope(c.id, eventId);
    await stores.appointments.book(c, [envC("e4")]);
    await stores.appointments.transition(c, moved(c, { status: "cancelled" }), [envC("e5")]);
    await stores.appointments.clearPendingEvents(c.id, [envC("e4")]);
    assert.deepEqual(await eventsOf(c.id), ["e5"]);
    assert.deepEqual(await listed(), ["e5"]);
  } finally {
    await other.close();
    await stores.close();
    await client.close();
    await server.stop();
  }
});

Deno.test("event marks: a retried booking whose first writer died before moving its events leaves them and their mark to the relay", async () => {
  const server = await startFerretDb();
  const dbName = server.database();
  const options = storeOptions(server, dbName, { maxPoolSize: 5, writerWindowMs: 0 });
  const first = await createMongoRecordStores(options);
  const retry = await createMongoRecordStores(options);
  try {
    const a = appointment(id("doc"), id("pat"), 0);
    // The first call inserted the booking with its event, then died before moving it.
    await first.appointments.book(a, [confirmedEnvelope(a.id, "e1")]);
    // Its retry (another instance, events built afresh) finds the document stored, moves what it
    // built and clears that: the document's own event was not among them.
    await retry.appointments.book(a, [confirmedEnvelope(a.id, "e1-retry")]);
    await retry.appointments.clearPendingEvents(a.id, [confirmedEnvelope(a.id, "e1-retry")]);
    assert.deepEqual(
      (await retry.appointments.pendingEvents(10)).flatMap((p) =>
        p.envelopes.map((e) => e.event.id)
      ),
      ["e1"],
      "the first call's event is still found",
    );
  } finally {
    await retry.close();
    await first.close();
    await server.stop();
  }
});

Deno.test("event marks: a booking inserts its mark, and a retry that finds it there replaces it", async () => {
  const server = await startFerretDb({ countCommands: true });
  const client = new MongoClient(server.uri);
  const dbName = server.database();
  const stores = await createMongoRecordStores(storeOptions(server, dbName, { maxPoolSize: 5 }));
  try {
    const marks = client.db(dbName).collection<EventMarkDocument>("event_marks");
    const counts = async () => {
      const all = await server.commandCounts();
      return { insert: all?.get("insert") ?? 0, update: all?.get("update") ?? 0 };
    };
    const a = appointment(id("doc"), id("pat"), 0);
    const before = await counts();
    await stores.appointments.book(a, [confirmedEnvelope(a.id, "e1")]);
    const after = await counts();
    assert.equal(after.update - before.update, 0, "no upsert: the booking's writes are inserts");
    const first = await marks.findOne({ _id: a.id });
    assert.ok(first, "the mark is there until the events move");
    // A retry of the same booking (its first call's events not moved yet): the mark's insert
    // meets the first one's, which is replaced with a new token, as any later writer's mark is.
    await stores.appointments.book(a, [confirmedEnvelope(a.id, "e1-retry")]);
    assert.equal((await counts()).update - after.update, 1, "the retry's mark went as an upsert");
    const second = await marks.findOne({ _id: a.id });
    assert.ok(second && second.token !== first.token, "the retry's mark replaced the first");
    assert.equal(await marks.countDocuments(), 1);
  } finally {
    await stores.close();
    await client.close();
    await server.stop();
  }
});

Deno.test("event marks: a listing between a writer's mark and its write keeps the mark, so the events it writes are found", async () => {
  const server = await startFerretDb();
  const client = new MongoClient(server.uri);
  const dbName = server.database();
  const stores = await createMongoRecordStores(
    storeOptions(server, dbName, { maxPoolSize: 5, claimGraceMs: 30_000 }),
  );
  try {
    const db = client.db(dbName);
    const marks = db.collection<EventMarkDocument>("event_marks");
    const a = appointment(id("doc"), id("pat"), 0);
    const envelope = confirmedEnvelope(a.id);
    // A writer marked the booking 3 s ago and has not inserted it yet when a relay lists the marks
    // (slow, but within its claims' writer lease: half the grace, 15 s here).
    await createEventMarks(db).mark(a.id);
    await marks.updateOne({ _id: a.id }, { $set: { markedAtMs: Date.now() - 3_000 } });
    assert.deepEqual(await stores.appointments.pendingEvents(10), []);
    assert.equal(await marks.countDocuments(), 1, "a fresh mark without events yet is kept");
    // The writer's insert lands, and the writer dies before listing the booking or moving its
    // events: the next listing finds them (and lists the booking).
    await db.collection<AppointmentDocument>("appointments").insertOne({
      ...toDocument(a),
      pendingEvents: [envelope],
    });
    assert.deepEqual(await stores.appointments.pendingEvents(10), [
      { appointmentId: a.id, envelopes: [envelope] },
    ]);

    // A mark older than a writer's lease (half the grace) over a document without events is
    // spent: that writer wrote within its lease or gave up.
    const b = appointment(a.doctorId, id("pat"), 60);
    await createEventMarks(db).mark(b.id);
    await marks.updateOne({ _id: b.id }, { $set: { markedAtMs: Date.now() - 15_001 } });
    await stores.appointments.pendingEvents(10);
    assert.equal(await marks.countDocuments({ _id: b.id }), 0, "the old empty mark is dropped");
  } finally {
    await stores.close();
    await client.close();
    await server.stop();
  }
});

Deno.test("event marks: the relay leaves a young mark's events to its writer, and moves them once the mark is older", async () => {
  const server = await startFerretDb();
  const client = new MongoClient(server.uri);
  const dbName = server.database();
  // The default writer window (2 s).
  const stores = await createMongoRecordStores(storeOptions(server, dbName, { maxPoolSize: 5 }));
  try {
    const a = appointment(id("doc"), id("pat"), 0);
    const envelope = confirmedEnvelope(a.id);
    // Booked and listed in the busy index; its writer is moving the events when a relay lists.
    await stores.appointments.book(a, [envelope]);
    assert.deepEqual(await stores.appointments.pendingEvents(10), [], "left to the writer");
    // The writer died: once the mark is older than the window, the relay moves them.
    await client.db(dbName).collection<EventMarkDocument>("event_marks")
      .updateOne({ _id: a.id }, { $set: { markedAtMs: Date.now() - 2_001 } });
    assert.deepEqual(await stores.appointments.pendingEvents(10), [
      { appointmentId: a.id, envelopes: [envelope] },
    ]);
  } finally {
    await stores.close();
    await client.close();
    await server.stop();
  }
});

Deno.test("event marks: concurrent writers' mark drops share commands, and closing waits for drops nobody awaited", async () => {
  const server = await startFerretDb({ countCommands: true });
  const client = new MongoClient(server.uri);
  const dbName = server.database();
  const stores = await createMongoRecordStores(storeOptions(server, dbName, { maxPoolSize: 5 }));
  let closed = false;
  try {
    const doctorId = id("doc");
    const booked = Array.from({ length: 12 }, (_, i) => appointment(doctorId, id("pat"), i * 60));
    const envelopes = booked.map((a) => confirmedEnvelope(a.id, `e-${a.id}`));
    await Promise.all(booked.map((a, i) => stores.appointments.book(a, [envelopes[i]])));
    const marks = client.db(dbName).collection<EventMarkDocument>("event_marks");
    assert.equal(await marks.countDocuments(), booked.length);
    const before = (await server.commandCounts())?.get("delete") ?? 0;
    // As the appointment writer does after answering: the clears are started, never awaited,
    // one turn after another.
    for (const [i, a] of booked.entries()) {
      void stores.appointments.clearPendingEvents(a.id, [envelopes[i]]);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await stores.close();
    closed = true;
    assert.equal(
      await marks.countDocuments(),
      0,
      "every mark was dropped before the client closed",
    );
    const deletes = ((await server.commandCounts())?.get("delete") ?? 0) - before;
    assert.ok(deletes >= 1 && deletes <= 3, `${booked.length} drops went as ${deletes} deletes`);
  } finally {
    if (!closed) await stores.close();
    await client.close();
    await server.stop();
  }
});

Deno.test("event marks: a writer window that is not a number >= 0 is refused before connecting", async () => {
  const options = {
    uri: "mongodb://127.0.0.1:1",
    dbName: "unused",
    maxPoolSize: 1,
    timeoutMs: 1_000,
    retryWrites: true,
    autoMigrate: false,
  };
  for (const writerWindowMs of [-1, Number.NaN, Infinity]) {
    await assert.rejects(createMongoRecordStores({ ...options, writerWindowMs }), RangeError);
  }
});
