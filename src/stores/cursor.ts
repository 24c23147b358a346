/**
 * The one page-cursor codec of every paginated list, on every adapter (KV and MongoDB): a cursor
 * is base64url of versioned JSON `{"v":1,"k":[...]}`, where `k` is the sort key of the last item
 * returned (e.g. `[startMs, id]`). Decoding checks the version and the key's shape with zod, so a
 * cursor that did not come from a previous page of the same list is a 400 `validation_failed`,
 * never ignored and never a 500. A cursor is a position, not a secret: it carries no filter.
 */
import { z } from "zod";
import { base64ToBytes, bytesToBase64Url } from "../crypto/encoding.ts";
import { ValidationError } from "../errors.ts";

const VERSION = 1;
/** Longer than any cursor we issue (ids are ≤ 64 chars); the HTTP schemas cap it too. */
export const MAX_CURSOR_LENGTH = 512;

type Part = "string" | "number";
type Decoded<S extends readonly Part[]> = {
  [I in keyof S]: S[I] extends "number" ? number : string;
};

const partSchema = {
  string: z.string().min(1).max(200),
  number: z.number().finite(),
} as const;

const Envelope = z.object({ v: z.literal(VERSION), k: z.array(z.unknown()).min(1).max(4) })
  .strict();

function invalid(message: string): ValidationError {
  return new ValidationError("Cannot read cursor: it did not come from a previous page", [
    { path: "cursor", message },
  ]);
}

/** The cursor of a page that ended at the item with sort key `key`. */
export function encodeCursor(key: readonly (string | number)[]): string {
  return bytesToBase64Url(new TextEncoder().encode(JSON.stringify({ v: VERSION, k: key })));
}

/** The sort key inside `cursor`, which must have exactly `shape`; else a ValidationError. */
export function decodeCursor<const S extends readonly Part[]>(
  cursor: string,
  shape: S,
): Decoded<S> {
  if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw invalid("Not a cursor");
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(base64ToBytes(cursor)));
  } catch {
    throw invalid("Not a cursor");
  }
  const envelope = Envelope.safeParse(json);
  if (!envelope.success) throw invalid("Unknown cursor version or layout");
  const parts = envelope.data.k;
  const fits = parts.length === shape.length &&
    parts.every((part, i) => partSchema[shape[i]].safeParse(part).success);
  if (!fits) throw invalid("The cursor belongs to another list");
  return parts as Decoded<S>;
}
