/**
 * Appointments in Deno KV, and the double-booking guard: the doctor's index
 * ["appt_by_doctor", doctorId, startMs, id], written in the same atomic commit as the appointment
 * and its outbox entries, is read (the active appointments overlapping the new time) inside the
 * step of every commit that makes time busy, and every writer of the index commits on the
 * doctor's calendar version (calendar.ts): so a doctor's time is taken by exactly one appointment
 * or by none — 1 or 2 checks per commit, plus those of a part another store adds (the consumed
 * hold: its entry and the patient's hold list), however long the visit.
 *
 * Earlier versions also wrote one ["claim", doctorId, cellMs] key per 5-minute cell and read those
 * instead; the index always came with them, so older data reads the same. Such a version sees only
 * the claims, so while one may still run on the same KV (a rolling deploy), `cellMarks` writes and
 * moves them as it did (cell_marks.ts).
 */
import { ConflictError, SlotUnavailableError } from "../../errors.ts";
import type {
  AppointmentQuery,
  AppointmentStore,
  BookedInterval,
  CommitPart,
  Page,
} from "../ports.ts";
import { type AppointmentRecord, isActive } from "../records.ts";
import type { EventEnvelope } from "../../events/event_types.ts";
import { addToOutbox } from "../../events/outbox.ts";
import { decodeCursor, encodeCursor } from "../cursor.ts";
import {
  commitOnCalendar,
  type KnownCalendar,
  overlapping,
  overlappingOrKnown,
} from "./calendar.ts";
import { addClaims, type CellMarkOptions, moveClaims } from "./cell_marks.ts";
import { withKvRetry } from "./kv_commit.ts";
import {
  appointmentKey,
  apptByDoctorKey,
  apptByDoctorPrefix,
  apptByPatientKey,
  apptByPatientPrefix,
} from "./keys.ts";

/**
 * The busy time an `appt_by_doctor` entry stands for (null for an appointment no longer active):
 * what `busy()` lists and what the calendar view applies from this process's own commits.
 */
export function bookedIntervalOf(a: AppointmentRecord): BookedInterval | null {
  return isActive(a.status) ? { startMs: a.startMs, endMs: a.endMs, id: a.id } : null;
}

function setRecord(op: Deno.AtomicOperation, a: AppointmentRecord) {
  op.set(appointmentKey(a.id), a)
    .set(apptByDoctorKey(a.doctorId, a.startMs, a.id), a)
    .set(apptByPatientKey(a.patientId, a.startMs, a.id), a);
}

export function createKvAppointmentStore(
  kv: Deno.Kv,
  { cellMarks = false }: CellMarkOptions = {},
): AppointmentStore {
  async function get(id: string) {
    return (await withKvRetry(() => kv.get<AppointmentRecord>(appointmentKey(id)))).value;
  }

  function busy(doctorId: string, fromMs: number, toMs: number) {
    return overlapping(kv, apptByDoctorPrefix(doctorId), fromMs, toMs, bookedIntervalOf);
  }

  /**
   * Whether an active appointment other than `mine` overlaps `a`'s time: read from the index
   * inside a step on `a`'s doctor's calendar (see the module header), unless the step was handed
   * them as known at its version (`known`, the calendar view).
   */
  async function takenBy(a: AppointmentRecord, mine: ReadonlySet<string>, known?: KnownCalendar) {
    const booked = await overlappingOrKnown(
      known?.booked(a.startMs, a.endMs),
      () => busy(a.doctorId, a.startMs, a.endMs),
    );
    return booked.some((b) => !mine.has(b.id!));
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

  function bookMany(
    list: AppointmentRecord[],
    outbox: EventEnvelope[] = [],
    alongside?: CommitPart,
  ) {
    const doctorId = list[0]?.doctorId;
    if (!doctorId || list.some((a) => a.doctorId !== doctorId)) {
      throw new RangeError("Appointments booked together must all be with one doctor");
    }
    const ids = new Set(list.map((a) => a.id));
    // The records, and what rides along reads, are read with the calendar version (one getMany
    // for a visit).
    const prefetch = [...list.map((a) => appointmentKey(a.id)), ...alongside?.reads ?? []];
    return commitOnCalendar(kv, doctorId, "book", async (_, read, known) => {
      // It only counts if the booking is not stored yet (a retry that finds it stored answers
      // it, whatever became of what rides along).
      const riding = alongside?.(read.slice(list.length));
      riding?.catch(() => {});
      const stored = read.slice(0, list.length) as Deno.KvEntryMaybe<AppointmentRecord>[];
      if (stored.every((e) => e.value)) return { result: stored.map((e) => e.value!) };
      if (stored.some((e) => e.value)) {
        throw new ConflictError("version_conflict", "Part of this booking exists already; reload");
      }
      const [addAlongside, taken] = await Promise.all([
        riding,
        Promise.all(list.filter((a) => isActive(a.status)).map((a) => takenBy(a, ids, known))),
      ]);
      if (taken.some((t) => t)) throw new SlotUnavailableError();
      return {
        result: list,
        // The calendar check alone guards the index and the new ids: every writer of either
        // commits on it, so nothing changed since the reads above if the commit succeeds.
        build: (op) => {
          for (const a of list) setRecord(op, a);
          if (cellMarks) addClaims(op, list);
          addAlongside?.(op);
          return addToOutbox(op, outbox);
        },
      };
    }, prefetch);
  }

  return {
    eventsInRecords: false,
    get,
    bookMany,

    async book(appointment, outbox, alongside) {
      const [booked] = await bookMany([appointment], outbox, alongside);
      return booked;
    },

    transition(prev, next, outbox = [], alongside) {
      // The record, and what rides along reads, are read with the calendar version.
      const prefetch = [appointmentKey(prev.id), ...alongside?.reads ?? []];
      return commitOnCalendar(
        kv,
        next.doctorId,
        "change the appointment",
        async (_, read, known) => {
          const current = read[0] as Deno.KvEntryMaybe<AppointmentRecord>;
          if (!current.value || current.value.version !== prev.version) {
            throw new ConflictError(
              "version_conflict",
              `Appointment ${prev.id} changed since it was read; reload and try again`,
            );
          }
          const stored = current.value;
          // Time it did not take before is checked against the others' (its own old time is fine).
          const takesNewTime = isActive(next.status) && (!isActive(stored.status) ||
            stored.doctorId !== next.doctorId || next.startMs < stored.startMs ||
            next.endMs > stored.endMs);
          const [taken, addAlongside] = await Promise.all([
            takesNewTime ? takenBy(next, new Set([next.id]), known) : false,
            alongside?.(read.slice(1)),
          ]);
          if (taken) throw new SlotUnavailableError();
          return {
            result: next,
            build: (op) => {
              op.check(current);
              if (stored.startMs !== next.startMs) {
                op.delete(apptByDoctorKey(stored.doctorId, stored.startMs, stored.id))
                  .delete(apptByPatientKey(stored.patientId, stored.startMs, stored.id));
              }
              setRecord(op, next);
              if (cellMarks) moveClaims(op, stored, next);
              addAlongside?.(op);
              return addToOutbox(op, outbox);
            },
          };
        },
        prefetch,
      );
    },

    // Commits here are atomic: events never wait inside a record.
    pendingEvents: () => Promise.resolve([]),
    clearPendingEvents: () => Promise.resolve(),

    busy,

    listForDoctor(doctorId, query, limit, cursor) {
      return list(apptByDoctorPrefix(doctorId), query, limit, cursor);
    },

    listForPatient(patientId, query, limit, cursor) {
      return list(apptByPatientPrefix(patientId), query, limit, cursor);
    },
  };
}
