/**
 * MongoDB commands grouped (../grouped.ts): the same kind of command from concurrent callers in
 * this process goes to MongoDB as one command (reads by `_id` as one `$in` find, inserts as one
 * unordered `insert`, mark upserts as one `update` of several statements), one such command of a
 * kind in flight at a time. Each MongoDB command costs the client ~160–240 µs of main thread
 * (operation set-up, server selection, the pool, BSON, the socket) and the rig's FerretDB ~200 µs
 * before its first document (docs/BENCHMARKS.md, issue 15), however few documents it carries; in a
 * FerretDB full day ~2.6 callers shared a command (a replay of its trace).
 *
 * Each caller gets its own outcome: a document or null, or its own write error (a duplicate key
 * fails only its document's caller). A failure of the whole command (the server unreachable) fails
 * every caller in it, as their own commands would have failed.
 */
import {
  type AnyBulkWriteOperation,
  type BulkWriteResult,
  type Collection,
  type Document,
  MongoBulkWriteError,
  type OptionalUnlessRequiredId,
  type WithId,
  type WriteError,
} from "mongodb";
import { grouped, type Outcome } from "../grouped.ts";
import { findByIds } from "./documents.ts";
import { isDuplicateKey, unreachable, WriteStatementError } from "./driver_errors.ts";

const done = <O>(value: O): Outcome<O> => ({ ok: true, value });

/**
 * `findOne({_id})` grouped into `$in` finds (`findByIds`). A document asked by several callers of
 * one command is copied for all but the first, so no caller holds an object another one changes.
 */
export function groupedFindById<T extends { _id: string }>(
  collection: Collection<T>,
): (id: string) => Promise<WithId<T> | null> {
  return grouped(async (ids: string[]) => {
    const found = await findByIds(collection, ids.length === 1 ? ids : [...new Set(ids)]);
    const given = new Set<string>();
    return ids.map((id) => {
      const doc = found.get(id) ?? null;
      if (doc === null) return done(null);
      if (given.has(id)) return done(structuredClone(doc));
      given.add(id);
      return done(doc);
    });
  });
}

/**
 * Throws the first failure among `outcomes` that is not a duplicate key: duplicates are what the
 * caller of `insertEach` reads for itself (a taken cell, an entry another instance wrote).
 */
export function throwUnlessDuplicates(outcomes: readonly Outcome<unknown>[]): void {
  for (const o of outcomes) if (!o.ok && !isDuplicateKey(o.error)) throw o.error;
}

/**
 * `insertMany(docs, { ordered: false })` with one outcome per document: every document is tried,
 * and one that failed (a duplicate `_id`, typically) has the `WriteStatementError` of its code,
 * which `isDuplicateKey` recognises. Only a failure of the whole command rejects.
 */
export async function insertEach<T extends Document>(
  collection: Collection<T>,
  docs: OptionalUnlessRequiredId<T>[],
): Promise<Outcome<void>[]> {
  try {
    await collection.insertMany(docs, { ordered: false });
    return docs.map(() => done(undefined));
  } catch (err) {
    return perStatement(err, docs.length, () => undefined);
  }
}

/**
 * `insertEach` grouped: the documents of concurrent callers go as one unordered `insertMany`, in
 * call order, and each caller gets the outcomes of its own documents.
 */
export function groupedInsertEach<T extends Document>(
  collection: Collection<T>,
): (docs: OptionalUnlessRequiredId<T>[]) => Promise<Outcome<void>[]> {
  const insert = grouped(async (batches: OptionalUnlessRequiredId<T>[][]) => {
    const outcomes = await insertEach(
      collection,
      batches.length === 1 ? batches[0] : batches.flat(),
    );
    let at = 0;
    return batches.map((own) => done(outcomes.slice(at, at += own.length)));
  });
  return (docs) => docs.length === 0 ? Promise.resolve([]) : insert(docs);
}

/** `insertOne` grouped (`groupedInsertEach`): fails with the document's own error, if any. */
export function groupedInsert<T extends Document>(
  collection: Collection<T>,
): (doc: OptionalUnlessRequiredId<T>) => Promise<void> {
  const insertEach = groupedInsertEach(collection);
  return async (doc) => {
    const [outcome] = await insertEach([doc]);
    if (!outcome.ok) throw outcome.error;
  };
}

/** What `replaceOne({_id}, replacement, { upsert: true })` answered one caller. */
export interface Upserted {
  /** A document had the `_id` and was replaced (else one was inserted). */
  replaced: boolean;
}

/**
 * `replaceOne({_id}, replacement, { upsert: true })` grouped into unordered bulk writes (one
 * `update` command of several statements). Two callers of one command on the same `_id` get what
 * one after the other would: the second replaces what the first inserted.
 */
export function groupedUpsertById<T extends { _id: string }>(
  collection: Collection<T>,
): (item: { _id: string; replacement: Omit<T, "_id"> }) => Promise<Upserted> {
  return grouped(async (items: { _id: string; replacement: Omit<T, "_id"> }[]) => {
    const ops = items.map(({ _id, replacement }) => ({
      replaceOne: { filter: { _id }, replacement, upsert: true },
    })) as AnyBulkWriteOperation<T>[];
    // By the upserted `_id`s, not their statement indexes: FerretDB 1.24 numbers those among the
    // upserts only. Of several applied statements on one `_id`, the first is told it inserted, as
    // if they had run one after the other.
    const upserted = (result: BulkWriteResult, failed: ReadonlySet<number>) => {
      const inserted = new Set(Object.values(result.upsertedIds).map(String));
      const firsts = new Map<string, number>();
      items.forEach(({ _id }, i) => failed.has(i) || firsts.has(_id) || firsts.set(_id, i));
      return (i: number): Upserted => ({
        replaced: !(inserted.has(items[i]._id) && firsts.get(items[i]._id) === i),
      });
    };
    try {
      const replaced = upserted(await collection.bulkWrite(ops, { ordered: false }), new Set());
      return items.map((_, i) => done(replaced(i)));
    } catch (err) {
      if (!(err instanceof MongoBulkWriteError)) throw err;
      const failed = new Set([err.writeErrors].flat().map((e) => e.index));
      return perStatement(err, items.length, upserted(err.result, failed));
    }
  });
}

/**
 * The outcome of each statement of an unordered write that failed: a statement's own error
 * (`WriteStatementError`) fails its caller alone and the others succeed; anything else (the
 * server unreachable, a write concern error) is thrown, failing them all.
 */
function perStatement<O>(err: unknown, count: number, valueOf: (i: number) => O): Outcome<O>[] {
  if (!(err instanceof MongoBulkWriteError) || unreachable(err) !== null) throw err;
  const failed = new Map<number, WriteError>();
  for (const e of [err.writeErrors].flat()) failed.set(e.index, e);
  if (failed.size === 0 || err.writeConcernError) throw err;
  return Array.from({ length: count }, (_, i) => {
    const own = failed.get(i);
    return own ? { ok: false, error: new WriteStatementError(own) } : done(valueOf(i));
  });
}
