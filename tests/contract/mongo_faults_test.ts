/**
 * The MongoDB adapter under faults and at rest: a server that goes away (503s within the timeout,
 * then recovery by itself), a crash between claim and appointment (healed by the next booking),
 * what the raw documents hold (no plaintext phone), and the migration and capability detection.
 */
import assert from "node:assert/strict";
import { freePort } from "../_harness/ports.ts";
import { createDataCipher, generateDataKeyBase64 } from "../../src/crypto/data_cipher.ts";
import { createKeyedHash } from "../../src/crypto/keyed_hash.ts";
import { ServiceUnavailableError, SlotUnavailableError } from "../../src/errors.ts";
import type { ClaimDocument } from "../../src/stores/mongo/claims.ts";
import { migrate } from "../../src/stores/mongo/migrate.ts";
import {
  createMongoRecordStores,
  type MongoRecordStoresOptions,
} from "../../src/stores/mongo/record_stores.ts";
import { cellsOf } from "../../src/stores/records.ts";
import { startFerretDb, storeOptions, type TestMongo, withRawDb } from "../_harness/ferretdb.ts";
import { appointment, doctor, id, MINUTE_MS, patient, T0 } from "./_fixtures.ts";

const outside = Boolean(Deno.env.get("MONGODB_URI"));
const TIMEOUT_MS = 1_000;

function options(server: TestMongo, dbName = server.database()): MongoRecordStoresOptions {
  return storeOptions(server, dbName, { maxPoolSize: 5, timeoutMs: TIMEOUT_MS });
}

