/**
 * Usage: deno task export --from YYYY-MM-DD --to YYYY-MM-DD [--format csv|jsonl] [--out PATH]
 *                         [--tz ZONE] [--include-medical]
 *
 * Streams the appointments starting in the range (doctor by doctor, by start time) as CSV or
 * JSON lines to stdout, or to --out. Never includes a phone number. The reason, notes and cancel
 * reason are medical text: they are opened and written only with --include-medical, which
 * prints a warning; handle that file as patient data.
 *
 *   --from/--to D        inclusive calendar days (at most 366)
 *   --format F           csv (default) or jsonl
 *   --out PATH           write here instead of stdout (e.g. ./out/appointments.csv); an
 *                        existing file is replaced only after a confirmation (or --yes)
 *   --yes                overwrite an existing --out file without asking
 *   --tz ZONE            the calendar the days are in (default Asia/Kolkata)
 *   --include-medical    add reason, notes and cancel_reason (decrypted)
 *   --help               show this text
 */
import { z } from "zod";
import type { AppointmentRecord, DoctorRecord } from "../src/stores/records.ts";
import { allDoctors, appointmentsOf, dayRange } from "./_appointments.ts";
import {
  confirmOrExit,
  ensureParentDir,
  flag,
  isoDate,
  parseArgs,
  progressBar,
  runScript,
} from "./_cli.ts";
import { csvField } from "./_report_format.ts";
import { openScriptRuntime } from "./_runtime.ts";

const USAGE = (await Deno.readTextFile(new URL(import.meta.url))).split("*/")[0]
  .replace(/^\/\*\*|^ \* ?/gm, "");

const Args = z.object({
  from: isoDate,
  to: isoDate,
  format: z.enum(["csv", "jsonl"]).default("csv"),
  out: z.string().min(1).optional(),
  tz: z.string().min(1).default("Asia/Kolkata"),
  "include-medical": flag,
  yes: flag,
});

const BASE = [
  "id",
  "doctorId",
  "doctorName",
  "city",
  "patientId",
  "start",
  "end",
  "status",
  "cancelledBy",
  "createdAt",
  "updatedAt",
] as const;
const MEDICAL = ["reason", "notes", "cancelReason"] as const;

await runScript("export", async () => {
  const args = parseArgs(Deno.args, Args, USAGE, ["include-medical"]);
  const range = dayRange(args.from, args.to, args.tz);
  const medical = args["include-medical"];
  if (medical) {
    console.error(
      "WARNING: --include-medical writes decrypted reasons and doctors' notes. This is " +
        "patient data: keep the file encrypted, share it only as the law allows, delete it after use.",
    );
  }
  const columns: string[] = [...BASE, ...(medical ? MEDICAL : [])];
  const rt = await openScriptRuntime();
  let file: Deno.FsFile | null = null;
  try {
    if (args.out) {
      const out = args.out;
      const cannot = (err: unknown): never => {
        throw new Error(`Cannot write ${out}: ${err instanceof Error ? err.message : err}`);
      };
      await ensureParentDir(out).catch(cannot);
      // Patient data (medical text with --include-medical): readable by its owner only, not by
      // every account on the machine as the umask would have it. An existing file is somebody's
      // earlier export: replace it only when told to, and restrict it before writing into it.
      file = await Deno.open(out, { write: true, createNew: true, mode: 0o600 }).catch(
        async (err) => {
          if (!(err instanceof Deno.errors.AlreadyExists)) return cannot(err);
          confirmOrExit(`${out} exists. Overwrite it?`, args.yes);
          await Deno.chmod(out, 0o600).catch((err) =>
            err instanceof Deno.errors.NotSupported ? undefined : cannot(err)
          );
          return await Deno.open(out, { write: true, truncate: true }).catch(cannot);
        },
      );
    }
    const sink = file ?? Deno.stdout;
    const encoder = new TextEncoder();
    const write = async (line: string) => {
      const bytes = encoder.encode(line + "\n");
      for (let off = 0; off < bytes.length;) off += await sink.write(bytes.subarray(off));
    };
    const open = (sealed: string | null) => sealed ? rt.cipher.open(sealed) : Promise.resolve("");
    const rowOf = async (d: DoctorRecord, a: AppointmentRecord) => {
      const row: Record<string, string | null> = {
        id: a.id,
        doctorId: a.doctorId,
        doctorName: d.name,
        city: d.city,
        patientId: a.patientId,
        start: a.start,
        end: a.end,
        status: a.status,
        cancelledBy: a.cancelledBy,
        createdAt: a.createdAt,
        updatedAt: a.updatedAt,
      };
      if (medical) {
        row.reason = await open(a.reasonSealed);
        row.notes = await open(a.notesSealed);
        row.cancelReason = await open(a.cancelReasonSealed);
      }
      return row;
    };
    if (args.format === "csv") await write(columns.join(","));
    const doctors: DoctorRecord[] = [];
    for await (const d of allDoctors(rt.records)) doctors.push(d);
    const bar = progressBar("doctors", doctors.length);
    let count = 0;
    for (const d of doctors) {
      for await (const a of appointmentsOf(rt.records, d.id, range)) {
        const row = await rowOf(d, a);
        await write(
          args.format === "csv"
            ? columns.map((c) => csvField(row[c] ?? "")).join(",")
            : JSON.stringify(row),
        );
        count++;
      }
      bar.tick();
    }
    bar.done();
    console.error(`exported ${count} appointments${args.out ? ` to ${args.out}` : ""}`);
  } finally {
    file?.close();
    await rt.close();
  }
});
