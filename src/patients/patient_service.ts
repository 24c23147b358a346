/**
 * The patient's own profile (`/v1/me`): name, preferred language and channel, time zone, date of
 * birth, gender and medical history, all personal fields sealed at rest. Erasure removes personal
 * data and the phone's blind index, clears medical text from the patient's appointments, cancels
 * future ones through the appointment writer (so `appointment.cancelled`, webhooks, the waitlist
 * and the freed slots follow as for any cancellation), keeps the anonymised history and then runs
 * the erasure plan (erasure_plan.ts) for every other record of the patient.
 */
import type { AppointmentWriter } from "../booking/appointment_writer.ts";
import { erase, needsErasure } from "../domain/appointment_machine.ts";
import type { DataCipher } from "../crypto/data_cipher.ts";
import { NotFoundError } from "../errors.ts";
import type { RecordStores } from "../stores/ports.ts";
import type { AppointmentRecord, PatientRecord } from "../stores/records.ts";
import { type ErasureStep, runErasurePlan } from "./erasure_plan.ts";

export interface PatientProfile {
  id: string;
  phone: string | null;
  name: string | null;
  language: string;
  channel: "sms" | "whatsapp";
  timeZone: string;
  dateOfBirth: string | null;
  gender: "female" | "male" | "other" | "undisclosed" | null;
  medicalHistory: string | null;
  createdAt: string;
  updatedAt: string;
}

interface SealedProfile {
  dateOfBirth: string | null;
  gender: PatientProfile["gender"];
  medicalHistory: string | null;
}

export type ProfilePatch = Partial<
  Omit<PatientProfile, "id" | "phone" | "createdAt" | "updatedAt">
>;

export interface PatientDeps {
  records: RecordStores;
  cipher: DataCipher;
  /** Everything else erasure removes (erasure_plan.ts). */
  erasure: ErasureStep[];
  /** The one way appointment changes are stored, with their events. */
  writer: AppointmentWriter;
  now: () => number;
}

export function createPatientService(deps: PatientDeps) {
  const { records, cipher, now } = deps;

  async function load(id: string): Promise<PatientRecord> {
    const p = await records.patients.get(id);
    if (!p || p.erasedAt) throw new NotFoundError("This patient does not exist");
    return p;
  }

  async function view(p: PatientRecord): Promise<PatientProfile> {
    const sealed: SealedProfile = p.profileSealed
      ? JSON.parse(await cipher.open(p.profileSealed))
      : { dateOfBirth: null, gender: null, medicalHistory: null };
    return {
      id: p.id,
      phone: p.phoneSealed ? await cipher.open(p.phoneSealed) : null,
      name: p.nameSealed ? await cipher.open(p.nameSealed) : null,
      language: p.language,
      channel: p.channel,
      timeZone: p.timeZone,
      ...sealed,
      createdAt: p.createdAt,
      updatedAt: p.updatedAt,
    };
  }

  async function forEachAppointment(
    patientId: string,
    fn: (a: AppointmentRecord) => Promise<void>,
  ) {
    let cursor: string | undefined;
    do {
      const page = await records.appointments.listForPatient(patientId, {}, 100, cursor);
      for (const a of page.items) await fn(a);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  return {
    async get(id: string) {
      return view(await load(id));
    },

    async update(id: string, patch: ProfilePatch) {
      const p = await load(id);
      const current = await view(p);
      const merged = { ...current, ...patch };
      const sealed: SealedProfile = {
        dateOfBirth: merged.dateOfBirth,
        gender: merged.gender,
        medicalHistory: merged.medicalHistory,
      };
      const next: PatientRecord = {
        ...p,
        nameSealed: merged.name ? await cipher.seal(merged.name) : null,
        language: merged.language,
        channel: merged.channel,
        timeZone: merged.timeZone,
        profileSealed: await cipher.seal(JSON.stringify(sealed)),
        updatedAt: new Date(now()).toISOString(),
        version: p.version + 1,
      };
      await records.patients.update(next);
      return view(next);
    },

    /** Right to erasure. Returns how many appointments were anonymised and how many cancelled. */
    async erase(id: string) {
      // An erased record is taken too: an erasure a store failure stopped part-way is finished
      // by the patient's retry (their sessions end last), where a 404 would leave the rest.
      const p = await records.patients.get(id);
      if (!p) throw new NotFoundError("This patient does not exist");
      const subject = {
        patientId: id,
        phone: p.phoneSealed ? await cipher.open(p.phoneSealed) : null,
        phoneIndex: p.phoneIndex,
      };
      let anonymised = 0;
      let cancelled = 0;
      const iso = new Date(now()).toISOString();
      const eraseAppointments = () =>
        forEachAppointment(id, async (a) => {
          if (!needsErasure(a, now())) return;
          const change = erase(a, { id, role: "patient" }, now());
          // The patient is erased first: no "cancelled" message goes out to them.
          await deps.writer.write(change, { step: "erase", inline: false });
          anonymised++;
          if (change.next.status !== a.status) cancelled++;
        });
      // First, so that from here on nothing is sent to the patient, no hold is placed for them
      // and their phone signs up afresh.
      if (!p.erasedAt) {
        await records.patients.update({
          ...p,
          phoneIndex: "",
          phoneSealed: "",
          nameSealed: null,
          profileSealed: null,
          erasedAt: iso,
          updatedAt: iso,
          version: p.version + 1,
        });
      }
      await runErasurePlan(deps.erasure, subject, true);
      await eraseAppointments();
      await runErasurePlan(deps.erasure, subject, false);
      // A confirm already under way when the appointments were read may have booked since; with
      // the holds and sessions now gone nothing more can book, so a second pass finds it.
      await eraseAppointments();
      return { anonymised, cancelled };
    },
  };
}

export type PatientService = ReturnType<typeof createPatientService>;
