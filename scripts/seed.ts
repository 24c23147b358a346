/**
 * Usage: deno task seed [--doctors N] [--patients M] [--appointments K] [--seed S]
 *                       [--anchor YYYY-MM-DD] [--days D] [--dry-run]
 *
 * Fills the configured store (KV_PATH or MONGODB_URI, as the server) with realistic demo data:
 * N Ayurvedic doctors with weekly hours and a lunch break, M patients, and K appointments spread
 * over the D days either side of --anchor (default today), in every status. The same --seed
 * gives the same people, phones and ids, and running it again adds nothing twice. Writes through
 * the record stores, not over HTTP; appointments through the one appointment writer, from the
 * state machine's changes, so their events (audit, webhooks, notices, reminders still due) wait in
 * the outbox and a running server delivers them like any booking's: seed a store whose server
 * sends through the console sender, not Twilio.
 *
 *   --doctors N        doctors to create (default 20)
 *   --patients M       patients to create (default 50)
 *   --appointments K   appointments to book among them (default 0)
 *   --seed S           PRNG seed (default 1)
 *   --anchor DATE      centre of the appointment window (default today, UTC)
 *   --days D           appointments fall within D days of the anchor (default 7)
 *   --dry-run          print what would be created and write nothing
 *   --help             show this text
 * Refused with APP_ENV=production: its phones are made up but real-looking (+919…), so a seeded
 * doctor's phone would make whoever owns that number a doctor at login, and its bookings' notices
 * would go out by SMS to strangers.
 */
import { z } from "zod";
import {
  type Actor,
  type AppointmentChange,
  cancel,
  confirmFromHold,
  recordOutcome,
} from "../src/domain/appointment_machine.ts";
import { generateSlots } from "../src/domain/slots.ts";
import { addDays } from "../src/domain/zoned_time.ts";
import { ConflictError } from "../src/errors.ts";
import { newPatientRecord } from "../src/patients/patient_record.ts";
import {
  type AppointmentRecord,
  type AppointmentStatus,
  type DoctorRecord,
  type PatientRecord,
  SCHEMA_VERSION,
} from "../src/stores/records.ts";
import { flag, isoDate, parseArgs, progressBar, runScript, UsageError } from "./_cli.ts";
import { loadScriptConfig, openScriptRuntime } from "./_runtime.ts";
import {
  phoneFor,
  pick,
  seedDoctor,
  seededId,
  seededRandom,
  seedPatientName,
} from "./_seed_data.ts";

const USAGE = (await Deno.readTextFile(new URL(import.meta.url))).split("*/")[0]
  .replace(/^\/\*\*|^ \* ?/gm, "");

const Args = z.object({
  doctors: z.coerce.number().int().min(0).max(100_000).default(20),
  patients: z.coerce.number().int().min(0).max(1_000_000).default(50),
  appointments: z.coerce.number().int().min(0).max(1_000_000).default(0),
  seed: z.coerce.number().int().min(0).max(2 ** 31).default(1),
  anchor: isoDate.optional(),
  days: z.coerce.number().int().min(0).max(365).default(7),
  "dry-run": flag,
  yes: flag,
});

const ID_EPOCH_MS = Date.parse("2026-01-01T00:00:00Z");
const CONCURRENCY = 16;

async function inBatches<T>(items: T[], work: (item: T) => Promise<void>, tick: () => void) {
  for (let i = 0; i < items.length; i += CONCURRENCY) {
    await Promise.all(
      items.slice(i, i + CONCURRENCY).map(async (item) => {
        await work(item);
        tick();
      }),
    );
  }
}

function statusFor(rng: () => number, past: boolean): AppointmentStatus {
  const r = rng();
  if (past) return r < 0.7 ? "completed" : r < 0.85 ? "no_show" : "cancelled";
  return r < 0.85 ? "confirmed" : "cancelled";
}

/** After the booking: the change that gives a demo appointment its status, if any. */
function statusChange(
  a: AppointmentRecord,
  status: AppointmentStatus,
  patient: Actor,
  doctor: Actor,
): AppointmentChange | null {
  // A visit is cancelled before it ends (a past one cannot be): at the latest as it starts.
  if (status === "cancelled") {
    return cancel(a, patient, null, Math.min(Date.parse(a.updatedAt), a.startMs));
  }
  if (status === "completed" || status === "no_show") {
    return recordOutcome(a, doctor, { status }, Date.parse(a.updatedAt));
  }
  return null;
}

