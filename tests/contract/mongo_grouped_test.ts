/**
 * Grouped MongoDB commands (src/stores/mongo/grouped.ts) on a real FerretDB: concurrent reads by
 * `_id` go as fewer `find`s and each caller gets its own document (its own copy when two asked for
 * one); concurrent inserts go as fewer `insert`s, a duplicate `_id` fails its own caller only, as
 * a duplicate key; grouped upserts say which replaced; grouped mark drops answer false only for a
 * mark set again meanwhile; concurrent bookings through the record store send fewer commands than
 * they make calls, with one winner per slot; concurrent sign-ins of new patients share their
 * pointer and record inserts, one patient per phone among racers; and a stopped server fails every
 * caller of a command as unreachable.
 */
import assert from "node:assert/strict";
import type { Db } from "mongodb";
import { ServiceUnavailableError } from "../../src/errors.ts";
import { guarded, isDuplicateKey } from "../../src/stores/mongo/driver_errors.ts";
import { createEventMarks, type EventMarkDocument } from "../../src/stores/mongo/event_marks.ts";
import {
  groupedFindById,
  groupedInsert,
  groupedInsertEach,
  groupedUpsertById,
} from "../../src/stores/mongo/grouped.ts";
import { createMongoRecordStores } from "../../src/stores/mongo/record_stores.ts";
import { startFerretDb, storeOptions, type TestMongo, withRawDb } from "../_harness/ferretdb.ts";
import { appointment, id, patient } from "./_fixtures.ts";

interface Thing {
  _id: string;
  n: number;
  tags?: string[];
}

async function withDb(fn: (db: Db, server: TestMongo) => Promise<void>) {
  const server = await startFerretDb({ countCommands: true });
  try {
    await withRawDb(server, server.database(), (db) => fn(db, server));
  } finally {
    await server.stop();
  }
}

const countOf = async (server: TestMongo, command: string) =>
  (await server.commandCounts())?.get(command) ?? 0;

Deno.test("grouped finds: 40 concurrent reads by _id in fewer finds, each its own document", async () => {
  await withDb(async (db, server) => {
    const things = db.collection<Thing>("things");
    await things.insertMany(Array.from({ length: 30 }, (_, n) => ({ _id: `t${n}`, n, tags: [] })));
    const find = groupedFindById(things);
    const before = await countOf(server, "find");
    // 30 present, 5 absent, and t0 asked five times in all.
    const ids = [
      ...Array.from({ length: 30 }, (_, n) => `t${n}`),
      ...Array.from({ length: 5 }, (_, n) => `missing${n}`),
      "t0",
      "t0",
      "t0",
      "t0",
    ];
    const found = await Promise.all(ids.map(find));
    const finds = await countOf(server, "find") - before;
    assert.ok(finds >= 1 && finds < ids.length / 2, `${ids.length} reads went as ${finds} finds`);
    ids.forEach((wanted, i) => {
      if (wanted.startsWith("missing")) assert.equal(found[i], null);
      else assert.equal(found[i]?._id, wanted);
    });
    const copies = found.filter((doc) => doc?._id === "t0");
    assert.equal(copies.length, 5);
    assert.equal(new Set(copies).size, 5, "each caller holds an object of its own");
    copies[0]!.tags!.push("changed by one caller");
    assert.deepEqual(copies[1]!.tags, []);
    // A read asked after a write answered sees it.
    await things.updateOne({ _id: "t1" }, { $set: { n: 100 } });
    assert.equal((await find("t1"))?.n, 100);
  });
});

Deno.test("grouped inserts: fewer commands, and a duplicate _id fails its own caller only", async () => {
  await withDb(async (db, server) => {
    const things = db.collection<Thing>("things");
    await things.insertOne({ _id: "taken", n: 0 });
    const insert = groupedInsert(things);
    const before = await countOf(server, "insert");
    const docs = [
      ...Array.from({ length: 20 }, (_, n) => ({ _id: `new${n}`, n })),
      { _id: "taken", n: 1 },
      { _id: "twice", n: 2 },
      { _id: "twice", n: 3 },
    ];
    const results = await Promise.allSettled(docs.map(insert));
    const inserts = await countOf(server, "insert") - before;
    assert.ok(inserts < docs.length / 2, `${docs.length} inserts went as ${inserts} commands`);
    const failed = results.flatMap((r, i) => r.status === "rejected" ? [[i, r.reason]] : []);
    assert.deepEqual(failed.map(([i]) => i), [20, 22], "the taken _id and the second 'twice'");
    for (const [, reason] of failed) assert.ok(isDuplicateKey(reason), String(reason));
    assert.equal(await things.countDocuments(), 22);
    assert.deepEqual(await things.findOne({ _id: "twice" }), { _id: "twice", n: 2 });
    assert.deepEqual(await things.findOne({ _id: "taken" }), { _id: "taken", n: 0 });

    // One caller's several documents: an outcome each, the others' documents beside them.
    const insertEach = groupedInsertEach(things);
    const [mine, theirs] = await Promise.all([
      insertEach([{ _id: "a1", n: 1 }, { _id: "taken", n: 2 }, { _id: "a3", n: 3 }]),
      insertEach([{ _id: "b1", n: 1 }]),
    ]);
    assert.deepEqual(mine.map((o) => o.ok), [true, false, true]);
    assert.deepEqual(theirs.map((o) => o.ok), [true]);
    assert.deepEqual(await insertEach([]), []);
  });
});

