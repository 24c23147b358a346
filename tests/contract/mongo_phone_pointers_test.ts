/**
 * Phone lookups through `phones` pointers (src/stores/mongo/phone_pointers.ts) on a real FerretDB:
 * two stores registering one phone at once end with one patient that both find; a pointer left on
 * the wrong record by a crash is corrected by the next lookup; an erased phone leaves no pointer;
 * migrate fills the pointers of records written before they existed.
 */
import assert from "node:assert/strict";
import { ConflictError } from "../../src/errors.ts";
import { type Stored, toDocument } from "../../src/stores/mongo/documents.ts";
import type { PhonePointerDocument } from "../../src/stores/mongo/phone_pointers.ts";
import {
  createMongoRecordStores,
  type MongoRecordStores,
} from "../../src/stores/mongo/record_stores.ts";
import type { DoctorRecord } from "../../src/stores/records.ts";
import { startFerretDb, storeOptions, type TestMongo, withRawDb } from "../_harness/ferretdb.ts";
import { doctor, id, patient } from "./_fixtures.ts";

let server: TestMongo | null = null;
const opened: MongoRecordStores[] = [];

async function open(dbName: string): Promise<MongoRecordStores> {
  server ??= await startFerretDb();
  const stores = await createMongoRecordStores(storeOptions(server, dbName));
  opened.push(stores);
  return stores;
}

function phones(dbName: string): Promise<PhonePointerDocument[]> {
  return withRawDb(
    server!,
    dbName,
    (db) => db.collection<PhonePointerDocument>("phones").find().toArray(),
  );
}

Deno.test({
  name: "phone pointers on FerretDB",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    try {
      await t.step("two stores registering one phone at once end with one patient", async () => {
        const dbName = (server ??= await startFerretDb()).database();
        const [a, b] = [await open(dbName), await open(dbName)];
        const phoneIndex = crypto.randomUUID();
        const got = await Promise.all(
          Array.from(
            { length: 8 },
            (_, i) => (i % 2 ? a : b).patients.getOrCreate(patient({ phoneIndex })),
          ),
        );
        assert.equal(new Set(got.map((p) => p.id)).size, 1, "one patient for the phone");
        assert.equal((await a.patients.findByPhoneIndex(phoneIndex))?.id, got[0].id);
        assert.equal((await b.patients.findByPhoneIndex(phoneIndex))?.id, got[0].id);
        const pointer = (await phones(dbName)).find((p) => p._id === `patient:${phoneIndex}`);
        assert.equal(pointer?.recordId, got[0].id);
      });

      await t.step(
        "a pointer left on the wrong record is corrected by the next lookup",
        async () => {
          const dbName = server!.database();
          const stores = await open(dbName);
          const d = doctor();
          await stores.doctors.create(d);
          // A crashed create of another doctor with this phone moved the pointer, then died.
          await withRawDb(
            server!,
            dbName,
            (db) =>
              db.collection<PhonePointerDocument>("phones").replaceOne(
                { _id: `doctor:${d.phoneIndex}` },
                { recordId: id("doc") },
              ),
          );
          assert.deepEqual(await stores.doctors.findByPhoneIndex(d.phoneIndex), d);
          const pointer = (await phones(dbName)).find((p) => p._id === `doctor:${d.phoneIndex}`);
          assert.equal(pointer?.recordId, d.id);
          // The phone stays taken for a second doctor, pointer or not.
          await assert.rejects(
            stores.doctors.create(doctor({ phoneIndex: d.phoneIndex })),
            ConflictError,
          );
          assert.equal(await stores.doctors.findByPhoneIndex(crypto.randomUUID()), null);
        },
      );

      await t.step("an erased or changed phone leaves no pointer naming the record", async () => {
        const dbName = server!.database();
        const stores = await open(dbName);
        const p = await stores.patients.getOrCreate(patient());
        const erased = { ...p, phoneIndex: "", version: 2 };
        await stores.patients.update(erased);
        assert.deepEqual(await phones(dbName), []);
        assert.equal(await stores.patients.findByPhoneIndex(p.phoneIndex), null);
        const d = doctor();
        await stores.doctors.create(d);
        const moved = { ...d, phoneIndex: crypto.randomUUID(), version: 2 };
        await stores.doctors.update(moved);
        assert.deepEqual((await phones(dbName)).map((x) => x._id), [`doctor:${moved.phoneIndex}`]);
        assert.deepEqual(await stores.doctors.findByPhoneIndex(moved.phoneIndex), moved);
        assert.equal(await stores.doctors.findByPhoneIndex(d.phoneIndex), null);
        await assert.rejects(stores.doctors.update(moved), ConflictError, "a stale version");
      });

      await t.step("migrate fills the pointers of records written before them", async () => {
        const dbName = server!.database();
        const d = doctor();
        await withRawDb(
          server!,
          dbName,
          (db) => db.collection<Stored<DoctorRecord>>("doctors").insertOne(toDocument(d)),
        );
        const stores = await open(dbName);
        assert.ok(
          stores.migrations.includes("created collection phones (filled with 1 entries)"),
          stores.migrations.join("\n"),
        );
        assert.deepEqual(await stores.doctors.findByPhoneIndex(d.phoneIndex), { ...d });
      });
    } finally {
      for (const s of opened) await s.close();
      await server?.stop();
    }
  },
});
