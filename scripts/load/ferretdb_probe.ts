/**
 * How FerretDB's operations cost as a collection grows, on a throwaway FerretDB
 * (tests/_harness/ferretdb.ts; `FERRETDB_BIN` picks the binary). It explains the FerretDB + Redis
 * day in docs/BENCHMARKS.md (issue 15): run `deno run -A scripts/load/ferretdb_probe.ts`. Prints
 * milliseconds per operation; asserts nothing. The documents an operation touches are spread over
 * the whole collection: the first rows of a table are found early even by a full scan. Then the
 * CPU each kind of command costs, FerretDB's and this process's (the driver's), with AT_ONCE
 * commands in flight as under load: what a booking's commands cost depends on their kind, and a
 * write that changes a stored document costs FerretDB several inserts, and a group of new
 * documents costs less inserted than upserted (docs/BENCHMARKS.md).
 */
import { MongoClient } from "mongodb";
import { startFerretDb } from "../../tests/_harness/ferretdb.ts";
import { cpuSecondsOf } from "./server_process.ts";

interface Doc {
  _id: string;
  version: number;
  doctorId: string;
  pad: string;
  list?: { id: string }[];
}

const SIZES = [100, 2_000, 6_000];
const OPS = 30;
/** Commands per kind in the CPU table, and how many are in flight at once. */
const CPU_OPS = 2_000;
const AT_ONCE = 20;
/** Documents per command in the grouped rows of the CPU table (a booking's marks went ~2–3). */
const GROUP = 3;

async function perOp(label: string, size: number, f: (id: string, i: number) => Promise<unknown>) {
  const start = performance.now();
  for (let i = 0; i < OPS; i++) await f(`d${Math.floor(((i + 0.5) * size) / OPS)}`, i);
  console.log(`| ${label} | ${((performance.now() - start) / OPS).toFixed(2)} |`);
}