Deno.test("grouped upserts say which replaced; grouped mark drops spare a mark set again", async () => {
  await withDb(async (db) => {
    const things = db.collection<Thing>("things");
    await things.insertOne({ _id: "old", n: 0 });
    const upsert = groupedUpsertById(things);
    const answers = await Promise.all([
      upsert({ _id: "old", replacement: { n: 1 } }),
      upsert({ _id: "fresh", replacement: { n: 2 } }),
      upsert({ _id: "fresh", replacement: { n: 3 } }),
    ]);
    assert.deepEqual(answers.map((a) => a.replaced), [true, false, true]);
    assert.deepEqual(await things.find().sort({ _id: 1 }).toArray(), [
      { _id: "fresh", n: 3 },
      { _id: "old", n: 1 },
    ]);

    const marks = createEventMarks(db);
    const ids = Array.from({ length: 6 }, () => id("appt"));
    const set = await Promise.all(ids.map((a) => marks.mark(a)));
    assert.ok(set.every((m) => !m.replaced));
    const stale = { _id: ids[2], token: set[2].token };
    await marks.mark(ids[2]); // a change marks it again before the drop
    const dropped = await Promise.all(
      ids.map((a, i) => marks.drop(i === 2 ? stale : { _id: a, token: set[i].token })),
    );
    assert.deepEqual(dropped, [true, true, false, true, true, true]);
    const left = await db.collection<EventMarkDocument>("event_marks").find().toArray();
    assert.deepEqual(left.map((m) => m._id), [ids[2]], "the newer mark survives");
    // A drop alone of a mark already gone answers false, as a deleteOne would.
    assert.equal(await marks.drop({ _id: ids[0], token: set[0].token }), false);
  });
});

Deno.test("grouped commands: concurrent bookings send fewer commands, one winner per slot", async () => {
  const server = await startFerretDb({ countCommands: true });
  try {
    const stores = await createMongoRecordStores(storeOptions(server, server.database()));
    try {
      const doctorId = id("doc");
      const distinct = Array.from(
        { length: 20 },
        (_, i) => appointment(doctorId, id("pat"), i * 60),
      );
      const racing = Array.from({ length: 10 }, () => appointment(doctorId, id("pat"), 20 * 60));
      const before = await countOf(server, "insert");
      const results = await Promise.allSettled(
        [...distinct, ...racing].map((a) => stores.appointments.book(a)),
      );
      const inserts = await countOf(server, "insert") - before;
      const won = results.filter((r) => r.status === "fulfilled").length;
      assert.equal(won, 21, "every distinct slot and one of the racers");
      for (const r of results) {
        if (r.status === "rejected") assert.equal(r.reason?.code, "slot_unavailable");
      }
      // Alone, each booking inserts claims, its document and its busy entry: 3 commands.
      assert.ok(inserts < 21 * 3, `${results.length} bookings sent ${inserts} inserts`);
      const listed = await stores.appointments.busy(doctorId, 0, Number.MAX_SAFE_INTEGER);
      assert.equal(listed.length, 21);
    } finally {
      await stores.close();
    }
  } finally {
    await server.stop();
  }
});

Deno.test("grouped sign-ins: new patients share inserts, one patient per phone among racers", async () => {
  const server = await startFerretDb({ countCommands: true });
  try {
    const stores = await createMongoRecordStores(storeOptions(server, server.database()));
    try {
      const distinct = Array.from({ length: 20 }, () => patient());
      const shared = id("phone");
      const racing = Array.from({ length: 6 }, () => patient({ phoneIndex: shared }));
      const before = await countOf(server, "insert");
      const got = await Promise.all(
        [...distinct, ...racing].map((p) => stores.patients.getOrCreate(p)),
      );
      const inserts = await countOf(server, "insert") - before;
      for (const [i, p] of distinct.entries()) assert.equal(got[i].id, p.id, "its own record");
      const winners = new Set(got.slice(distinct.length).map((p) => p.id));
      assert.equal(winners.size, 1, "the racers for one phone all got one patient");
      // Alone, each new patient inserts its phone's pointer and its document: 2 commands.
      assert.ok(inserts < distinct.length * 2, `${got.length} sign-ins sent ${inserts} inserts`);
      for (const p of distinct) {
        assert.equal((await stores.patients.findByPhoneIndex(p.phoneIndex!))?.id, p.id);
      }
      const [winner] = winners;
      assert.equal((await stores.patients.findByPhoneIndex(shared))?.id, winner);
    } finally {
      await stores.close();
    }
  } finally {
    await server.stop();
  }
});

Deno.test("grouped commands: a stopped server fails every caller of a command as unreachable", async () => {
  const server = await startFerretDb();
  try {
    await withRawDb(server, server.database(), async (db) => {
      const things = db.collection<Thing>("things");
      await things.insertOne({ _id: "x", n: 0 });
      const find = groupedFindById(things);
      await server.halt();
      const results = await Promise.allSettled(
        ["x", "y", "z"].map((k) => guarded(() => find(k))),
      );
      for (const r of results) {
        assert.equal(r.status, "rejected");
        assert.ok(r.reason instanceof ServiceUnavailableError, String(r.reason));
      }
      await server.restart();
      assert.equal((await find("x"))?._id, "x", "the next command goes once it is back");
    });
  } finally {
    await server.stop();
  }
});
