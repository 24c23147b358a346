/**
 * `deno task report` run for real on a deactivated doctor's days: their schedule offers time only
 * before `deactivatedAt` (the day of the deactivation counts up to that instant), while their
 * appointments after it still count as booked. On KV records and on MongoDB records (FerretDB).
 */
import assert from "node:assert/strict";
import { openOperatorRuntime } from "../../src/bootstrap.ts";
import { loadConfig } from "../../src/config/config.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { appEnv, startFerretDb } from "../_harness/ferretdb.ts";
import { appointment, doctor } from "../contract/_fixtures.ts";
import { runTask } from "./_run_task.ts";

const EVERY_DAY = (["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const).map((day) => ({
  day,
  start: "09:00",
  end: "13:00",
}));

async function reportOnDeactivatedDoctor(env: Record<string, string>) {
  const dir = await Deno.makeTempDir({ prefix: "vaidya-report-deactivated-" });
  await Deno.mkdir(`${dir}/data`);
  const config = loadConfig({ KV_PATH: `${dir}/data/vaidya.kv`, ...env });
  const rt = await openOperatorRuntime(config, createLogger({ level: "error", write: () => {} }));
  const schedule = { ...doctor().schedule, weekly: EVERY_DAY }; // 4 h a day, 240 minutes
  const kept = doctor({ name: "Dr. Kept", schedule });
  const gone = doctor({ name: "Dr. Gone", schedule });
  try {
    for (const d of [kept, gone]) await rt.records.doctors.create(d);
    // 2026-06-02 11:00 in Kolkata: two of that day's four hours were offered before it.
    await rt.records.doctors.update({
      ...gone,
      deactivatedAt: "2026-06-02T05:30:00.000Z",
      version: 2,
    });
    // A visit on 2026-06-03 10:00 IST, booked before the deactivation and left standing.
    const startMs = Date.parse("2026-06-03T04:30:00.000Z");
    await rt.records.appointments.book(appointment(gone.id, "pat_kept", 0, 30, {
      start: new Date(startMs).toISOString(),
      end: new Date(startMs + 1_800_000).toISOString(),
      startMs,
      endMs: startMs + 1_800_000,
    }));
  } finally {
    await rt.close();
  }
  try {
    const res = await runTask(
      "report",
      ["--from", "2026-06-01", "--to", "2026-06-03", "--by", "doctor", "--format", "csv"],
      dir,
      env,
    );
    assert.equal(res.code, 0, res.stderr);
    const rows = new Map(
      res.stdout.trim().split("\n").slice(1).map((line) => {
        const cells = line.split(",");
        return [cells[0], cells.slice(1)];
      }),
    );
    // bookings, cancellations, no_shows, completed, booked, offered, utilisation
    assert.deepEqual(rows.get(`Dr. Kept (${kept.id})`), ["0", "0", "0", "0", "0", "720", "0.0"]);
    assert.deepEqual(
      rows.get(`Dr. Gone (${gone.id})`),
      ["1", "0", "0", "0", "30", "360", "8.3"],
      "240 minutes on 06-01, 120 on 06-02 before 11:00, none on 06-03; the visit still booked",
    );
    const after = await runTask(
      "report",
      ["--date", "2026-06-03", "--by", "doctor", "--format", "csv"],
      dir,
      env,
    );
    assert.equal(after.code, 0, after.stderr);
    assert.match(after.stdout, new RegExp(`^Dr\\. Gone \\(${gone.id}\\),1,0,0,0,30,0,0\\.0$`, "m"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("deno task report on KV records offers a deactivated doctor's time only before their deactivation", async () => {
  await reportOnDeactivatedDoctor({});
});

Deno.test("deno task report on MongoDB records offers a deactivated doctor's time only before their deactivation", async () => {
  const mongo = await startFerretDb();
  try {
    await reportOnDeactivatedDoctor(appEnv(mongo));
  } finally {
    await mongo.stop();
  }
});
