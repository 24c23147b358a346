/**
 * `reconcile --fix` (src/stores/mongo/reconcile.ts) while the servers keep serving: it reads a
 * doctor's appointments, then the claims, then the busy entries, so a booking or a cancel can land
 * between those reads. What it repairs then must be what is still wrong: a booking made after it
 * read the appointments stays listed, and a slot cancelled after it read them is not claimed
 * again for the cancelled appointment, and an orphan claim it read is deleted only as it read it,
 * never the claim a move put on that cell since. The interleaving is forced by running the change just
 * before reconcile's read of the named collection.
 */
import assert from "node:assert/strict";
import type { Collection, Db } from "mongodb";
import { SlotUnavailableError } from "../../src/errors.ts";
import { type ClaimDocument, claimId } from "../../src/stores/mongo/claims.ts";
import { createMongoRecordStores } from "../../src/stores/mongo/record_stores.ts";
import { reconcile } from "../../src/stores/mongo/reconcile.ts";
import { type AppointmentRecord, cellsOf } from "../../src/stores/records.ts";
import { startFerretDb, storeOptions, withRawDb } from "../_harness/ferretdb.ts";
import { appointment, id, MINUTE_MS, moved, T0 } from "./_fixtures.ts";

const GRACE_MS = 2_000;
/** Long settled: reconcile looks at it. */
const LONG_AGO = new Date(Date.now() - 3_600_000).toISOString();

/**
 * `db`, with `before()` run once just before the first call of `method` (`find`, or a write) on
 * `collection`.
 */
function runningBefore(
  db: Db,
  collection: string,
  method: "find" | "deleteOne",
  before: () => Promise<void>,
): Db {
  let ran = false;
  const once = async () => {
    if (ran) return;
    ran = true;
    await before();
  };
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop !== "collection") return Reflect.get(target, prop, receiver);
      return (name: string) => {
        const real: Collection = target.collection(name);
        if (name !== collection) return real;
        return new Proxy(real, {
          get(c, p, r) {
            if (p !== method) return Reflect.get(c, p, r);
            if (method === "deleteOne") {
              return async (...args: Parameters<Collection["deleteOne"]>) => {
                await once();
                return c.deleteOne(...args);
              };
            }
            // A cursor's two uses in reconcile: `toArray()` and `for await`.
            return (...args: Parameters<Collection["find"]>) => {
              const open = async () => {
                await once();
                return c.find(...args);
              };
              return {
                toArray: async () => (await open()).toArray(),
                async *[Symbol.asyncIterator]() {
                  yield* await open();
                },
              };
            };
          },
        });
      };
    },
  });
}

async function withStores(
  fn: (
    stores: Awaited<ReturnType<typeof createMongoRecordStores>>,
    db: Db,
  ) => Promise<void>,
) {
  const server = await startFerretDb();
  const dbName = server.database();
  const stores = await createMongoRecordStores(
    storeOptions(server, dbName, { claimGraceMs: GRACE_MS }),
  );
  try {
    await withRawDb(server, dbName, (db) => fn(stores, db));
  } finally {
    await stores.close();
    await server.stop();
  }
}

const week = [T0 - MINUTE_MS, T0 + 24 * 60 * MINUTE_MS] as const;

Deno.test("reconcile --fix: a booking made after it read the doctor's appointments stays listed", async () => {
  await withStores(async (stores, db) => {
    const doctorId = id("doc");
    await db.collection<{ _id: string }>("doctors").insertOne({ _id: doctorId });
    const late = appointment(doctorId, id("pat"), 60, 30, { updatedAt: LONG_AGO });
    // Booked while reconcile scans the doctor: after its read of appointments, before the entries.
    const racing = runningBefore(db, "busy_entries", "find", async () => {
      await stores.appointments.book(late);
    });
    await reconcile(racing, { fix: true, graceMs: GRACE_MS, nowMs: Date.now() });
    const span = { startMs: late.startMs, endMs: late.endMs };
    assert.deepEqual(
      await stores.appointments.busy(doctorId, ...week),
      [span],
      "the booking is offered as free",
    );
    // Nor does a later run of reconcile list it again.
    await reconcile(db, { fix: true, graceMs: GRACE_MS, nowMs: Date.now() + 10 * GRACE_MS });
    assert.deepEqual(await stores.appointments.busy(doctorId, ...week), [span]);
  });
});

Deno.test("reconcile --fix: a slot cancelled after it read the doctor's appointments is not claimed again", async () => {
  await withStores(async (stores, db) => {
    const doctorId = id("doc");
    await db.collection<{ _id: string }>("doctors").insertOne({ _id: doctorId });
    const first = await stores.appointments.book(
      appointment(doctorId, id("pat"), 0, 30, { updatedAt: LONG_AGO }),
    );
    // Cancelled while reconcile scans the doctor: after its read of appointments, before claims.
    const racing = runningBefore(db, "claims", "find", async () => {
      await stores.appointments.transition(first, moved(first, { status: "cancelled" }));
    });
    const result = await reconcile(racing, { fix: true, graceMs: GRACE_MS, nowMs: Date.now() });
    assert.deepEqual(
      await db.collection("claims").find({ doctorId }).toArray(),
      [],
      `no claim is left for the cancelled appointment: ${JSON.stringify(result.findings)}`,
    );
    // The freed slot books at once.
    const next = appointment(doctorId, id("pat"), 0);
    assert.equal((await stores.appointments.book(next)).id, next.id);
  });
});

Deno.test("reconcile --fix: deletes only the orphan claims it read, not the claims a move back put on those cells since", async () => {
  await withStores(async (stores, db) => {
    const doctorId = id("doc");
    await db.collection<{ _id: string }>("doctors").insertOne({ _id: doctorId });
    const booked = await stores.appointments.book(
      appointment(doctorId, id("pat"), 0, 30, { updatedAt: LONG_AGO }),
    );
    const away = await stores.appointments.transition(
      booked,
      moved(booked, { offsetMinutes: 60, updatedAt: LONG_AGO }),
    );
    // The claims a move whose release was lost leaves on the cells it left: orphans.
    const claims = db.collection<ClaimDocument>("claims");
    await claims.insertMany(
      cellsOf(booked.startMs, booked.endMs).map((cell) => ({
        _id: claimId(doctorId, cell),
        doctorId,
        start: new Date(cell),
        appointmentId: booked.id,
        claimToken: "lost-release",
        createdAt: new Date(Date.now() - 3_600_000),
      })),
    );
    // Moved back while reconcile works: the move heals those orphans and claims the cells anew.
    let back: AppointmentRecord | undefined;
    const racing = runningBefore(db, "claims", "deleteOne", async () => {
      back = await stores.appointments.transition(away, moved(away, { offsetMinutes: 0 }));
    });
    await reconcile(racing, { fix: true, graceMs: GRACE_MS, nowMs: Date.now() });
    assert.equal(back?.startMs, booked.startMs);
    const held = await claims.find({ doctorId, appointmentId: booked.id }).toArray();
    assert.deepEqual(
      held.map((c) => c._id).sort(),
      cellsOf(booked.startMs, booked.endMs).map((cell) => claimId(doctorId, cell)).sort(),
      "the appointment, back on its first time, holds a claim on each of its cells",
    );
    await assert.rejects(
      stores.appointments.book(appointment(doctorId, id("pat"), 0)),
      SlotUnavailableError,
      "a second booking of that time",
    );
  });
});
