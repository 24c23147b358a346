/**
 * deno task reconcile — find (and with --fix repair) what a crash between the claim and the
 * appointment write left in MongoDB: orphan claims that block a slot, active appointments missing a
 * claim, and busy-index entries (what listings read) missing for a booking or left by one. Dry run by default. On the embedded Deno KV store claims and appointments are
 * written in one atomic commit, so there is nothing to reconcile and it says so.
 *
 * Usage: deno task reconcile [--fix] [--yes] [--grace-seconds 60]
 *   --fix            repair what is found (asks first; --yes skips the question)
 *   --grace-seconds  claims younger than this may belong to a booking in flight (default 60;
 *                    at least the servers' claim grace, 30: shorter would delete the claims of a
 *                    booking still in flight and take the servers' locks while they hold them)
 *   --help           this text
 * Environment: MONGODB_URI, MONGODB_DB (as for the server).
 */
import { z } from "zod";
import { loadConfig } from "../src/config/config.ts";
import { reconcile } from "../src/stores/mongo/reconcile.ts";
import { CLAIM_GRACE_MS } from "../src/stores/mongo/record_stores.ts";
import { confirmOrExit, flag, parseArgs, progressBar, runScript, UsageError } from "./_cli.ts";
import { withMongoDb } from "./_runtime.ts";

const USAGE = `
Usage: deno task reconcile [--fix] [--yes] [--grace-seconds 60]
Finds orphan claims, appointments missing claims and busy-index entries out of step with the
appointments in MongoDB; --fix repairs them.
  --fix            repair what is found (asks first; --yes skips the question)
  --grace-seconds  claims younger than this may belong to a booking in flight (default 60, at
                   least ${CLAIM_GRACE_MS / 1000}, the servers' claim grace)`;

await runScript("reconcile", async () => {
  const args = parseArgs(
    Deno.args,
    z.object({
      fix: flag,
      yes: flag,
      "dry-run": flag,
      "grace-seconds": z.coerce.number().int().min(
        CLAIM_GRACE_MS / 1000,
        `at least ${
          CLAIM_GRACE_MS / 1000
        }, the servers' claim grace (a younger claim may be a booking in flight)`,
      ).max(86_400).default(60),
    }),
    USAGE,
    ["fix"],
  );
  if (args.fix && args["dry-run"]) throw new UsageError("--fix and --dry-run contradict");
  const config = loadConfig(Deno.env.toObject());
  if (!config.MONGODB_URI) {
    console.log(
      "Records are in Deno KV: claims and appointments commit atomically; nothing to reconcile.",
    );
    return;
  }
  await withMongoDb(config, async (db) => {
    const total = await db.collection("doctors").countDocuments();
    const scan = (fix: boolean) => {
      const bar = progressBar(fix ? "repairing" : "scanning", total);
      return reconcile(db, {
        fix,
        graceMs: args["grace-seconds"] * 1000,
        lockGraceMs: CLAIM_GRACE_MS,
        nowMs: Date.now(),
        onDoctor: () => bar.tick(),
      }).finally(() => bar.done());
    };
    const found = await scan(false);
    for (const f of found.findings) {
      console.log(
        `${f.kind}\tdoctor=${f.doctorId}\tkey=${f.key}\tappointment=${f.appointmentId}`,
      );
    }
    console.log(`${found.doctors} doctors scanned, ${found.findings.length} findings`);
    if (!args.fix || found.findings.length === 0) return;
    confirmOrExit(`Repair ${found.findings.length} findings?`, args.yes);
    const fixed = await scan(true);
    console.log(`${fixed.repaired} repaired`);
  });
});
