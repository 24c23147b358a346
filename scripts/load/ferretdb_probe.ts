/**
 * How FerretDB's operations cost as a collection grows, on a throwaway FerretDB
 * (tests/_harness/ferretdb.ts; `FERRETDB_BIN` picks the binary). It explains the FerretDB + Redis
 * day in docs/BENCHMARKS.md (issue 15): run `deno run -A scripts/load/ferretdb_probe.ts`. Prints
 * milliseconds per operation; asserts nothing. The documents an operation touches are spread over
 * the whole collection: the first rows of a table are found early even by a full scan.
 */
import { MongoClient } from "mongodb";
import { startFerretDb } from "../../tests/_harness/ferretdb.ts";

interface Doc {
  _id: string;
  version: number;
  doctorId: string;
  pad: string;
  list?: { id: string }[];
}

const SIZES = [100, 2_000, 6_000];
const OPS = 30;

async function perOp(label: string, size: number, f: (id: string, i: number) => Promise<unknown>) {
  const start = performance.now();
  for (let i = 0; i < OPS; i++) await f(`d${Math.floor(((i + 0.5) * size) / OPS)}`, i);
  console.log(`| ${label} | ${((performance.now() - start) / OPS).toFixed(2)} |`);
}

const ferret = await startFerretDb();
const client = new MongoClient(ferret.uri);
try {
  const col = client.db(ferret.database()).collection<Doc>("probe");
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
} finally {
  await client.close();
  await ferret.stop();
}
