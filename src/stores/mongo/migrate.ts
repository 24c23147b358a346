/**
 * Creates the records collections and their indexes, idempotently: safe to run at every start and
 * from several instances at once. Uses only what FerretDB also supports (plain and unique indexes;
 * no partial, sparse or TTL indexes). Returns one line per collection and index saying what it did.
 * Creating `busy_entries`, `phones` or `event_marks` fills it from the records already there
 * (busy_index.ts, phone_pointers.ts, event_marks.ts). Collection `migrations` holds `{_id:
 * "<collection>"}` from before such a collection is created until its fill has ended, so that a
 * run that died in between (the collection there, the fill not done) is finished by the next one
 * rather than taken for done; the fills are safe to run again.
 */
import type { Db, IndexSpecification } from "mongodb";
import { MongoServerError } from "mongodb";
import { backfillBusyEntries } from "./busy_index.ts";
import { backfillEventMarks } from "./event_marks.ts";
import { backfillPhonePointers } from "./phone_pointers.ts";

interface IndexPlan {
  collection: string;
  key: Record<string, 1>;
  unique?: boolean;
}

const COLLECTIONS = [
  "doctors",
  "patients",
  "appointments",
  "claims",
  "busy_entries",
  "locks",
  "phones",
  "event_marks",
];

/** What a new collection is filled from, when records predate it. */
const BACKFILLS: Partial<Record<string, (db: Db) => Promise<number>>> = {
  busy_entries: backfillBusyEntries,
  phones: backfillPhonePointers,
  event_marks: backfillEventMarks,
};

const INDEXES: IndexPlan[] = [
  { collection: "doctors", key: { "search.specializations": 1 } },
  { collection: "doctors", key: { "search.languages": 1 } },
  { collection: "doctors", key: { "search.city": 1 } },
  { collection: "doctors", key: { phoneIndex: 1 }, unique: true },
  { collection: "patients", key: { phoneIndex: 1 }, unique: true },
  { collection: "appointments", key: { doctorId: 1, startMs: 1 } },
  { collection: "appointments", key: { patientId: 1, startMs: 1 } },
  { collection: "claims", key: { doctorId: 1, start: 1 } },
  { collection: "claims", key: { appointmentId: 1 } },
];

/** MongoDB's default index name: `field_1_other_1`. */
function indexName(key: Record<string, 1>): string {
  return Object.entries(key).map(([field, dir]) => `${field}_${dir}`).join("_");
}

const NAMESPACE_EXISTS = 48;

export async function migrate(db: Db): Promise<string[]> {
  const lines: string[] = [];
  const existing = new Set(
    (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name),
  );
  const fills = db.collection<{ _id: string; startedAt: Date }>("migrations");
  // One read for every collection (a server's start runs these checks before its first answer).
  const notFilled = new Set((await fills.find({}).toArray()).map((fill) => fill._id));
  for (const name of COLLECTIONS) {
    const backfill = BACKFILLS[name];
    const unfinished = backfill !== undefined && notFilled.has(name);
    if (existing.has(name) && !unfinished) {
      lines.push(`exists collection ${name}`);
      continue;
    }
    if (backfill) {
      await fills.updateOne({ _id: name }, { $setOnInsert: { startedAt: new Date() } }, {
        upsert: true,
      });
    }
    let created = false;
    if (!existing.has(name)) {
      try {
        await db.createCollection(name);
        created = true;
      } catch (err) {
        // Another instance migrating at the same moment created it first (and fills it too: this
        // one fills it as well rather than serve before that ends).
        if (!(err instanceof MongoServerError && err.code === NAMESPACE_EXISTS)) throw err;
      }
    }
    if (!backfill) {
      lines.push(`${created ? "created" : "exists"} collection ${name}`);
      continue;
    }
    const filled = `(filled with ${await backfill(db)} entries)`;
    await fills.deleteOne({ _id: name });
    lines.push(
      created ? `created collection ${name} ${filled}` : `finished collection ${name} ${filled}`,
    );
  }
  for (const plan of INDEXES) {
    const name = indexName(plan.key);
    const collection = db.collection(plan.collection);
    const present = (await collection.listIndexes().toArray()).map((i) => i.name as string);
    const label = `${plan.collection}.${name}${plan.unique ? " (unique)" : ""}`;
    if (present.includes(name)) {
      lines.push(`exists index ${label}`);
      continue;
    }
    await collection.createIndex(plan.key as IndexSpecification, {
      name,
      unique: plan.unique ?? false,
    });
    lines.push(`created index ${label}`);
  }
  return lines;
}
