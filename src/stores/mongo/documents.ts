/**
 * Records ↔ MongoDB documents: the record id becomes `_id` (a string, never an ObjectId) and every
 * other field, `schemaVersion` included, is stored as is. Callers never see `_id`.
 */
import type { Collection, Filter, WithId } from "mongodb";

export type Stored<T extends { id: string }> = Omit<T, "id"> & { _id: string };

export function toDocument<T extends { id: string }>(record: T): Stored<T> {
  const { id, ...rest } = record;
  return { _id: id, ...rest } as Stored<T>;
}

export function fromDocument<T extends { id: string }>(doc: Stored<T>): T {
  const { _id, ...rest } = doc;
  return { id: _id, ...rest } as unknown as T;
}

/**
 * The documents of `ids` by `_id`, in one command: a `$in` on `_id` is an index lookup on MongoDB,
 * and on the test rig's FerretDB once patched (scripts/install_ferretdb.sh); one `_id` stays a plain
 * `{_id}` filter. Ids with no document are absent from the map.
 */
export async function findByIds<T extends { _id: string }>(
  collection: Collection<T>,
  ids: string[],
): Promise<Map<string, WithId<T>>> {
  const found = new Map<string, WithId<T>>();
  if (ids.length === 0) return found;
  const filter = (ids.length === 1 ? { _id: ids[0] } : { _id: { $in: ids } }) as Filter<T>;
  for (const doc of await collection.find(filter).toArray()) found.set(doc._id, doc);
  return found;
}

/** Escapes a user's text for use inside a regular expression. */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
