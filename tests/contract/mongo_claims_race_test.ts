/**
 * The claim guard (src/stores/mongo/claims.ts) between two calls for overlapping time whose
 * inserts FerretDB applied interleaved, each call holding cells the other needs: the call that
 * holds its first cell waits for the other to back off and gets the slot, the other backs off at
 * once, and a call that lost a cell to another booking's first cell backs off without waiting.
 * The interleaving is set up by hand: the rival's claims are written first, and the rival backs
 * off when the call under test reads who holds its lost cell (a `findOne` on `claims`).
 */
import assert from "node:assert/strict";
import type { Db } from "mongodb";
import { SlotUnavailableError } from "../../src/errors.ts";
import { type ClaimDocument, claimId, createClaimGuard } from "../../src/stores/mongo/claims.ts";
import { createMongoRecordStores } from "../../src/stores/mongo/record_stores.ts";
import { cellsOf } from "../../src/stores/records.ts";
import { startFerretDb, storeOptions, withRawDb } from "../_harness/ferretdb.ts";
import { appointment, id, MINUTE_MS, moved, T0 } from "./_fixtures.ts";

const GRACE_MS = 30_000;
const slot = cellsOf(T0, T0 + 30 * MINUTE_MS);

/** `db` whose `claims` collection runs `then` once, after the first `findOne` answered. */
function afterFirstClaimRead(db: Db, then: () => Promise<void>): Db {
  const claims = db.collection<ClaimDocument>("claims");
  let done = false;
  const watched = new Proxy(claims, {
    get(target, prop) {
      if (prop === "findOne") {
        return async (...args: Parameters<typeof target.findOne>) => {
          const found = await target.findOne(...args);
          if (!done) {
            done = true;
            await then();
          }
          return found;
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return new Proxy(db, {
    get(target, prop) {
      if (prop !== "collection") return Reflect.get(target, prop, target);
      return (name: string) => name === "claims" ? watched : target.collection(name);
    },
  });
}

/** A rival call's claims on `cells`, as its interleaved insert left them. */
function rivalClaims(doctorId: string, cells: number[], firstMs: number): ClaimDocument[] {
  const appointmentId = id("apt");
  return cells.map((cellMs) => ({
    _id: claimId(doctorId, cellMs),
    doctorId,
    start: new Date(cellMs),
    appointmentId,
    claimToken: "rival",
    createdAt: new Date(),
    firstMs,
  }));
}

async function withDb(fn: (db: Db) => Promise<void>) {
  const server = await startFerretDb();
  try {
    await withRawDb(server, server.database(), fn);
  } finally {
    await server.stop();
  }
}

Deno.test("claim() holding its first cell waits for a rival of the same slot that took later cells, and wins", async () => {
  await withDb(async (db) => {
    const doctorId = id("doc");
    const claims = db.collection<ClaimDocument>("claims");
    // The rival asked for the same slot, took every cell but the first, and loses that one to us.
    const rival = rivalClaims(doctorId, slot.slice(1), slot[0]);
    await claims.insertMany(rival);
    // It then finds our claim on the first cell and backs off, while we read who holds ours.
    const backsOff = () => claims.deleteMany({ claimToken: "rival" }).then(() => {});
    const guard = createClaimGuard(afterFirstClaimRead(db, backsOff), GRACE_MS);
    const appointmentId = id("apt");
    const held = await guard.claim(doctorId, appointmentId, slot);
    assert.deepEqual(held.ids.toSorted(), slot.map((c) => claimId(doctorId, c)).toSorted());
    const stored = await claims.find({ doctorId }).toArray();
    assert.deepEqual(stored.map((c) => c.appointmentId), slot.map(() => appointmentId));
  });
});

Deno.test("claim() that lost its first cell backs off at once, and one that lost a cell to another booking's first cell too", async () => {
  await withDb(async (db) => {
    const doctorId = id("doc");
    const claims = db.collection<ClaimDocument>("claims");
    const guard = createClaimGuard(db, GRACE_MS);
    const cases = [
      // The winner of the same slot holds its first cell (and nothing else yet).
      rivalClaims(doctorId, slot.slice(0, 1), slot[0]),
      // A booking starting 10 minutes into the slot holds its first cells.
      rivalClaims(doctorId, slot.slice(2), slot[2]),
    ];
    for (const rival of cases) {
      await claims.deleteMany({ doctorId });
      await claims.insertMany(rival);
      const startedMs = Date.now();
      await assert.rejects(guard.claim(doctorId, id("apt"), slot), SlotUnavailableError);
      assert.ok(Date.now() - startedMs < 1_000, "no wait for a holder that keeps its cell");
      const left = await claims.find({ doctorId }).toArray();
      assert.deepEqual(left.map((c) => c._id).toSorted(), rival.map((c) => c._id).toSorted());
    }
  });
});

Deno.test("claim() does not wait on a booking moved onto later time, whose kept cells name its old first cell", async () => {
  const server = await startFerretDb();
  const stores = await createMongoRecordStores(
    storeOptions(server, server.database(), { claimGraceMs: GRACE_MS }),
  );
  try {
    const doctorId = id("doc");
    // Booked 04:30-05:00, then moved to 04:45-05:15: its claims on 04:45 and 04:50 stay, written
    // by the first booking's call (first cell 04:30), which no rival is about to give back.
    const v1 = await stores.appointments.book(appointment(doctorId, id("pat"), 0));
    await stores.appointments.transition(v1, moved(v1, { offsetMinutes: 15 }));
    // 04:35-04:50 takes its free first cells and loses 04:45 to the moved booking.
    const startedMs = Date.now();
    await assert.rejects(
      stores.appointments.book(appointment(doctorId, id("pat"), 5, 15)),
      SlotUnavailableError,
    );
    assert.ok(Date.now() - startedMs < 1_000, "no wait for a booking that keeps its cell");
  } finally {
    await stores.close();
    await server.stop();
  }
});
