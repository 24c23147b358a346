/**
 * Usage: deno task purge [--apply [--yes]] [--retention-days N] [--only NAME,...]
 *
 * Removes what has outlived its use. Without --apply it is a dry run: it only counts.
 *   - from KV: expired holds (1 h after expiry), hold cells and indexes, one-time codes and
 *     counters, idempotency keys, refresh tokens and sessions, web page sessions, the dev
 *     outbox (after 1 h) — every key space with a purge rule in src/stores/kv/keys.ts;
 *   - with MongoDB records: the claims and busy entries of time that ended a week or more ago
 *     (src/stores/mongo/past_guards.ts); they guard and list only what is still to come;
 *   - with --retention-days N: the medical text (reason, notes, cancel reason) of appointments
 *     that ended more than N days ago is erased; the booking itself (who, when, status) stays.
 * With --apply it asks first (--yes skips the question; with no terminal, --yes is required).
 *
 *   --apply              delete / erase (default: dry run, counts only)
 *   --yes                do not ask before applying
 *   --retention-days N   also erase medical text older than N days (N >= 30)
 *   --only NAMES         comma-separated categories, e.g. "holds,idempotency keys,past claims"
 *   --help               show this text
 */
import { purgeMedicalText } from "../src/domain/appointment_machine.ts";
import { z } from "zod";
import { allDoctors } from "./_appointments.ts";
import { confirmOrExit, flag, parseArgs, progressBar, runScript, UsageError } from "./_cli.ts";
import { CATEGORIES, purgeCategory, type PurgeCount } from "./_purge_plan.ts";
import { openScriptRuntime, withMongoDb } from "./_runtime.ts";
import { PAST_GUARD_NAMES, prunePastGuards } from "../src/stores/mongo/past_guards.ts";
import type { OperatorRuntime } from "../src/bootstrap.ts";
import { ConflictError } from "../src/errors.ts";
import type { AppointmentRecord } from "../src/stores/records.ts";

const USAGE = (await Deno.readTextFile(new URL(import.meta.url))).split("*/")[0]
  .replace(/^\/\*\*|^ \* ?/gm, "");

const Args = z.object({
  apply: flag,
  yes: flag,
  "dry-run": flag,
  "retention-days": z.coerce.number().int().min(30).max(36_500).optional(),
  only: z.string().transform((s) => s.split(",").map((v) => v.trim()).filter(Boolean)).optional(),
});

const hasMedicalText = (a: AppointmentRecord) =>
  Boolean(a.reasonSealed || a.notesSealed || a.cancelReasonSealed);

/**
 * Erases `a`'s medical text through the one writer. A serving instance may change it after it was
 * read (the doctor's notes, a late cancel): then it is read again and tried again (three tries), one
 * still changing is left for the next run (counted as changed meanwhile), not the run's end.
 */
async function scrubOne(
  rt: OperatorRuntime,
  read: AppointmentRecord,
  beforeMs: number,
): Promise<boolean> {
  let a: AppointmentRecord | null = read;
  for (let attempt = 0; attempt < 3 && a && a.endMs <= beforeMs && hasMedicalText(a); attempt++) {
    try {
      await rt.writer.write(purgeMedicalText(a, Date.now()), { step: "purge" });
      return true;
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      a = await rt.records.appointments.get(a.id);
    }
  }
  return false;
}

/** Erases medical text of appointments that ended before `beforeMs`, through the record ports. */
export async function scrubMedical(rt: OperatorRuntime, beforeMs: number, apply: boolean) {
  const count: PurgeCount = { name: "medical text", scanned: 0, expired: 0, deleted: 0 };
  const doctors = [];
  for await (const d of allDoctors(rt.records)) doctors.push(d);
  const bar = progressBar("medical text", doctors.length);
  for (const d of doctors) {
    let cursor: string | undefined;
    for (let page = 0; page < 100_000; page++) {
      const res = await rt.records.appointments.listForDoctor(
        d.id,
        { toMs: beforeMs },
        200,
        cursor,
      );
      for (const a of res.items) {
        count.scanned++;
        if (a.endMs > beforeMs) continue;
        if (!hasMedicalText(a)) continue;
        count.expired++;
        if (!apply) continue;
        if (await scrubOne(rt, a, beforeMs)) count.deleted++;
      }
      if (!res.nextCursor) break;
      cursor = res.nextCursor;
    }
    bar.tick();
  }
  bar.done();
  return count;
}

async function main(): Promise<void> {
  const args = parseArgs(Deno.args, Args, USAGE, ["apply"]);
  if (args.apply && args["dry-run"]) throw new UsageError("--apply and --dry-run contradict");
  const names = [...CATEGORIES.map((c) => c.name), ...PAST_GUARD_NAMES];
  const unknown = (args.only ?? []).filter((n) => !names.includes(n));
  if (unknown.length > 0) {
    throw new UsageError(`unknown category ${unknown.join(", ")}; known: ${names.join(", ")}`);
  }
  const chosen = CATEGORIES.filter((c) => !args.only || args.only.includes(c.name));
  const rt = await openScriptRuntime();
  try {
    const nowMs = Date.now();
    const run = async (apply: boolean) => {
      const counts: PurgeCount[] = [];
      for (const category of chosen) {
        const bar = progressBar(category.name, 0);
        counts.push(await purgeCategory(rt.kv, category, nowMs, apply, () => bar.tick()));
        bar.done();
      }
      const guards = PAST_GUARD_NAMES.filter((n) => !args.only || args.only.includes(n));
      if (rt.config.MONGODB_URI && guards.length > 0) {
        const bar = progressBar("past guards", 0);
        counts.push(
          ...await withMongoDb(
            rt.config,
            (db) => prunePastGuards(db, { nowMs, apply, only: guards, onDoctor: () => bar.tick() }),
          ),
        );
        bar.done();
      }
      if (args["retention-days"]) {
        counts.push(await scrubMedical(rt, nowMs - args["retention-days"] * 86_400_000, apply));
      }
      return counts;
    };
    const planned = await run(false);
    for (const c of planned) {
      console.log(`${c.name.padEnd(20)} ${String(c.expired).padStart(8)} of ${c.scanned} expired`);
    }
    const total = planned.reduce((n, c) => n + c.expired, 0);
    if (!args.apply) {
      console.log(`dry run: ${total} entries would be removed; run with --apply to remove them`);
      return;
    }
    if (total === 0) {
      console.log("nothing to purge");
      return;
    }
    confirmOrExit(`Remove ${total} expired entries?`, args.yes);
    const done = await run(true);
    const removed = done.reduce((n, c) => n + c.deleted, 0);
    console.log(`purged ${removed} entries (${total - removed} changed meanwhile and were kept)`);
  } finally {
    await rt.close();
  }
}

if (import.meta.main) await runScript("purge", main);
