/**
 * Opens the stores for an operator script through the server's own config and bootstrap code
 * (KV_PATH or MONGODB_URI from the environment), with a logger on stderr so stdout stays clean
 * for tables, CSV and JSON lines. Run scripts against a stopped server's KV file or a shared KV:
 * two processes writing one local SQLite file contend ("database is locked" is retried).
 */
import { openOperatorRuntime, type OperatorRuntime } from "../src/bootstrap.ts";
import { ConfigError, loadConfig } from "../src/config/config.ts";
import { createLogger } from "../src/observability/logger.ts";

export async function openScriptRuntime(): Promise<OperatorRuntime> {
  let config;
  try {
    config = loadConfig(Deno.env.toObject());
  } catch (err) {
    if (err instanceof ConfigError) throw new Error(err.message);
    throw err;
  }
  const log = createLogger({
    level: "warn",
    service: "vaidya-ops",
    write: (line) => console.error(line),
  });
  return await openOperatorRuntime(config, log);
}
