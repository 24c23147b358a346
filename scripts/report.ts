/**
 * Usage: deno task report (--date YYYY-MM-DD | --from YYYY-MM-DD --to YYYY-MM-DD)
 *                         [--by doctor|specialization|city] [--tz ZONE]
 *                         [--format table|csv] [--svg PATH]
 *
 * Bookings, cancellations, no-shows and utilisation (booked minutes / offered minutes) of
 * appointments starting in the range, grouped by doctor, specialization or city. Offered minutes
 * come from each doctor's current schedule; a deactivated doctor offers none from their
 * deactivation on (their bookings still count). Reads only; prints no personal data.
 *
 *   --date D        one calendar day (same as --from D --to D)
 *   --from/--to D   an inclusive range of calendar days (at most 366)
 *   --by G          doctor, specialization (default) or city; a doctor with two
 *                   specializations counts in both
 *   --tz ZONE       the calendar the days are in (default Asia/Kolkata)
 *   --format F      table (default) or csv, on stdout
 *   --svg PATH      also write an SVG bar chart of utilisation to PATH (e.g. ./out/report.svg)
 *   --help          show this text
 */
import { z } from "zod";
import { isActive } from "../src/stores/records.ts";
import { allDoctors, appointmentsOf, dayRange, offeredMinutes } from "./_appointments.ts";
import {
  ensureParentDir,
  flag,
  isoDate,
  parseArgs,
  progressBar,
  runScript,
  UsageError,
} from "./_cli.ts";
import { type ReportRow, toCsv, toSvg, toTable } from "./_report_format.ts";
import { openScriptRuntime } from "./_runtime.ts";

const USAGE = (await Deno.readTextFile(new URL(import.meta.url))).split("*/")[0]
  .replace(/^\/\*\*|^ \* ?/gm, "");

const Args = z.object({
  date: isoDate.optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
  by: z.enum(["doctor", "specialization", "city"]).default("specialization"),
  tz: z.string().min(1).default("Asia/Kolkata"),
  format: z.enum(["table", "csv"]).default("table"),
  svg: z.string().min(1).regex(/\.svg$/, "must end in .svg").optional(),
  yes: flag,
});

await runScript("report", async () => {
  const args = parseArgs(Deno.args, Args, USAGE);
  const from = args.date ?? args.from;
  const to = args.date ?? args.to;
  if (!from || !to || (args.date && (args.from || args.to))) {
    throw new UsageError("give either --date, or both --from and --to");
  }
  const range = dayRange(from, to, args.tz);
  const rt = await openScriptRuntime();
  const groups = new Map<string, ReportRow>();
  const row = (group: string) => {
    let r = groups.get(group);
    if (!r) {
      r = {
        group,
        bookings: 0,
        cancellations: 0,
        noShows: 0,
        completed: 0,
        bookedMinutes: 0,
        offeredMinutes: 0,
      };
      groups.set(group, r);
    }
    return r;
  };
  try {
    const doctors = [];
    for await (const d of allDoctors(rt.records)) doctors.push(d);
    const bar = progressBar("doctors", doctors.length);
    for (const d of doctors) {
      const names = args.by === "doctor"
        ? [`${d.name} (${d.id})`]
        : args.by === "city"
        ? [d.city]
        : d.specializations;
      const rows = names.map(row);
      const offered = offeredMinutes(d, range);
      for (const r of rows) r.offeredMinutes += offered;
      for await (const a of appointmentsOf(rt.records, d.id, range)) {
        for (const r of rows) {
          r.bookings++;
          if (a.status === "cancelled") r.cancellations++;
          if (a.status === "no_show") r.noShows++;
          if (a.status === "completed") r.completed++;
          if (isActive(a.status)) r.bookedMinutes += Math.round((a.endMs - a.startMs) / 60_000);
        }
      }
      bar.tick();
    }
    bar.done();
  } finally {
    await rt.close();
  }
  const rows = [...groups.values()].sort((a, b) =>
    b.bookings - a.bookings || a.group.localeCompare(b.group)
  );
  console.log(args.format === "csv" ? toCsv(rows) : toTable(rows));
  if (args.svg) {
    const title = `Utilisation by ${args.by}, ${from}${
      from === to ? "" : ` to ${to}`
    } (${args.tz})`;
    const svgPath = args.svg;
    await ensureParentDir(svgPath).then(() => Deno.writeTextFile(svgPath, toSvg(rows, title)))
      .catch((err) => {
        throw new Error(`Cannot write ${args.svg}: ${err instanceof Error ? err.message : err}`);
      });
    console.error(`wrote ${args.svg}`);
  }
});
