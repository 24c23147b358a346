/**
 * Turns MongoDB driver failures into the product's errors: anything that means "the database could
 * not be reached in time" becomes `ServiceUnavailableError` (503, safe to retry), a duplicate key is
 * recognised for the stores' uniqueness rules, and everything else passes through unchanged.
 */
import {
  MongoBulkWriteError,
  MongoClientClosedError,
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  type WriteError,
} from "mongodb";
import { AppError, ServiceUnavailableError } from "../../errors.ts";

const UNREACHABLE = [
  MongoNetworkError,
  MongoServerSelectionError,
  MongoNotConnectedError,
  MongoTopologyClosedError,
  MongoClientClosedError,
  MongoOperationTimeoutError,
];

/** Socket errors the driver can let through unwrapped (Deno's node:net: "This socket has been
 * ended by the other party" is EPIPE). */
const SOCKET_CODES = new Set(["ECONNRESET", "EPIPE", "ECONNREFUSED", "ECONNABORTED", "ETIMEDOUT"]);

/** Server codes for "shutting down / stepping down": the write did not happen; retry later. */
const TRANSIENT_CODES = new Set([91, 189, 10107, 11600, 11602, 13435, 13436]);
const TRANSIENT_LABELS = ["RetryableWriteError", "ResetPool", "TransientTransactionError"];

function isTransient(err: unknown): boolean {
  if (!(err instanceof MongoError)) return false;
  if (TRANSIENT_LABELS.some((label) => err.hasErrorLabel(label))) return true;
  if (typeof err.code === "number" && TRANSIENT_CODES.has(err.code)) return true;
  // A bulk write that failed because the connection dropped wraps the network error: as its cause,
  // or (mongodb 7, `read ECONNRESET` with no label) by copying its fields, `beforeHandshake` among
  // them, which only a MongoNetworkError has.
  if (err instanceof MongoBulkWriteError && "beforeHandshake" in err) return true;
  // Or it keeps the network error as its `errorResponse` (a bulk insert whose connect was refused).
  const response = err instanceof MongoBulkWriteError ? err.errorResponse : undefined;
  if (response instanceof Error && response !== err && unreachable(response) !== null) return true;
  return err.cause !== undefined && err.cause !== err && unreachable(err.cause) !== null;
}

/** The 503 for a driver error that means the server is unreachable, else null. */
export function unreachable(err: unknown): ServiceUnavailableError | null {
  if (err instanceof AppError) return null;
  const isUnreachable = UNREACHABLE.some((kind) => err instanceof kind) || isTransient(err) ||
    (err instanceof Error && SOCKET_CODES.has(String((err as { code?: unknown }).code))) ||
    (err instanceof Error && err.message.startsWith("ping got no answer"));
  if (!isUnreachable) return null;
  const message = err instanceof Error ? err.message : String(err);
  return new ServiceUnavailableError(`MongoDB unreachable: ${message}`, { cause: err });
}

/**
 * One statement's own failure in a command of several (grouped.ts): what a command of that
 * statement alone would have failed with, by the same code.
 */
export class WriteStatementError extends Error {
  readonly code: number;
  constructor(readonly writeError: WriteError) {
    super(writeError.errmsg ?? `write failed with code ${writeError.code}`);
    this.name = "WriteStatementError";
    this.code = writeError.code;
  }
}

export function isDuplicateKey(err: unknown): boolean {
  return (err instanceof MongoServerError || err instanceof MongoBulkWriteError ||
    err instanceof WriteStatementError) && err.code === 11000;
}

/** Runs `fn`, turning unreachable-server errors into `ServiceUnavailableError`. */
export async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw unreachable(err) ?? err;
  }
}

/** Wraps every method of a store with `guarded`, so no driver network error leaks to callers. */
export function guardStore<T extends object>(store: T): T {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(store)) {
    out[name] = typeof value === "function"
      ? (...args: unknown[]) => guarded(() => value(...args))
      : value;
  }
  return out as T;
}
