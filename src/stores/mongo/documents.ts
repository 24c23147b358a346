/**
 * Records ↔ MongoDB documents: the record id becomes `_id` (a string, never an ObjectId) and every
 * other field, `schemaVersion` included, is stored as is. Callers never see `_id`.
 */
import { base64ToBytes, bytesToBase64Url } from "../../crypto/encoding.ts";
import { ValidationError } from "../../errors.ts";

export type Stored<T extends { id: string }> = Omit<T, "id"> & { _id: string };

export function toDocument<T extends { id: string }>(record: T): Stored<T> {
  const { id, ...rest } = record;
  return { _id: id, ...rest } as Stored<T>;
}

export function fromDocument<T extends { id: string }>(doc: Stored<T>): T {
  const { _id, ...rest } = doc;
  return { id: _id, ...rest } as unknown as T;
}

/** Opaque page cursor: base64url of the JSON sort key of the last item returned. */
export function encodeCursor(key: (string | number)[]): string {
  return bytesToBase64Url(new TextEncoder().encode(JSON.stringify(key)));
}

export function decodeCursor(cursor: string, shape: ("string" | "number")[]): (string | number)[] {
  let key: unknown;
  try {
    key = JSON.parse(new TextDecoder().decode(base64ToBytes(cursor)));
  } catch {
    key = null;
  }
  if (
    !Array.isArray(key) || key.length !== shape.length ||
    key.some((part, i) => typeof part !== shape[i])
  ) {
    throw new ValidationError("Cannot read cursor: it did not come from a previous page", [
      { path: "cursor", message: "Unknown cursor" },
    ]);
  }
  return key;
}

/** Escapes a user's text for use inside a regular expression. */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
