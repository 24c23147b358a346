/**
 * The dead-letter list of the event bus: events whose handler failed on every try.
 *
 * Usage: deno task dlq [list] [--kv PATH]
 *        deno task dlq replay (--id ID | --all) [--dry-run] [--yes] [--kv PATH]
 *   list          show every dead letter: id, handler, event type and id, when, why (default)
 *   replay        put dead letters back in the outbox (attempt 0) and remove them from the list;
 *                 handlers are idempotent, so replaying one that already acted does nothing
 *   --id ID       replay one dead letter
 *   --all         replay all of them
 *   --dry-run     say what would be replayed, change nothing
 *   --yes         do not ask before replaying
 *   --kv PATH     the KV store (default: KV_PATH or ./data/vaidya.kv)
 *   --help        show this text
 * Output holds ids, handler names and event types only; events carry no personal data. Each replay
 * is in the audit trail (`event.dlq_replay` by the letter's id), signed with AUDIT_KEY (or the
 * development key in KV) as the server signs; without a key nothing is replayed.
 */
import { z } from "zod";
import { confirmOrExit, flag, parseArgs, progressBar, runScript, UsageError } from "./_cli.ts";
import { auditChangeBy, createKvAuditLog, OPERATOR } from "../src/audit/audit_log.ts";
import { createAuditKeyring } from "../src/audit/audit_keys.ts";
import { readAuditKeys } from "../src/crypto/secrets.ts";
import { listDeadLetters, replayDeadLetter } from "../src/events/dead_letters.ts";
import { loadScriptConfig } from "./_runtime.ts";

const USAGE = `
Usage: deno task dlq [list] [--kv PATH]
       deno task dlq replay (--id ID | --all) [--dry-run] [--yes] [--kv PATH]
Lists the event dead-letter list, or replays dead letters (one by --id, or --all).
  --dry-run   show what would be replayed; change nothing
  --yes       do not ask before replaying
  --kv PATH   KV store (default: KV_PATH or ./data/vaidya.kv)`;

const Options = z.object({
  kv: z.string().min(1).optional(),
  id: z.string().min(1).max(100).optional(),
  all: flag,
  "dry-run": flag,
  yes: flag,
});

export async function main(argv: string[]) {
  const command = argv[0] && !argv[0].startsWith("--") ? argv[0] : "list";
  const rest = argv[0] === command ? argv.slice(1) : argv;
  if (command !== "list" && command !== "replay") {
    throw new UsageError(`Unknown command ${command}`);
  }
  const opts = parseArgs(rest, Options, USAGE, ["all"]);
  const config = loadScriptConfig();
  const kv = await Deno.openKv(opts.kv ?? config.KV_PATH);
  try {
    const letters = await listDeadLetters(kv);
    if (command === "list") {
      if (letters.length === 0) console.log("The dead-letter list is empty.");
      for (const l of letters) {
        const e = l.envelope;
        console.log(
          `${l.id}  ${e.handler}  ${e.event.type}  ${e.event.id}  ${l.failedAt || "-"}  ${l.error}`,
        );
      }
      return;
    }
    if (!opts.all && !opts.id) throw new UsageError("replay needs --id ID or --all");
    const chosen = opts.all ? letters : letters.filter((l) => l.id === opts.id);
    if (opts.id && chosen.length === 0) throw new Error(`No dead letter with id ${opts.id}`);
    if (opts["dry-run"]) {
      for (const l of chosen) console.log(`would replay ${l.id} (${l.envelope.handler})`);
      console.log(`Dry run: ${chosen.length} dead letter(s) would be replayed.`);
      return;
    }
    if (chosen.length === 0) return console.log("Nothing to replay.");
    const keys = await readAuditKeys(config, kv);
    if (keys.length === 0) {
      throw new Error("No audit key: set AUDIT_KEY to the keys the server signs the trail with");
    }
    const audit = createKvAuditLog(kv, Date.now, await createAuditKeyring(keys));
    confirmOrExit(`Replay ${chosen.length} dead letter(s)?`, opts.yes);
    const bar = progressBar("replaying", chosen.length);
    let replayed = 0;
    for (const l of chosen) {
      if (await replayDeadLetter(kv, l.id)) {
        await auditChangeBy(audit, OPERATOR, "event.dlq_replay", { targetId: l.id });
        replayed++;
      }
      bar.tick();
    }
    bar.done();
    console.log(`Replayed ${replayed} of ${chosen.length} dead letter(s).`);
  } finally {
    kv.close();
  }
}

if (import.meta.main) await runScript("dlq", () => main(Deno.args));
