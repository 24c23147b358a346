/**
 * The contention phase: `clients` logged-in patients race, all at once, for the first `slots`
 * slots of one doctor's day (client i goes for slot i mod `slots`); each one that gets a hold
 * confirms it with its code. The invariant under test: exactly one winner per slot, every loser
 * a clean 409, no 5xx.
 */
import { type LoadClient, pool, sleep } from "./client.ts";
import {
  confirmHold,
  latestCode,
  listSlots,
  loginWithRetry,
  phoneFor,
  placeHold,
  type SeededDoctor,
  type Session,
} from "./flows.ts";

export interface HotSlotOptions {
  doctor: SeededDoctor;
  day: string;
  clients: number;
  slots: number;
  salt: number;
}

export interface HotSlotResult {
  clients: number;
  slots: number;
  loggedIn: number;
  holds201: number;
  winners: number;
  conflicts409: number;
  /** HTTP status and problem code of every answer to the race that was not a 201. */
  outcomes: Record<string, number>;
  status5xx: number;
  winnersPerSlot: Record<string, number>;
  winnerAppointments: {
    id: string;
    doctorId: string;
    patientId: string;
    start: string;
    end: string;
  }[];
  raceMs: number;
  ok: boolean;
}

export async function runHotSlotPhase(
  setup: LoadClient,
  race: LoadClient,
  o: HotSlotOptions,
): Promise<HotSlotResult> {
  // Retried: right after a fault the stores may still be reconnecting.
  let list = await listSlots(setup, o.doctor.id, o.day, o.day);
  for (let i = 0; i < 20 && (list.status !== 200 || !list.body?.slots.length); i++) {
    await sleep(500);
    list = await listSlots(setup, o.doctor.id, o.day, o.day);
  }
  const targets = (list.body?.slots ?? []).slice(0, o.slots);
  if (targets.length < o.slots) {
    throw new Error(
      `Cannot race: doctor ${o.doctor.id} has ${targets.length} slots on ${o.day} (${list.status} ${
        JSON.stringify(list.body).slice(0, 300)
      })`,
    );
  }
  const sessions: Session[] = [];
  await pool(o.clients, 50, async (i) => {
    const s = await loginWithRetry(setup, phoneFor("74", o.salt, i), 3);
    if (s) sessions.push(s);
  });

  const outcomes: Record<string, number> = {};
  const winnersPerSlot: Record<string, number> = Object.fromEntries(
    targets.map((t) => [t.start, 0]),
  );
  const winnerAppointments: HotSlotResult["winnerAppointments"] = [];
  let holds201 = 0;
  let status5xx = 0;
  const count = (status: number, code: string | null) => {
    if (status >= 500) status5xx++;
    const key = `${status} ${code ?? ""}`.trim();
    outcomes[key] = (outcomes[key] ?? 0) + 1;
  };

  const started = performance.now();
  await Promise.all(sessions.map(async (session, i) => {
    const slot = targets[i % targets.length];
    const hold = await placeHold(race, session, o.doctor.id, slot.start);
    if (hold.status !== 201 || !hold.body) return count(hold.status, hold.code);
    holds201++;
    const code = await latestCode(race, session.phone);
    const done = await confirmHold(race, session, hold.body.id, code ?? "000000");
    if (done.status !== 201 || !done.body) return count(done.status, done.code);
    winnersPerSlot[slot.start]++;
    const a = done.body.appointment;
    winnerAppointments.push({
      id: a.id,
      doctorId: a.doctorId,
      patientId: a.patientId,
      start: a.start,
      end: a.end,
    });
  }));
  const raceMs = Math.round(performance.now() - started);

  const winners = winnerAppointments.length;
  const conflicts409 = outcomes["409 slot_unavailable"] ?? 0;
  return {
    clients: o.clients,
    slots: o.slots,
    loggedIn: sessions.length,
    holds201,
    winners,
    conflicts409,
    outcomes,
    status5xx,
    winnersPerSlot,
    winnerAppointments,
    raceMs,
    ok: sessions.length === o.clients && winners === o.slots &&
      conflicts409 === o.clients - o.slots && status5xx === 0 &&
      Object.values(winnersPerSlot).every((n) => n === 1),
  };
}
