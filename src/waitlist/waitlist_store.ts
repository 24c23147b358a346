/**
 * Waitlist entries in Deno KV, ordered per doctor and day by the time they joined (FIFO). One
 * entry per patient, doctor and day (a uniqueness key checked atomically), and `markNotified` sets
 * `notifiedAt` with a check on the entry, so a patient is told about a free slot at most once.
 */
import { ConflictError } from "../errors.ts";
import type { WaitlistStore } from "../stores/ports.ts";
import { commit, untilCommitted, withKvRetry } from "../stores/kv/kv_commit.ts";
import {
  waitlistByPatientKey,
  waitlistByPatientPrefix,
  waitlistDayPrefix,
  waitlistKey,
  waitlistUniqueKey,
} from "../stores/kv/keys.ts";

export interface WaitlistEntry {
  id: string;
  doctorId: string;
  patientId: string;
  /** The doctor's calendar day, YYYY-MM-DD. */
  date: string;
  createdAt: string;
  createdAtMs: number;
  notifiedAt: string | null;
  /** When the entry and its keys lapse; absent on entries stored before it was kept. */
  expiresAtMs?: number;
}

const DAY_MS = 86_400_000;

/**
 * What a rewrite of the entry (its notice mark) keeps of its lapse: a set names its expiry or has
 * none. An entry stored before `expiresAtMs` was kept lapses five days after its day begins (UTC),
 * after its keys did (they lapse within four days and 14 hours of it, in any doctor's zone).
 */
function keepLapse(e: WaitlistEntry): { expireIn: number } {
  const lapseMs = e.expiresAtMs ?? Date.parse(`${e.date}T00:00:00Z`) + 5 * DAY_MS;
  return { expireIn: Math.max(1000, lapseMs - Date.now()) };
}

const mainKey = (e: WaitlistEntry) => waitlistKey(e.doctorId, e.date, e.createdAtMs, e.id);

export type { WaitlistStore } from "../stores/ports.ts";

export function createKvWaitlistStore(kv: Deno.Kv): WaitlistStore {
  async function byPatient(patientId: string, id: string) {
    const ref = await withKvRetry(() => kv.get<Deno.KvKey>(waitlistByPatientKey(patientId, id)));
    if (!ref.value) return null;
    const entry = await withKvRetry(() => kv.get<WaitlistEntry>(ref.value!));
    return entry.value ? { ref, entry } : null;
  }

  /** The patient's entries for days from `fromDate` on (the date is in each pointer's value). */
  async function liveCount(patientId: string, fromDate: string) {
    let n = 0;
    for await (const e of kv.list<Deno.KvKey>({ prefix: waitlistByPatientPrefix(patientId) })) {
      if (String(e.value[2]) >= fromDate) n++;
    }
    return n;
  }

  return {
    async add(entry, ttlMs, limit) {
      const unique = waitlistUniqueKey(entry.patientId, entry.doctorId, entry.date);
      for (let attempt = 0; attempt < 5; attempt++) {
        const existing = await withKvRetry(() => kv.get<string>(unique));
        if (existing.value) {
          const found = await byPatient(entry.patientId, existing.value);
          if (found) return { entry: found.entry.value!, created: false };
        }
        // Counted before the commit, not in it: joins racing each other can pass the limit by
        // as many as race, never without bound.
        const live = await liveCount(entry.patientId, limit.fromDate);
        if (live >= limit.max) {
          throw new ConflictError(
            "waitlist_limit_reached",
            `You are already waiting on ${live} days; leave one of them first`,
          );
        }
        const options = { expireIn: ttlMs };
        const stored: WaitlistEntry = { ...entry, expiresAtMs: entry.createdAtMs + ttlMs };
        const res = await commit(() =>
          kv.atomic().check(existing)
            .set(unique, entry.id, options)
            .set(mainKey(entry), stored, options)
            .set(waitlistByPatientKey(entry.patientId, entry.id), mainKey(entry), options)
        );
        if (res.ok) return { entry: stored, created: true };
      }
      throw new Error("Could not join the waitlist: it kept changing; try again");
    },

    async listForPatient(patientId) {
      const out: WaitlistEntry[] = [];
      for await (const e of kv.list({ prefix: waitlistByPatientPrefix(patientId) })) {
        const found = await byPatient(patientId, String(e.key[2]));
        if (found) out.push(found.entry.value!);
      }
      return out;
    },

    async remove(patientId, id) {
      const found = await byPatient(patientId, id);
      if (!found) return false;
      const e = found.entry.value!;
      await commit(() =>
        kv.atomic().delete(found.entry.key).delete(found.ref.key)
          .delete(waitlistUniqueKey(e.patientId, e.doctorId, e.date))
      );
      return true;
    },

    async listForDay(doctorId, date) {
      const out: WaitlistEntry[] = [];
      const iter = kv.list<WaitlistEntry>({ prefix: waitlistDayPrefix(doctorId, date) }, {
        limit: 1000,
      });
      for await (const e of iter) out.push(e.value);
      return out;
    },

    async markNotified(entry, atMs) {
      const current = await withKvRetry(() => kv.get<WaitlistEntry>(mainKey(entry)));
      if (!current.value || current.value.notifiedAt) return false;
      const res = await commit(() =>
        kv.atomic().check(current).set(current.key, {
          ...current.value!,
          notifiedAt: new Date(atMs).toISOString(),
        }, keepLapse(current.value!))
      );
      return res.ok;
    },

    async clearNotified(entry) {
      await untilCommitted("clear a waitlist notice mark", async () => {
        const current = await withKvRetry(() => kv.get<WaitlistEntry>(mainKey(entry)));
        if (!current.value?.notifiedAt) return true;
        const res = await commit(() =>
          kv.atomic().check(current).set(
            current.key,
            { ...current.value!, notifiedAt: null },
            keepLapse(current.value!),
          )
        );
        return res.ok ? true : undefined;
      });
    },
  };
}
