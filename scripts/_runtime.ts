/**
 * Opens the stores for an operator script through the server's own config and bootstrap code
 * (KV_PATH or MONGODB_URI from the environment), with a logger on stderr so stdout stays clean
 * for tables, CSV and JSON lines. Run scripts against a stopped server's KV file or a shared KV:
 * two processes writing one local SQLite file contend ("database is locked" is retried).
 */
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