const ferret = await startFerretDb();
const client = new MongoClient(ferret.uri);
try {
  const db = client.db(ferret.database());
  const col = db.collection<Doc>("probe");
  const marks = db.collection<{ _id: string; token: string }>("marks");
  await col.createIndex({ doctorId: 1 });
  for (const size of SIZES) {
    const have = await col.countDocuments();
    const docs: Doc[] = [];
    for (let i = have; i < size; i++) {
      docs.push({ _id: `d${i}`, version: 1, doctorId: `doc${i}`, pad: "x".repeat(500) });
    }
    if (docs.length > 0) await col.insertMany(docs);
    const n = (id: string) => Number(id.slice(1));
    console.log(`\n${size} documents\n\n| operation | ms per op |\n| --- | ---: |`);
    await perOp("findOne {_id}", size, (id) => col.findOne({ _id: id }));
    // The listing's read of a doctor's busy entries (busy_index.ts): the `_id`s of one prefix.
    await perOp(
      "find {_id: {$gte, $lt}} (the ids of one prefix)",
      size,
      (id) =>
        col.find({ _id: { $gte: `${id.slice(0, -1)}0`, $lt: `${id.slice(0, -1)}:` } }).toArray(),
    );
    await perOp(
      "findOne {_id, doctorId}",
      size,
      (id) => col.findOne({ _id: id, doctorId: `doc${n(id)}` }),
    );
    await perOp(
      "find {doctorId} (indexed)",
      size,
      (id) => col.find({ doctorId: `doc${n(id)}` }).toArray(),
    );
    await perOp("insertOne", size, (id) => col.insertOne({ ...docs[0], _id: `${id}-new` }));
    await perOp(
      "insertOne, duplicate _id",
      size,
      (id) => col.insertOne({ ...docs[0], _id: id }).catch(() => {}),
    );
    await perOp(
      "updateOne {_id} $set",
      size,
      (id, i) => col.updateOne({ _id: id }, { $set: { pad: `s${size}${i}` } }),
    );
    await perOp(
      "updateOne {_id, version} $set",
      size,
      (id, i) => col.updateOne({ _id: id, version: 1 }, { $set: { pad: `v${size}${i}` } }),
    );
    await perOp(
      "updateOne {_id} upsert",
      size,
      (id) => col.updateOne({ _id: `${id}-up` }, { $set: { version: 1 } }, { upsert: true }),
    );
    await perOp(
      "updateOne {_id} $push",
      size,
      (id, i) => col.updateOne({ _id: id }, { $push: { list: { id: `e${i}` } } }),
    );
    await perOp(
      "updateOne {_id} $pullAll",
      size,
      (id, i) => col.updateOne({ _id: id }, { $pullAll: { list: [{ id: `e${i}` }] } }),
    );
    await perOp(
      "replaceOne {_id, version}",
      size,
      (id, i) =>
        col.replaceOne({ _id: id, version: 1 }, { version: 1, doctorId: "d", pad: `r${i}` }),
    );
    await perOp("deleteOne {_id}", size, (id) => col.deleteOne({ _id: `${id}-new` }));
  }

  /**
   * Microseconds of CPU per command: FerretDB's (when the harness started it) and this process's;
   * per document for a command that carries `perCommand` of them.
   */
  const cpuPerCommand = async (
    label: string,
    f: (i: number) => Promise<unknown>,
    perCommand = 1,
  ) => {
    const pid = ferret.pid();
    const cpu = () => Promise.all([pid ? cpuSecondsOf(pid) : 0, cpuSecondsOf(Deno.pid)]);
    const [ferret0, self0] = await cpu();
    let next = 0;
    await Promise.all(
      Array.from({ length: AT_ONCE }, async () => {
        while (next < CPU_OPS) await f(next++);
      }),
    );
    const [ferret1, self1] = await cpu();
    const us = (s: number) => (s * 1e6 / (CPU_OPS * perCommand)).toFixed(0);
    console.log(`| ${label} | ${pid ? us(ferret1 - ferret0) : "-"} | ${us(self1 - self0)} |`);
  };
  const id = (i: number) => `d${i % SIZES.at(-1)!}`;
  const base = { version: 1, doctorId: "doc0", pad: "x".repeat(500) };
  console.log(
    `\nCPU per command, ${AT_ONCE} at once, ${CPU_OPS} each, on ${SIZES.at(-1)} documents\n\n` +
      "| command | FerretDB µs | this process µs |\n| --- | ---: | ---: |",
  );
  await cpuPerCommand(
    "insertOne (a new document)",
    (i) => col.insertOne({ ...base, _id: `c${i}` }),
  );
  await cpuPerCommand("findOne {_id}", (i) => col.findOne({ _id: id(i) }));
  await cpuPerCommand(
    "updateOne {_id} upsert (a new document)",
    (i) => col.updateOne({ _id: `u${i}` }, { $set: { version: 1 } }, { upsert: true }),
  );
  await cpuPerCommand(
    "updateOne {_id} $set (the document changes)",
    (i) => col.updateOne({ _id: id(i) }, { $set: { pad: `c${i}` } }),
  );
  await cpuPerCommand(
    "updateOne {_id} $set (nothing changes)",
    (i) => col.updateOne({ _id: `c${i}` }, { $set: { version: 1 } }),
  );
  await cpuPerCommand(
    "updateOne {_id} $addToSet (the document changes)",
    (i) => col.updateOne({ _id: id(i) }, { $addToSet: { list: { id: `a${i}` } } }),
  );
  await cpuPerCommand(
    "findOneAndUpdate {_id} $pullAll (the document changes)",
    (i) => col.findOneAndUpdate({ _id: id(i) }, { $pullAll: { list: [{ id: `a${i}` }] } }),
  );
  await cpuPerCommand("deleteOne {_id}", (i) => col.deleteOne({ _id: `c${i}` }));
  // As the grouped writers send them (src/stores/mongo/grouped.ts): several new small documents
  // in one command, inserted, or upserted by `_id` (what a booking's event mark was).
  const small = (i: number) =>
    Array.from({ length: GROUP }, (_, k) => ({ _id: `g${i}-${k}`, token: `t${i}-${k}` }));
  await cpuPerCommand(
    `insertMany, ${GROUP} new small documents (per document)`,
    (i) => marks.insertMany(small(i), { ordered: false }),
    GROUP,
  );
  await cpuPerCommand(
    `bulkWrite of ${GROUP} replaceOne {_id} upserts, new small documents (per document)`,
    (i) =>
      marks.bulkWrite(
        small(i + CPU_OPS).map(({ _id, token }) => ({
          replaceOne: { filter: { _id }, replacement: { token }, upsert: true },
        })),
        { ordered: false },
      ),
    GROUP,
  );
} finally {
  await client.close();
  await ferret.stop();
}
