/**
 * The load run's verification from the store (scripts/load/verify.ts) on FerretDB: a run whose
 * bookings are all stored, confirmed and listed passes; an active booking missing from its
 * doctor's busy time (a listing would offer it as free) fails it, named, as do an overlap and a
 * confirmed booking that is gone.
 */
import assert from "node:assert/strict";
import { verifyStore } from "../../scripts/load/verify.ts";
import { type BusyEntryDocument, busyEntryId } from "../../src/stores/mongo/busy_index.ts";
import { createMongoRecordStores } from "../../src/stores/mongo/record_stores.ts";
import { type Stored, toDocument } from "../../src/stores/mongo/documents.ts";
import type { AppointmentRecord } from "../../src/stores/records.ts";
import { startFerretDb, storeOptions, withRawDb } from "../_harness/ferretdb.ts";
import { appointment, id } from "../contract/_fixtures.ts";

Deno.test("verifyStore: stored, confirmed and listed passes; unlisted, overlapping or missing bookings fail it", async () => {
  const server = await startFerretDb();
  try {
    const dbName = server.database();
    const stores = await createMongoRecordStores(storeOptions(server, dbName));
    const doctorId = id("doc");
    const [a, b] = [appointment(doctorId, id("pat"), 0), appointment(doctorId, id("pat"), 60)];
    try {
      await stores.appointments.book(a);
      await stores.appointments.book(b);
    } finally {
      await stores.close();
    }
    const target = { kind: "mongo" as const, uri: server.uri, dbName };
    const seen = [a, b].map((x) => ({ id: x.id, doctorId, start: x.start }));
    const clean = await verifyStore(target, [doctorId], seen);
    assert.equal(clean.ok, true, JSON.stringify(clean));
    assert.deepEqual(clean.unlisted, []);

    // `b`'s busy entry lost (a writer that died after its insert, with nothing to record it).
    await withRawDb(server, dbName, async (db) => {
      const res = await db.collection<BusyEntryDocument>("busy_entries").deleteOne({
        _id: busyEntryId(doctorId, b.id, b),
      });
      assert.equal(res.deletedCount, 1);
    });
    const unlisted = await verifyStore(target, [doctorId], seen);
    assert.equal(unlisted.ok, false);
    assert.deepEqual(unlisted.unlisted, [b.id]);

    // An overlapping active booking written past the guard, and a 201 whose record is gone.
    const over = appointment(doctorId, id("pat"), 70);
    await withRawDb(server, dbName, async (db) => {
      const appointments = db.collection<Stored<AppointmentRecord>>("appointments");
      await appointments.insertOne(toDocument(over));
      await appointments.deleteOne({ _id: a.id });
    });
    const broken = await verifyStore(target, [doctorId], seen);
    assert.equal(broken.ok, false);
    assert.deepEqual(broken.missing, [a.id]);
    assert.equal(broken.overlaps.length, 1);
  } finally {
    await server.stop();
  }
});
