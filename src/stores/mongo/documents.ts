/**
 * Records ↔ MongoDB documents: the record id becomes `_id` (a string, never an ObjectId) and every
 * other field, `schemaVersion` included, is stored as is. Callers never see `_id`.
 */

export type Stored<T extends { id: string }> = Omit<T, "id"> & { _id: string };

export function toDocument<T extends { id: string }>(record: T): Stored<T> {
  const { id, ...rest } = record;
  return { _id: id, ...rest } as Stored<T>;
}

export function fromDocument<T extends { id: string }>(doc: Stored<T>): T {
  const { _id, ...rest } = doc;
  return { id: _id, ...rest } as unknown as T;
}

/** Escapes a user's text for use inside a regular expression. */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
