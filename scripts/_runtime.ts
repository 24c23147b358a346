/**
 * Opens the stores for an operator script through the server's own config and bootstrap code
 * (KV_PATH or MONGODB_URI from the environment), with a logger on stderr so stdout stays clean
 * for tables, CSV and JSON lines. Run scripts against a stopped server's KV file or a shared KV:
 * two processes writing one local SQLite file contend ("database is locked" is retried).
 */
import { type Db, MongoClient } from "mongodb";
import { openOperatorRuntime, type OperatorRuntime } from "../src/bootstrap.ts";
import { type Config, ConfigError, loadConfig } from "../src/config/config.ts";
import { createLogger } from "../src/observability/logger.ts";

/** The server's validated config from the environment; a bad value is a plain error message. */
export function loadScriptConfig(): Config {
  try {
    return loadConfig(Deno.env.toObject());
  } catch (err) {
    if (err instanceof ConfigError) throw new Error(err.message);
    throw err;
  }
}

export async function openScriptRuntime(): Promise<OperatorRuntime> {
  const config = loadScriptConfig();
  const log = createLogger({
    level: "warn",
    service: "vaidya-ops",
    write: (line) => console.error(line),
  });
  return await openOperatorRuntime(config, log);
}

/**
 * Runs `fn` on the MongoDB database the config names (MONGODB_URI, MONGODB_DB) through a client
 * of its own, closed after: for the tasks that work on MongoDB's collections directly (migrate,
 * reconcile, the purge of past guards) rather than through the record stores.
 */
export async function withMongoDb<T>(config: Config, fn: (db: Db) => Promise<T>): Promise<T> {
  if (!config.MONGODB_URI) throw new Error("MONGODB_URI is not set");
  const client = new MongoClient(config.MONGODB_URI, {
    serverSelectionTimeoutMS: config.MONGODB_TIMEOUT_MS,
  });
  try {
    return await fn(client.db(config.MONGODB_DB));
  } finally {
    await client.close();
  }
}
