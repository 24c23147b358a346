/**
 * How FerretDB's lookups cost as a collection grows: by `_id`, by `_id` plus a field, and by an
 * indexed field other than `_id`, on a throwaway FerretDB (tests/_harness/ferretdb.ts). It explains
 * the FerretDB + Redis day in docs/BENCHMARKS.md (issue 15): run
 * `deno run -A scripts/load/ferretdb_probe.ts`. Prints milliseconds per operation; asserts nothing.
 */
import { MongoClient } from "mongodb";
import { startFerretDb } from "../../tests/_harness/ferretdb.ts";

interface Doc {
  _id: string;
  version: number;
  doctorId: string;
  pad: string;
}

const SIZES = [100, 2_000, 6_000];
const OPS = 50;

async function perOp(label: string, f: (i: number) => Promise<unknown>) {
  const start = performance.now();
  for (let i = 0; i < OPS; i++) await f(i);
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
      docs.push({ _id: `d${i}`, version: 1, doctorId: `doc${i % 1000}`, pad: "x".repeat(500) });
    }
    if (docs.length > 0) await col.insertMany(docs);
    console.log(`\n${size} documents\n\n| lookup | ms per op |\n| --- | ---: |`);
    await perOp("findOne {_id}", (i) => col.findOne({ _id: `d${i}` }));
    await perOp("findOne {_id, version}", (i) => col.findOne({ _id: `d${i}`, version: 1 }));
    await perOp("find {doctorId} (indexed)", (i) => col.find({ doctorId: `doc${i}` }).toArray());
    await perOp(
      "replaceOne {_id, version}",
      (i) => col.replaceOne({ _id: `d${i}`, version: 1 }, { version: 1, doctorId: "d", pad: "y" }),
    );
  }
} finally {
  await client.close();
  await ferret.stop();
}
