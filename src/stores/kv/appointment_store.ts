/**
 * Appointments in Deno KV, and the double-booking guard: one ["claim", doctorId, cellMs] key per
 * 5-minute cell an active appointment covers, written in the same atomic commit as the
 * appointment, so a doctor's time is claimed by exactly one appointment or by none.
 */
import { ConflictError, SlotUnavailableError } from "../../errors.ts";
import type { Interval } from "../../domain/slots.ts";
import type { AppointmentQuery, AppointmentStore, Page } from "../ports.ts";
import { type AppointmentRecord, cellsOf, isActive, MAX_CLAIM_MS } from "../records.ts";
import { decodeCursor, encodeCursor } from "../cursor.ts";
import { commit, getManyChunked, withKvRetry } from "./kv_commit.ts";
import {
  appointmentKey,
  apptByDoctorKey,
  apptByDoctorPrefix,
  apptByPatientKey,
  apptByPatientPrefix,
  claimKey,
} from "./keys.ts";

function claimedCells(a: AppointmentRecord): number[] {
  return isActive(a.status) ? cellsOf(a.startMs, a.endMs) : [];
}

function setRecord(op: Deno.AtomicOperation, a: AppointmentRecord) {
  op.set(appointmentKey(a.id), a)
    .set(apptByDoctorKey(a.doctorId, a.startMs, a.id), a)
    .set(apptByPatientKey(a.patientId, a.startMs, a.id), a);
}

export function createKvAppointmentStore(kv: Deno.Kv): AppointmentStore {
  async function get(id: string) {
    return (await withKvRetry(() => kv.get<AppointmentRecord>(appointmentKey(id)))).value;
  }

  async function list(
    prefix: Deno.KvKey,
    query: AppointmentQuery,
    limit: number,
    cursor?: string,
  ): Promise<Page<AppointmentRecord>> {
    const after = cursor ? decodeCursor(cursor, ["number", "string"]) : null;
    const fromMs = query.fromMs ?? Number.MIN_SAFE_INTEGER;
    const toMs = query.toMs ?? Number.MAX_SAFE_INTEGER;
    // A cursor inside the range resumes after its item; one before `from` (another query's) does
    // not widen the range. Nothing lies at or past `to`: an empty page, not a reversed range.
    const resume = after !== null && after[0] >= fromMs;
    if ((resume ? after[0] : fromMs) >= toMs) return { items: [], nextCursor: null };
    const start: Deno.KvKey = resume
      ? [...prefix, after[0], after[1] + "\u0000"]
      : [...prefix, fromMs];
    const end: Deno.KvKey = [...prefix, toMs];
    const items: AppointmentRecord[] = [];
    let hasMore = false;
    for await (const e of kv.list<AppointmentRecord>({ start, end }, { batchSize: limit + 1 })) {
      if (query.status && e.value.status !== query.status) continue;
      if (items.length === limit) {
        hasMore = true;
        break;
      }
      items.push(e.value);
    }
    const last = items.at(-1);
    return { items, nextCursor: hasMore && last ? encodeCursor([last.startMs, last.id]) : null };
  }

  return {
    get,

    async book(appointment) {
      const cells = claimedCells(appointment);
      for (let attempt = 0; attempt < 3; attempt++) {
        const res = await commit(() => {
          const op = kv.atomic().check({ key: appointmentKey(appointment.id), versionstamp: null });
          for (const cell of cells) {
            op.check({ key: claimKey(appointment.doctorId, cell), versionstamp: null })
              .set(claimKey(appointment.doctorId, cell), appointment.id);
          }
          setRecord(op, appointment);
          return op;
        });
        if (res.ok) return appointment;
        const existing = await get(appointment.id);
        if (existing) return existing;
        const claims = await getManyChunked<string>(
          kv,
          cells.map((c) => claimKey(appointment.doctorId, c)),
        );
        if (claims.some((e) => e.value !== null && e.value !== appointment.id)) {
          throw new SlotUnavailableError();
        }
      }
      throw new SlotUnavailableError("The slot is contended; try again");
    },

    async transition(prev, next) {
      const current = await withKvRetry(() => kv.get<AppointmentRecord>(appointmentKey(prev.id)));
      if (!current.value || current.value.version !== prev.version) {
        throw new ConflictError(
          "version_conflict",
          `Appointment ${prev.id} changed since it was read; reload and try again`,
        );
      }
      const stored = current.value;
      const before = new Set(claimedCells(stored));
      const after = new Set(claimedCells(next));
      const res = await commit(() => {
        const op = kv.atomic().check(current);
        for (const cell of after) {
          if (!before.has(cell)) {
            op.check({ key: claimKey(next.doctorId, cell), versionstamp: null })
              .set(claimKey(next.doctorId, cell), next.id);
          }
        }
        for (const cell of before) {
          if (!after.has(cell)) op.delete(claimKey(stored.doctorId, cell));
        }
        if (stored.startMs !== next.startMs) {
          op.delete(apptByDoctorKey(stored.doctorId, stored.startMs, stored.id))
            .delete(apptByPatientKey(stored.patientId, stored.startMs, stored.id));
        }
        setRecord(op, next);
        return op;
      });
      if (res.ok) return next;
      const again = await get(prev.id);
      if (!again || again.version !== prev.version) {
        throw new ConflictError("version_conflict", `Appointment ${prev.id} changed; try again`);
      }
      throw new SlotUnavailableError();
    },

    async busy(doctorId, fromMs, toMs) {
      const out: Interval[] = [];
      const prefix = apptByDoctorPrefix(doctorId);
      const iter = kv.list<AppointmentRecord>({
        start: [...prefix, fromMs - MAX_CLAIM_MS],
        end: [...prefix, toMs],
      });
      for await (const e of iter) {
        const a = e.value;
        if (isActive(a.status) && a.startMs < toMs && a.endMs > fromMs) {
          out.push({ startMs: a.startMs, endMs: a.endMs });
        }
      }
      return out;
    },

    listForDoctor(doctorId, query, limit, cursor) {
      return list(apptByDoctorPrefix(doctorId), query, limit, cursor);
    },

    listForPatient(patientId, query, limit, cursor) {
      return list(apptByPatientPrefix(patientId), query, limit, cursor);
    },
  };
}
