/**
 * The one booking flow of the tests, through the public API: log in (if given a phone), hold a
 * slot, read the code from the dev outbox, confirm; and its first half alone (`holdSlot`,
 * `holdFirstSlot`) for tests of what happens to a hold. Works on a server process or an in-process app
 * alike (it only uses `Api`). Tests that check a step's failure drive that step themselves.
 */
import assert from "node:assert/strict";
import { type Api, createDoctor, firstSlots, randomPhone, type Session } from "./api.ts";

export interface BookedAppointment {
  id: string;
  doctorId: string;
  patientId: string;
  start: string;
  end: string;
  status: string;
  [field: string]: unknown;
}

export interface Booking {
  patient: Session;
  holdId: string;
  /** The hold's one-time code, as read from the dev outbox. */
  code: string;
  appointment: BookedAppointment;
}

export interface BookOptions {
  /** The reason for the visit (sealed at rest). */
  reason?: string;
  /** A video consultation. */
  online?: boolean;
  /** Sent as `Idempotency-Key` on the hold. */
  idempotencyKey?: string;
}

/** Books `start` with `doctorId` for `patient` (a session, or a phone to log in first). */
export async function book(
  api: Api,
  patient: Session | string,
  doctorId: string,
  start: string,
  options: BookOptions = {},
): Promise<Booking> {
  const session = typeof patient === "string" ? await api.login(patient) : patient;
  const { holdId, code } = await holdSlot(api, session, doctorId, start, options.idempotencyKey);
  const body: Record<string, unknown> = { code };
  if (options.reason !== undefined) body.reason = options.reason;
  if (options.online !== undefined) body.online = options.online;
  const confirmed = await api.request<{ appointment: BookedAppointment }>(
    "POST",
    `/v1/holds/${holdId}/confirm`,
    { token: session.accessToken, body },
  );
  assert.equal(confirmed.status, 201, `confirm: ${JSON.stringify(confirmed.body)}`);
  return { patient: session, holdId, code, appointment: confirmed.body.appointment };
}

/** Holds `start` with `doctorId` for `session` and reads the hold's code from the dev outbox. */
export async function holdSlot(
  api: Api,
  session: Session,
  doctorId: string,
  start: string,
  idempotencyKey?: string,
): Promise<{ holdId: string; code: string }> {
  const hold = await api.request<{ id: string }>("POST", "/v1/holds", {
    token: session.accessToken,
    body: { doctorId, start },
    headers: idempotencyKey ? { "idempotency-key": idempotencyKey } : {},
  });
  assert.equal(hold.status, 201, `hold: ${JSON.stringify(hold.body)}`);
  return { holdId: hold.body.id, code: await api.latestCode(session.phone) };
}

/**
 * A new doctor (created by the admin), a new patient, and a hold of the doctor's first free slot
 * with the code that was sent to confirm it.
 */
export async function holdFirstSlot(api: Api, doctorOverrides: Record<string, unknown> = {}) {
  const doctor = await createDoctor(api, await api.loginAdmin(), doctorOverrides);
  const patient = await api.login(randomPhone());
  const [slot] = await firstSlots(api, doctor.id);
  return { doctor, patient, ...await holdSlot(api, patient, doctor.id, slot.start) };
}
