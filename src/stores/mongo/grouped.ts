/**
 * Group commands: the same kind of command from concurrent callers in this process goes to MongoDB
 * as one command (reads by `_id` as one `$in` find, inserts as one unordered `insert`, mark upserts
 * as one `update` of several statements), one such command of a kind in flight at a time. Each
 * MongoDB command costs the client ~160–240 µs of main thread (operation set-up, server selection,
 * the pool, BSON, the socket) and the rig's FerretDB ~200 µs before its first document
 * (docs/BENCHMARKS.md, issue 15), however few documents it carries.
 *
 * - When none of its kind is in flight a call goes out with the calls made in the same turn of the
 *   event loop (after the current microtasks): alone when there are none, so an idle server adds no
 *   wait. While one is in flight, calls wait for it and then go out together: under load, commands
 *   are fewer and larger (in a FerretDB full day, ~2.6 callers per command by a replay of its trace),
 *   as the KV group commit does for commits (../kv/group_commit.ts).
 * - Each caller gets its own outcome: a document or null, or its own write error (a duplicate key
 *   fails only its document's caller). A failure of the whole command (the server unreachable)
 *   fails every caller in it, as their own commands would have failed.
 * - A command is sent after each of its calls was made, so a read still sees every write answered
 *   before it was asked.
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
import { findByIds } from "./documents.ts";
import { unreachable, WriteStatementError } from "./driver_errors.ts";

/** What one caller of a grouped command gets: its value, or its own error. */
export type Outcome<O> = { ok: true; value: O } | { ok: false; error: unknown };

/**
 * Callers per command: far below MongoDB's 100,000 writes and 16 MB per command, and small enough
 * that one command's size never makes it the slow one.
 */
export const MAX_PER_COMMAND = 100;

interface Waiting<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

/**
 * A function of one item that sends its item with those of concurrent callers, through `send`,
 * which gets the items in call order and answers one outcome per item, in the same order.
 */
export function grouped<I, O>(
  send: (items: I[]) => Promise<Outcome<O>[]>,
  maxPerCommand = MAX_PER_COMMAND,
): (item: I) => Promise<O> {
  let waiting: Waiting<I, O>[] = [];
  /** A command is scheduled or in flight: later calls wait for it. */
  let busy = false;

  const flush = () => {
    const batch = waiting.length <= maxPerCommand ? waiting : waiting.slice(0, maxPerCommand);
    waiting = batch === waiting ? [] : waiting.slice(maxPerCommand);
    if (batch.length === 0) {
      busy = false;
      return;
    }
    let sent: Promise<Outcome<O>[]>;
    try {
      sent = send(batch.map((w) => w.item));
    } catch (error) {
      sent = Promise.reject(error);
    }
    sent.then(
      (outcomes) => {
        batch.forEach((w, i) => {
          const outcome = outcomes[i];
          if (outcome === undefined) {
            w.reject(new Error("a grouped command answered too few items"));
          } else if (outcome.ok) w.resolve(outcome.value);
          else w.reject(outcome.error);
        });
      },
      (error: unknown) => {
        for (const w of batch) w.reject(error);
      },
    ).finally(flush);
  };

  return (item) =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (busy) return;
      busy = true;
      queueMicrotask(flush);
    });
}

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
 * `insertMany(docs, { ordered: false })` grouped: the documents of concurrent callers go as one
 * unordered `insertMany`, in call order, and each caller gets one outcome per document of its own:
 * a document that failed (a duplicate `_id`, typically) has the `WriteStatementError` of its code,
 * which `isDuplicateKey` recognises. Only a failure of the whole command rejects.
 */
export function groupedInsertEach<T extends Document>(
  collection: Collection<T>,
): (docs: OptionalUnlessRequiredId<T>[]) => Promise<Outcome<void>[]> {
  const insert = grouped(async (batches: OptionalUnlessRequiredId<T>[][]) => {
    const docs = batches.length === 1 ? batches[0] : batches.flat();
    let outcomes: Outcome<void>[];
    try {
      await collection.insertMany(docs, { ordered: false });
      outcomes = docs.map(() => done(undefined));
    } catch (err) {
      outcomes = perStatement(err, docs.length, () => undefined);
    }
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
    // upserts only. Of several statements on one `_id`, only the first can have inserted it.
    const upserted = (result: BulkWriteResult) => {
      const inserted = new Set(Object.values(result.upsertedIds).map(String));
      const firsts = new Map<string, number>();
      items.forEach(({ _id }, i) => firsts.has(_id) || firsts.set(_id, i));
      return (i: number): Upserted => ({
        replaced: !(inserted.has(items[i]._id) && firsts.get(items[i]._id) === i),
      });
    };
    try {
      const replaced = upserted(await collection.bulkWrite(ops, { ordered: false }));
      return items.map((_, i) => done(replaced(i)));
    } catch (err) {
      if (!(err instanceof MongoBulkWriteError)) throw err;
      return perStatement(err, items.length, upserted(err.result));
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
