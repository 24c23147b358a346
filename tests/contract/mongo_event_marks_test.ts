/**
 * The relay's index of appointments holding events (src/stores/mongo/event_marks.ts) on a real
 * FerretDB: migrate marks events written before it existed, a listed appointment without events
 * loses its mark, and a mark set again after it was listed survives that listing's drop.
 */
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { ENVELOPE_KIND, type EventEnvelope } from "../../src/events/event_types.ts";
import type { AppointmentDocument } from "../../src/stores/mongo/appointment_store.ts";
import { toDocument } from "../../src/stores/mongo/documents.ts";
import { createEventMarks, type EventMarkDocument } from "../../src/stores/mongo/event_marks.ts";
import { createMongoRecordStores } from "../../src/stores/mongo/record_stores.ts";
import { startFerretDb } from "../_harness/ferretdb.ts";
import { appointment, id, T0 } from "./_fixtures.ts";

Deno.test("event marks: migrate marks old events, the relay's listing drops spent marks only", async () => {
  const server = await startFerretDb();
  const client = new MongoClient(server.uri);
  try {
    const dbName = server.database();
    const db = client.db(dbName);
    const a = appointment(id("doc"), id("pat"), 0);
    const envelope: EventEnvelope = {
      kind: ENVELOPE_KIND,
      handler: "webhooks.fanout",
      event: {
        id: "e1",
        type: "appointment.confirmed" as const,
        occurredAtMs: T0,
        data: { appointmentId: a.id },
      },
      attempt: 0,
      notBeforeMs: T0,
    };
    await db.collection<AppointmentDocument>("appointments").insertOne({
      ...toDocument(a),
      pendingEvents: [envelope],
    });
    const stores = await createMongoRecordStores({
      uri: server.uri,
      dbName,
      maxPoolSize: 5,
      timeoutMs: 5_000,
      retryWrites: true,
      autoMigrate: true,
    });
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