Deno.test({
  name: "MongoDB records answer 503 within the timeout while the server is down, then recover",
  ignore: outside,
  async fn() {
    const server = await startFerretDb();
    try {
      const stores = await createMongoRecordStores(options(server));
      try {
        const d = doctor();
        await stores.doctors.create(d);
        await server.halt();
        const calls: [string, () => Promise<unknown>][] = [
          ["ping", () => stores.ping()],
          ["doctors.get", () => stores.doctors.get(d.id)],
          ["doctors.search", () => stores.doctors.search({}, 10)],
          ["patients.getOrCreate", () => stores.patients.getOrCreate(patient())],
          ["appointments.book", () => stores.appointments.book(appointment(d.id, id("pat"), 0))],
          ["appointments.busy", () => stores.appointments.busy(d.id, T0, T0 + 60 * MINUTE_MS)],
        ];
        for (const [name, call] of calls) {
          const started = Date.now();
          await assert.rejects(call(), ServiceUnavailableError, `${name} while down`);
          const took = Date.now() - started;
          assert.ok(took < TIMEOUT_MS * 3, `${name} took ${took} ms while the server was down`);
        }
        await server.restart();
        // The driver may spend one call finding out that its old connections are dead.
        let recovered = null;
        for (let attempt = 0; attempt < 5 && !recovered; attempt++) {
          recovered = await stores.doctors.get(d.id).catch((err) => {
            if (!(err instanceof ServiceUnavailableError)) throw err;
            return new Promise<null>((resolve) => setTimeout(() => resolve(null), 200));
          });
        }
        assert.deepEqual(recovered, d);
        await stores.ping();
        await stores.appointments.book(appointment(d.id, id("pat"), 0));
      } finally {
        await stores.close();
      }
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name:
    "bookings cut off by a FerretDB crash fail with ServiceUnavailableError, never a raw driver error",
  ignore: outside,
  async fn() {
    const server = await startFerretDb();
    try {
      const stores = await createMongoRecordStores({ ...options(server), timeoutMs: 2_000 });
      try {
        const doctorId = id("doc");
        let stop = false;
        const failures: unknown[] = [];
        // 20 loops of 30-minute bookings (six claims in one insertMany each) while the server dies.
        const loops = Array.from({ length: 20 }, async (_, loop) => {
          for (let i = 0; !stop && i < 500; i++) {
            const offset = (loop * 500 + i) * 30;
            await stores.appointments.book(appointment(doctorId, id("pat"), offset))
              .catch((err) => void failures.push(err));
          }
        });
        setTimeout(() => void server.crash().then(() => stop = true), 400);
        await Promise.all(loops);
        assert.ok(failures.length > 0, "the crash cut some bookings off");
        for (const err of failures) {
          assert.ok(err instanceof ServiceUnavailableError, `not a 503: ${err}`);
        }
      } finally {
        await stores.close();
      }
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name: "createMongoRecordStores() rejects with ServiceUnavailableError when nothing listens",
  async fn() {
    const port = freePort();
    await assert.rejects(
      createMongoRecordStores({
        uri: `mongodb://127.0.0.1:${port}/`,
        dbName: "vaidya_nothing",
        maxPoolSize: 1,
        timeoutMs: 300,
        retryWrites: true,
        autoMigrate: false,
      }),
      (err) => err instanceof ServiceUnavailableError && /MongoDB unreachable/.test(err.message),
    );
  },
});

let shared: TestMongo | null = null;
Deno.test.beforeAll(async () => {
  shared = await startFerretDb();
});
Deno.test.afterAll(async () => {
  await shared?.stop();
});

Deno.test("appointments.book() heals claims left by a crash before the appointment write", async () => {
  const opts = options(shared!);
  const stores = await createMongoRecordStores(opts);
  try {
    const doctorId = id("doc");
    const orphan = (offset: number, ageMs: number, appointmentId = id("apt")) =>
      cellsOf(T0 + offset * MINUTE_MS, T0 + (offset + 30) * MINUTE_MS).map((cell) => ({
        _id: `${doctorId}:${cell}`,
        doctorId,
        start: new Date(cell),
        appointmentId,
        claimToken: "crashed",
        createdAt: new Date(Date.now() - ageMs),
      } satisfies ClaimDocument));
    await withRawDb(
      shared!,
      opts.dbName,
      (db) =>
        db.collection<ClaimDocument>("claims").insertMany([
          ...orphan(0, 120_000),
          // Only the first cell: a crash halfway through claiming.
          orphan(60, 120_000)[0],
          ...orphan(120, 1_000),
        ]),
    );
    const healed = appointment(doctorId, id("pat"), 0);
    assert.deepEqual(await stores.appointments.book(healed), healed);
    await stores.appointments.book(appointment(doctorId, id("pat"), 60));
    // A young claim may belong to a booking still in flight: it is respected.
    await assert.rejects(
      stores.appointments.book(appointment(doctorId, id("pat"), 120)),
      SlotUnavailableError,
    );
    const claims = await withRawDb(
      shared!,
      opts.dbName,
      (db) =>
        db.collection<ClaimDocument>("claims").find({ doctorId, appointmentId: healed.id })
          .toArray(),
    );
    assert.equal(claims.length, 6);
  } finally {
    await stores.close();
  }
});

Deno.test("appointments.book() heals claims of a move that crashed before releasing", async () => {
  const opts = options(shared!);
  const stores = await createMongoRecordStores(opts);
  try {
    const a = await stores.appointments.book(appointment(id("doc"), id("pat"), 0));
    // Claims on cells the appointment no longer covers, as a crashed transition leaves them.
    const stale = cellsOf(T0 + 60 * MINUTE_MS, T0 + 90 * MINUTE_MS).map((cell) => ({
      _id: `${a.doctorId}:${cell}`,
      doctorId: a.doctorId,
      start: new Date(cell),
      appointmentId: a.id,
      claimToken: "crashed",
      createdAt: new Date(Date.now() - 120_000),
    } satisfies ClaimDocument));
    await withRawDb(
      shared!,
      opts.dbName,
      (db) => db.collection<ClaimDocument>("claims").insertMany(stale),
    );
    await stores.appointments.book(appointment(a.doctorId, id("pat"), 60));
    await assert.rejects(
      stores.appointments.book(appointment(a.doctorId, id("pat"), 0)),
      SlotUnavailableError,
      "live claims are never healed",
    );
  } finally {
    await stores.close();
  }
});

Deno.test("MongoDB patients hold no plaintext phone or name at rest", async () => {
  const opts = options(shared!);
  const stores = await createMongoRecordStores(opts);
  try {
    const cipher = await createDataCipher([{ id: "k1", keyBase64: generateDataKeyBase64() }]);
    const secret = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
    const hash = await createKeyedHash(secret);
    const phone = "+919876543210";
    const name = "Asha Menon";
    const p = patient({
      phoneIndex: await hash.hash("phone", phone),
      phoneSealed: await cipher.seal(phone),
      nameSealed: await cipher.seal(name),
    });
    await stores.patients.getOrCreate(p);
    const raw = await withRawDb(
      shared!,
      opts.dbName,
      (db) => db.collection("patients").find().toArray(),
    );
    const text = JSON.stringify(raw);
    assert.equal(raw.length, 1);
    for (const plain of [phone, phone.slice(1), "9876543210", name]) {
      assert.ok(!text.includes(plain), `raw patient documents contain ${plain}`);
    }
    const stored = await stores.patients.findByPhoneIndex(await hash.hash("phone", phone));
    assert.equal(await cipher.open(stored!.phoneSealed), phone);
  } finally {
    await stores.close();
  }
});

Deno.test("migrate() creates collections and indexes once, then reports them as existing", async () => {
  const dbName = shared!.database();
  const first = await withRawDb(shared!, dbName, migrate);
  assert.ok(first.includes("created collection claims"), first.join("\n"));
  assert.ok(first.includes("created index appointments.doctorId_1_startMs_1"), first.join("\n"));
  assert.ok(first.includes("created index patients.phoneIndex_1 (unique)"), first.join("\n"));
  const second = await withRawDb(shared!, dbName, migrate);
  assert.equal(second.length, first.length);
  assert.ok(second.every((line) => line.startsWith("exists ")), second.join("\n"));
  const stores = await createMongoRecordStores(options(shared!, dbName));
  await stores.close();
  assert.ok(stores.migrations.every((line) => line.startsWith("exists ")));
});

Deno.test({
  name: "createMongoRecordStores() reports no transactions on FerretDB",
  ignore: outside,
  async fn() {
    const stores = await createMongoRecordStores(options(shared!));
    await stores.close();
    assert.deepEqual(stores.capabilities, { topology: "standalone", transactions: false });
  },
});
