/**
 * What the right to erasure does to each record of a patient, in ONE place. Every store that keeps
 * something linked to a patient (their id, phone or the phone's blind index) is listed here either
 * as a step that deletes or anonymises it, or under `KEPT_AFTER_ERASURE` with the reason it stays.
 * tests/http/erasure_test.ts reads the whole raw store after an erasure and fails on anything
 * linked to the patient that is not in the kept list, so a new store must be added here.
 *
 * `patient_service.erase` runs the booking part (appointments: medical text cleared, future ones
 * cancelled through the booking core) and the patient record itself; this plan does the rest.
 */
import { ADMIN_ID_PREFIX } from "../auth/identity_service.ts";
import type { RefreshTokens } from "../auth/refresh_tokens.ts";
import type { DataCipher } from "../crypto/data_cipher.ts";
import { forgetRecipient } from "../notify/console_sender.ts";
import { forgetResendsTo } from "../notify/delivery_tracker.ts";
import type { PrakritiStore } from "../recommend/prakriti_store.ts";
import type { HoldStore } from "../stores/kv/hold_store.ts";
import { idempotencyScope, type IdempotencyStore } from "../stores/kv/idempotency_store.ts";
import type { AppointmentStore, CourseStore, EphemeralStore } from "../stores/ports.ts";
import type { WaitlistStore } from "../waitlist/waitlist_store.ts";

/** Who is being erased: read before the patient record is anonymised. */
export interface ErasureSubject {
  patientId: string;
  /** Plain E.164 phone, or null if it was already gone. */
  phone: string | null;
  phoneIndex: string;
}

export interface ErasureStep {
  /** The records, as an operator would name them. */
  name: string;
  /**
   * Found by the phone: runs right after the patient record is anonymised, with the phone read
   * before. The others run after the appointments, and again on the retry of an erasure a failure
   * stopped (which finds the record erased and the phone gone).
   */
  byPhone?: true;
  run(subject: ErasureSubject): Promise<number>;
}

/**
 * Records that stay after erasure, linked to the patient only by the now anonymous id, holding no
 * personal or medical text. Keyed by the first element of their KV key.
 */
export const KEPT_AFTER_ERASURE: Readonly<Record<string, string>> = {
  patient: "the tombstone: id, erasedAt, language and channel; phone, name and profile removed",
  appointment: "the doctor's history: times and status; reason, notes and cancel reason cleared",
  appt_by_doctor: "index copy of the anonymised appointment",
  appt_by_patient: "index copy of the anonymised appointment",
  claim: "a completed/past appointment's cells on the doctor's calendar (appointment id only)",
  course: "a therapy course: session times and the doctor; no text",
  audit: "the tamper-evident audit log: ids and actions only; deleting would break the chain",
  audit_by: "index of the audit log",
  ephemeral:
    "rate-limit windows (counts) keyed by the phone's blind index, gone within the hour; kept so " +
    "erasure cannot reset the limits",
  event_handled: "delivery bookkeeping of events: ids only, expires after 30 days",
  event_due: "events in flight (ids and times only), deleted once delivered",
  delivery:
    "Twilio delivery state (message id, status); a copy kept for an SMS fallback is dropped",
};

export interface ErasurePlanDeps {
  kv: Deno.Kv;
  cipher: DataCipher;
  holds: HoldStore;
  courses: CourseStore;
  waitlist: WaitlistStore;
  prakriti: PrakritiStore;
  refresh: RefreshTokens;
  idempotency: IdempotencyStore;
  appointments: Pick<AppointmentStore, "listForPatient">;
  ephemeral: EphemeralStore;
  now: () => number;
}

/** The OTP state kept in the ephemeral store under the phone's blind index. */
const OTP_KEYS = ["otp", "otp_failures", "otp_lock", "otp_cooldown"] as const;

export function createErasurePlan(deps: ErasurePlanDeps): ErasureStep[] {
  return [
    { name: "holds", run: (s) => deps.holds.removeAllForPatient(s.patientId) },
    {
      // A course's session holds (its first aside) are not in the patient's hold list.
      name: "held therapy courses",
      async run(s) {
        const held = await deps.courses.heldByPatient(s.patientId);
        for (const course of held) {
          await deps.courses.releaseHolds(course);
          const current = await deps.courses.get(course.id);
          if (current?.status !== "held") continue;
          // Best effort: with its holds gone the course cannot be confirmed, whatever it says.
          await deps.courses.update({
            ...current,
            status: "cancelled",
            updatedAt: new Date(deps.now()).toISOString(),
            version: current.version + 1,
          });
        }
        return held.length;
      },
    },
    {
      name: "waitlist entries",
      async run(s) {
        const entries = await deps.waitlist.listForPatient(s.patientId);
        for (const e of entries) await deps.waitlist.remove(s.patientId, e.id);
        return entries.length;
      },
    },
    {
      name: "prakriti answers",
      run: async (s) => (await deps.prakriti.remove(s.patientId)) ? 1 : 0,
    },
    { name: "idempotency records", run: (s) => deps.idempotency.forgetUser(s.patientId) },
    {
      // A doctor's cancel or PATCH, or an admin's PATCH, stored its answer, the appointment with
      // the patient's reason and notes, under the doctor's or admin's scope: a replay would hand
      // the erased text back.
      name: "doctors' and admins' stored answers about the patient's appointments",
      async run(s) {
        let n = 0;
        let cursor: string | undefined;
        const patched = new Set<string>();
        do {
          const page = await deps.appointments.listForPatient(s.patientId, {}, 100, cursor);
          for (const a of page.items) {
            const path = `/v1/appointments/${a.id}`;
            n += await deps.idempotency.forgetScopes(
              idempotencyScope(a.doctorId, "POST", `${path}/`),
            );
            n += await deps.idempotency.forgetScopes(idempotencyScope(a.doctorId, "PATCH", path));
            patched.add(idempotencyScope("", "PATCH", path));
          }
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        // Which admin is not known here; admins are few, so all their stored answers are read.
        if (patched.size > 0) {
          n += await deps.idempotency.forgetScopes(
            ADMIN_ID_PREFIX,
            (scope) => patched.has(scope.slice(scope.indexOf(":"))),
          );
        }
        return n;
      },
    },
    {
      name: "login codes and lockouts",
      byPhone: true,
      async run(s) {
        let n = 0;
        for (const k of OTP_KEYS) {
          if (await deps.ephemeral.take(`${k}:${s.phoneIndex}`)) n++;
        }
        return n;
      },
    },
    {
      name: "development outbox",
      byPhone: true,
      run: (s) => forgetRecipient(deps.kv, s.phoneIndex, s.phone),
    },
    {
      name: "whatsapp messages kept for an sms fallback",
      byPhone: true,
      run: async (s) => s.phone ? await forgetResendsTo(deps.kv, deps.cipher, s.phone) : 0,
    },
    // Last: until it has run the patient can retry an erasure a failure stopped.
    { name: "sessions and refresh tokens", run: (s) => deps.refresh.forgetUser(s.patientId) },
  ];
}

/**
 * Runs the steps found by the phone (`byPhone: true`) or the others, in order; returns how many
 * records each removed, by step name.
 */
export async function runErasurePlan(
  plan: ErasureStep[],
  subject: ErasureSubject,
  byPhone: boolean,
): Promise<Record<string, number>> {
  const done: Record<string, number> = {};
  for (const step of plan) {
    if (!!step.byPhone === byPhone) done[step.name] = await step.run(subject);
  }
  return done;
}
