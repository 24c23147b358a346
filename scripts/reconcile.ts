/**
 * deno task reconcile — find (and with --fix repair) what a crash between the claim and the
 * appointment write left in MongoDB: orphan claims that block a slot, active appointments missing a
 * claim, and busy-index entries (what listings read) missing for a booking or left by one. Dry run by default. On the embedded Deno KV store claims and appointments are
 * written in one atomic commit, so there is nothing of those to reconcile. On both record stores
 * it also finds doctors whose searchable texts (name, city, specializations, languages) an earlier
 * release stored as typed rather than in Unicode NFC, which searches miss, and --fix re-stores them
 * through the doctor service. Each run finds what is left, so running it again is the resume.
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
import { reconcile } from "../src/stores/mongo/reconcile.ts";
import { CLAIM_GRACE_MS } from "../src/stores/mongo/record_stores.ts";
import { createDoctorService, hasCanonicalTexts } from "../src/doctors/doctor_service.ts";
import type { RecordStores } from "../src/stores/ports.ts";
import { allDoctors } from "./_appointments.ts";
import { confirmOrExit, flag, parseArgs, progressBar, runScript, UsageError } from "./_cli.ts";
import { openScriptRuntime, withMongoDb } from "./_runtime.ts";

const USAGE = `
Usage: deno task reconcile [--fix] [--yes] [--grace-seconds 60]
Finds orphan claims, appointments missing claims and busy-index entries out of step with the
appointments in MongoDB, and (on either record store) doctors whose texts an earlier release did
not store in Unicode NFC, so searches miss them; --fix repairs them. Safe to run again.
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
  const rt = await openScriptRuntime();
  try {
    const doctors = createDoctorService({ ...rt, now: () => Date.now() });
    /** Re-stores each doctor through the doctor service; one a re-run already did counts 0. */
    const canonicaliseAll = async (ids: string[]) => {
      let repaired = 0;
      for (const id of ids) if (await doctors.canonicaliseTexts(id)) repaired++;
      return repaired;
    };
    const texts = await doctorsWithTextsNotInNfc(rt.records);
    for (const id of texts.ids) console.log(`doctor_text_not_nfc\tdoctor=${id}`);
    if (!rt.config.MONGODB_URI) {
      console.log(
        `${texts.scanned} doctors scanned, ${texts.ids.length} findings (records are in Deno KV: ` +
          "claims and appointments commit atomically, nothing of them to reconcile)",
      );
      if (!args.fix || texts.ids.length === 0) return;
      confirmOrExit(`Repair ${texts.ids.length} findings?`, args.yes);
      console.log(`${await canonicaliseAll(texts.ids)} repaired`);
      return;
    }
    await withMongoDb(rt.config, async (db) => {
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
      const count = found.findings.length + texts.ids.length;
      console.log(`${found.doctors} doctors scanned, ${count} findings`);
      if (!args.fix || count === 0) return;
      confirmOrExit(`Repair ${count} findings?`, args.yes);
      const fixed = found.findings.length > 0 ? (await scan(true)).repaired : 0;
      console.log(`${fixed + await canonicaliseAll(texts.ids)} repaired`);
    });
  } finally {
    await rt.close();
  }
});

/** The ids of the doctors whose searchable texts are not in NFC, and how many were read. */
async function doctorsWithTextsNotInNfc(records: RecordStores) {
  const ids: string[] = [];
  let scanned = 0;
  for await (const d of allDoctors(records)) {
    scanned++;
    if (!hasCanonicalTexts(d)) ids.push(d.id);
  }
  return { scanned, ids };
}
