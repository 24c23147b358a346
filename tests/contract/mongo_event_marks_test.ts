/**
 * The relay's index of appointments holding events (src/stores/mongo/event_marks.ts) on a real
 * FerretDB: migrate marks events written before it existed, a listed appointment without events
 * loses its mark, and a mark set again after it was listed survives that listing's drop.
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

Deno.test("event marks: a writer clearing its own events from a document left empty drops its mark, not a newer write's", async () => {
  const server = await startFerretDb();
  const client = new MongoClient(server.uri);
  const dbName = server.database();
  const stores = await createMongoRecordStores(
    storeOptions(server, dbName, { maxPoolSize: 5 }),
  );
  try {
    const marks = client.db(dbName).collection<EventMarkDocument>("event_marks");
    const a = appointment(id("doc"), id("pat"), 0);
    const env = (eventId: string) => confirmedEnvelope(a.id, eventId);
    const booked = [env("e1")];
    await stores.appointments.book(a, booked);
    await stores.appointments.clearPendingEvents(a.id, booked);
    assert.equal(await marks.countDocuments(), 0, "the booking's own mark went with its events");

    const b = appointment(a.doctorId, id("pat"), 60);
    await stores.appointments.book(b, [env("e2")]);
    // A change marks again and appends its event before the booking's writer clears its own.
    const cancelled = moved(b, { status: "cancelled", cancelledBy: "patient" });
    await stores.appointments.transition(b, cancelled, [env("e3")]);
    await stores.appointments.clearPendingEvents(b.id, [env("e2")]);
    assert.equal(await marks.countDocuments(), 1, "the change's mark stays while e3 waits");
    assert.deepEqual(
      (await stores.appointments.pendingEvents(10)).flatMap((p) => p.envelopes),
      [env("e3")],
    );
    await stores.appointments.clearPendingEvents(b.id, [env("e3")]);
    assert.equal(await marks.countDocuments(), 0);
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
