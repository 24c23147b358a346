/**
 * `migrate` (src/stores/mongo/migrate.ts) that dies part-way: creating `event_marks` fills it from
 * the appointments holding events still to move, and a run that fails after the collection was
 * created, before that fill ended (the connection lost, the process killed), must leave the next
 * run to finish it; otherwise those events have no mark, and the relay never finds them.
 */
import assert from "node:assert/strict";
import type { Collection, Db } from "mongodb";
import type { AppointmentDocument } from "../../src/stores/mongo/appointment_store.ts";
import { toDocument } from "../../src/stores/mongo/documents.ts";
import { migrate } from "../../src/stores/mongo/migrate.ts";
import { createMongoRecordStores } from "../../src/stores/mongo/record_stores.ts";
import { startFerretDb, storeOptions, withRawDb } from "../_harness/ferretdb.ts";
import { appointment, confirmedEnvelope, id } from "./_fixtures.ts";

/** `db`, whose read of the appointments holding events fails (the fill of `event_marks`). */
function failingFill(db: Db): Db {
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop !== "collection") return Reflect.get(target, prop, receiver);
      return (name: string) => {
        const real: Collection = target.collection(name);
        if (name !== "appointments") return real;
        return new Proxy(real, {
          get(c, p, r) {
            if (p !== "find") return Reflect.get(c, p, r);
            return (...args: Parameters<Collection["find"]>) => {
              if (args[0] && "pendingEvents.0" in args[0]) {
                throw new Error("connection lost while filling event_marks");
              }
              return c.find(...args);
            };
          },
        });
      };
    },
  });
}

Deno.test("migrate: a run that died while filling event_marks is finished by the next, so the relay finds the events", async () => {
  const server = await startFerretDb();
  try {
    const dbName = server.database();
    const a = appointment(id("doc"), id("pat"), 0);
    const envelope = confirmedEnvelope(a.id);
    await withRawDb(server, dbName, async (db) => {
      // Written by a release before event marks: the events wait in the document.
      await db.collection<AppointmentDocument>("appointments").insertOne({
        ...toDocument(a),
        pendingEvents: [envelope],
      });
      await assert.rejects(migrate(failingFill(db)), /connection lost/);
    });
    const stores = await createMongoRecordStores(storeOptions(server, dbName));
    try {
      assert.deepEqual(
        await stores.appointments.pendingEvents(10),
        [{ appointmentId: a.id, envelopes: [envelope] }],
        `the relay finds the events; migrate said ${JSON.stringify(stores.migrations)}`,
      );
    } finally {
      await stores.close();
    }
  } finally {
    await server.stop();
  }
});
