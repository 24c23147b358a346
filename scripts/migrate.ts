/**
 * deno task migrate — create MongoDB collections and indexes idempotently and print what was
 * done ("created …" / "exists …"). The server runs the same step at start-up when
 * MONGODB_AUTO_MIGRATE=true. Safe to run any number of times.
 *
 * Usage: deno task migrate
 *   --help   this text
 * Environment: MONGODB_URI (required), MONGODB_DB (default vaidya).
 */
import { z } from "zod";
import { loadConfig } from "../src/config/config.ts";
import { migrate } from "../src/stores/mongo/migrate.ts";
import { parseArgs, runScript, UsageError } from "./_cli.ts";
import { withMongoDb } from "./_runtime.ts";

const USAGE = `
Usage: deno task migrate
Creates the MongoDB collections and indexes (idempotent). Needs MONGODB_URI.`;

await runScript("migrate", async () => {
  // No --dry-run (nor --yes: it changes nothing it would ask about): refused, not ignored.
  parseArgs(Deno.args, z.object({}), USAGE);
  const config = loadConfig(Deno.env.toObject());
  if (!config.MONGODB_URI) {
    throw new UsageError("MONGODB_URI is not set: there is no MongoDB to migrate");
  }
  await withMongoDb(config, async (db) => {
    for (const line of await migrate(db)) console.log(line);
  });
});
