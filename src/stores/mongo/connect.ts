/**
 * Opens the MongoDB client with Vaidya's pool, timeout and retry settings, and finds out what the
 * deployment can do: multi-document transactions exist only on replica sets and sharded clusters
 * (Atlas), never on a standalone server or FerretDB. Only the records adapter calls this; it never
 * logs the URI, which may carry a password.
 */
import { type Db, MongoClient } from "mongodb";
import { unreachable } from "./driver_errors.ts";

export interface MongoConnectOptions {
  uri: string;
  dbName: string;
  maxPoolSize: number;
  /** Bounds server selection and connecting; a socket read may take twice as long. */
  timeoutMs: number;
  /** FerretDB accepts the driver default (true) because it presents itself as a standalone server. */
  retryWrites: boolean;
}

export interface MongoCapabilities {
  topology: "standalone" | "replicaSet" | "sharded";
  transactions: boolean;
}

export function validateConnectOptions(options: MongoConnectOptions): void {
  if (!/^mongodb(\+srv)?:\/\//.test(options.uri)) {
    throw new TypeError(
      "Cannot connect to MongoDB: uri must start with mongodb:// or mongodb+srv://",
    );
  }
  if (!options.dbName || /[/\\. "$]/.test(options.dbName)) {
    throw new TypeError(`Cannot use MongoDB database name "${options.dbName}"`);
  }
  if (!Number.isInteger(options.maxPoolSize) || options.maxPoolSize < 1) {
    throw new RangeError(`maxPoolSize must be a positive integer, found ${options.maxPoolSize}`);
  }
  if (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0) {
    throw new RangeError(`timeoutMs must be a positive number, found ${options.timeoutMs}`);
  }
}

/** Connects, or throws `ServiceUnavailableError` once `timeoutMs` has passed without a server. */
export async function connectMongo(options: MongoConnectOptions): Promise<MongoClient> {
  validateConnectOptions(options);
  const client = new MongoClient(options.uri, {
    appName: "vaidya",
    maxPoolSize: options.maxPoolSize,
    serverSelectionTimeoutMS: options.timeoutMs,
    connectTimeoutMS: options.timeoutMs,
    socketTimeoutMS: options.timeoutMs * 2,
    retryWrites: options.retryWrites,
  });
  try {
    await client.connect();
    return client;
  } catch (err) {
    await client.close().catch(() => {});
    throw unreachable(err) ?? err;
  }
}

/** Reads `hello`: sessions plus a replica set name (or mongos) mean transactions are available. */
export async function detectCapabilities(db: Db): Promise<MongoCapabilities> {
  const hello = await db.command({ hello: 1 });
  const topology = hello.msg === "isdbgrid"
    ? "sharded"
    : typeof hello.setName === "string"
    ? "replicaSet"
    : "standalone";
  const sessions = typeof hello.logicalSessionTimeoutMinutes === "number";
  return { topology, transactions: sessions && topology !== "standalone" };
}

/** Runs `ping`, failing after `timeoutMs` even if the driver is still waiting. */
export async function pingWithin(db: Db, timeoutMs: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`ping got no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([db.command({ ping: 1 }), late]);
  } finally {
    clearTimeout(timer);
  }
}
