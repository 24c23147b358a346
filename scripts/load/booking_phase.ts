/**
 * The "full day" phase: `concurrency` virtual patients book through the real flow (login with
 * the OTP code, slot search, hold with an Idempotency-Key, code from the dev outbox, confirm)
 * until `target` appointments are confirmed, the deadline passes, or the attempt budget runs out.
 * A dropped connection (a server being killed) is retried with the same key; a hold or confirm
 * whose answer was lost is retried, never assumed. Every 201 confirm is kept for verification.
 */
import {
  isTransient,
  type LoadClient,
  type LoadResponse,
  retryTransient,
  sleep,
} from "./client.ts";
import {
  confirmHold,
  dateInDays,
  latestCode,
  listSlots,
  loginWithRetry,
  phoneFor,
  placeHold,
  type SeededDoctor,
  type Session,
} from "./flows.ts";

export interface ConfirmedBooking {
  id: string;
  doctorId: string;
  patientId: string;
  start: string;
  end: string;
}

export interface BookingPhaseOptions {
  doctors: SeededDoctor[];
  target: number;
  concurrency: number;
  deadlineMs: number;
  salt: number;
  /** Bookings spread over this many days starting tomorrow. */
  days: number;
  bookingsPerPatient: number;
  /** First patient number of this generator (generator processes book as distinct patients). */
  patientBase?: number;
  onConfirmed?: (count: number) => void;
}

export interface BookingPhaseResult {
  confirmed: ConfirmedBooking[];
  attempts: number;
  holdConflicts: number;
  retriedAfterConnectionError: number;
}

const RETRIES = 12;

export async function runBookingPhase(
  client: LoadClient,
  o: BookingPhaseOptions,
): Promise<BookingPhaseResult> {
  const confirmed: ConfirmedBooking[] = [];
  let inFlight = 0;
  let attempts = 0;
  let holdConflicts = 0;
  let retried = 0;
  let patients = o.patientBase ?? 0;
  const maxAttempts = o.target * 20;
  const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)];

  /** Sends until a non-transient answer or the retries run out (a server restart). */
  function persist<T>(send: () => Promise<LoadResponse<T>>) {
    return retryTransient(send, {
      retries: RETRIES,
      delayMs: (i) => 100 + i * 100,
      deadlineMs: o.deadlineMs,
      onRetry: () => retried++,
    });
  }

  async function bookOnce(session: Session): Promise<"booked" | "retry" | "relogin"> {
    const doctor = pick(o.doctors);
    const day = dateInDays(1 + Math.floor(Math.random() * o.days), doctor.timezone);
    const list = await listSlots(client, doctor.id, day, day);
    if (list.status !== 200 || !list.body?.slots.length) {
      if (isTransient(list.status)) await sleep(100);
      return "retry";
    }
    const slot = pick(list.body.slots);
    const key = crypto.randomUUID();
    const hold = await persist(() => placeHold(client, session, doctor.id, slot.start, key));
    if (hold.status === 401 || hold.code === "hold_limit_reached") return "relogin";
    if (hold.status !== 201 || !hold.body) {
      if (hold.status === 409) holdConflicts++;
      return "retry";
    }
    let code: string | null = null;
    for (let i = 0; i < RETRIES && !code && Date.now() < o.deadlineMs; i++) {
      code = await latestCode(client, session.phone);
      if (!code) await sleep(100);
    }
    if (!code) return "retry";
    const holdId = hold.body.id;
    const done = await persist(() => confirmHold(client, session, holdId, code));
    if (done.status !== 201 || !done.body) return done.status === 401 ? "relogin" : "retry";
    const a = done.body.appointment;
    confirmed.push({
      id: a.id,
      doctorId: a.doctorId,
      patientId: a.patientId,
      start: a.start,
      end: a.end,
    });
    o.onConfirmed?.(confirmed.length);
    return "booked";
  }

  async function worker() {
    let session: Session | null = null;
    let booked = 0;
    while (
      confirmed.length + inFlight < o.target && attempts < maxAttempts && Date.now() < o.deadlineMs
    ) {
      if (!session || booked >= o.bookingsPerPatient) {
        session = await loginWithRetry(client, phoneFor("73", o.salt, patients++));
        booked = 0;
        if (!session) continue;
      }
      // Logging in awaited: the others may have filled the target meanwhile.
      if (confirmed.length + inFlight >= o.target) break;
      attempts++;
      inFlight++;
      try {
        const outcome = await bookOnce(session);
        if (outcome === "booked") booked++;
        if (outcome === "relogin") session = null;
      } finally {
        inFlight--;
      }
    }
  }

  await Promise.all(Array.from({ length: o.concurrency }, worker));
  return { confirmed, attempts, holdConflicts, retriedAfterConnectionError: retried };
}