await runScript("seed", async () => {
  const args = parseArgs(Deno.args, Args, USAGE);
  const rng = seededRandom(args.seed);
  const phones = new Set<string>();
  const doctors = Array.from({ length: args.doctors }, () => seedDoctor(rng, phones));
  const patients = Array.from({ length: args.patients }, () => ({
    phone: phoneFor(rng, phones),
    name: seedPatientName(rng),
  }));
  if (args.appointments > 0 && (doctors.length === 0 || patients.length === 0)) {
    throw new Error("--appointments needs at least one doctor and one patient");
  }
  if (args["dry-run"]) {
    const cities = new Set(doctors.map((d) => d.city));
    console.log(
      `dry run: would create ${doctors.length} doctors in ${cities.size} cities, ` +
        `${patients.length} patients and up to ${args.appointments} appointments (seed ${args.seed})`,
    );
    return;
  }

  if (loadScriptConfig().APP_ENV === "production") {
    throw new UsageError(
      "seed writes demo people with made-up phone numbers; refused with APP_ENV=production",
    );
  }
  const rt = await openScriptRuntime();
  const started = performance.now();
  try {
    const nowMs = Date.now();
    const iso = new Date(nowMs).toISOString();
    const doctorIds: DoctorRecord[] = [];
    let skipped = 0;
    const bar = progressBar("doctors", doctors.length);
    const docRecords = doctors.map((d, i) => ({ d, id: seededId(rng, "doc", ID_EPOCH_MS + i) }));
    await inBatches(docRecords, async ({ d, id }) => {
      const { phone, schedule, ...profile } = d;
      const record: DoctorRecord = {
        id,
        schemaVersion: SCHEMA_VERSION,
        ...profile,
        phoneIndex: await rt.hash.hash("phone", phone),
        phoneSealed: await rt.cipher.seal(phone),
        schedule,
        createdAt: iso,
        updatedAt: iso,
        version: 1,
      };
      try {
        await rt.records.doctors.create(record);
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
        skipped++;
      }
      doctorIds.push(record);
    }, () => bar.tick());
    bar.done();

    const patientRecords: PatientRecord[] = [];
    let patientsThere = 0;
    const pbar = progressBar("patients", patients.length);
    const pats = patients.map((p, i) => ({ p, id: seededId(rng, "pat", ID_EPOCH_MS + i) }));
    await inBatches(pats, async ({ p, id }) => {
      const candidate = newPatientRecord({
        id,
        phoneIndex: await rt.hash.hash("phone", p.phone),
        phoneSealed: await rt.cipher.seal(p.phone),
        nameSealed: await rt.cipher.seal(p.name),
        nowIso: iso,
      });
      const stored = await rt.records.patients.getOrCreate(candidate);
      // getOrCreate returns the patient already registered to that phone, if any.
      if (stored.id !== candidate.id || stored.createdAt !== candidate.createdAt) patientsThere++;
      patientRecords.push(stored);
    }, () => pbar.tick());
    pbar.done();
    doctorIds.sort((a, b) => a.id.localeCompare(b.id));
    patientRecords.sort((a, b) => a.id.localeCompare(b.id));

    const anchor = args.anchor ?? new Date().toISOString().slice(0, 10);
    let booked = 0;
    let clashes = 0;
    let appointmentsThere = 0;
    const abar = progressBar("appointments", args.appointments);
    for (let i = 0; i < args.appointments; i++) {
      const doctor = pick(rng, doctorIds);
      const patient = pick(rng, patientRecords);
      const date = addDays(anchor, Math.floor(rng() * (2 * args.days + 1)) - args.days);
      const slots = generateSlots({
        schedule: { ...doctor.schedule, minNoticeMinutes: 0, horizonDays: 100_000 },
        timeZone: doctor.timezone,
        fromDate: date,
        toDate: date,
        nowMs: 0,
        busy: [],
      });
      const slot = slots.length > 0 ? pick(rng, slots) : null;
      const holdId = seededId(rng, "hld", ID_EPOCH_MS + i);
      abar.tick();
      if (!slot) continue;
      const status = statusFor(rng, slot.endMs < nowMs);
      const { start, end, startMs, endMs } = slot;
      const held = {
        id: holdId,
        doctorId: doctor.id,
        patientId: patient.id,
        start,
        end,
        startMs,
        endMs,
      };
      const byPatient: Actor = { id: patient.id, role: "patient" };
      const reason = await rt.cipher.seal("Demo consultation");
      let stored: AppointmentRecord;
      try {
        // Booking an id again returns the stored appointment: only a new one counts.
        stored = await rt.writer.write(
          confirmFromHold(held, { reasonSealed: reason, online: false }, byPatient, nowMs),
          { step: "confirm" },
        );
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
        clashes++;
        continue;
      }
      if (stored.createdAt !== iso) {
        appointmentsThere++;
        continue;
      }
      booked++;
      const then = statusChange(stored, status, byPatient, { id: doctor.id, role: "doctor" });
      if (then) {
        await rt.writer.write(then, { step: status === "cancelled" ? "cancel" : "outcome" });
      }
    }
    abar.done();
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    console.log(
      `seeded ${doctors.length - skipped} doctors (${skipped} already there), ` +
        `${patientRecords.length - patientsThere} patients (${patientsThere} already there), ` +
        `${booked} appointments (${appointmentsThere} already there, ${clashes} slot clashes ` +
        `skipped) in ${seconds} s`,
    );
  } finally {
    await rt.close();
  }
});
