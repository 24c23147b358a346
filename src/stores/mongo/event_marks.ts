/**
 * Which appointments carry events the relay has not moved yet, found without scanning the
 * appointments (a query on `pendingEvents` reads every document on FerretDB, and the relay asks
 * after every commit). Collection `event_marks`: `{_id: appointmentId, token}`, one per appointment
 * whose document may hold pending events. A writer sets a fresh token before writing events into
 * the document; the relay lists the marks (only pending ones exist, so that scan stays small), reads
 * each appointment by `_id`, and deletes a mark only if the document has no events left and the
 * token is still the one it read, so a mark a writer set meanwhile survives, and only once the mark
 * is older than a writer's lease (a writer marks before it writes: a listing between the two finds
 * no events yet).
 *
 * The rule every reader keeps: **the events of a document without a mark have all been moved.** A
 * booking's writer that moved every event it inserted drops its mark and leaves the events in the
 * document (taking them out is a rewrite of the document, the dearest command of a booking on
 * FerretDB: docs/BENCHMARKS.md, issue 15); a change that finds no mark when it marks leaves them out
 * of what it writes (appointment_store.ts).
 */
import type { Collection, Db } from "mongodb";
import { findByIds } from "./documents.ts";
import { grouped } from "../grouped.ts";
import { groupedInsert, groupedUpsertById } from "./grouped.ts";
import { isDuplicateKey } from "./driver_errors.ts";
import type { EventEnvelope } from "../../events/event_types.ts";

export interface EventMarkDocument {
  _id: string;
  token: string;
  /** When the writer set it (its clock); absent on marks from migrate. */
  markedAtMs?: number;
}

/** A mark just set: its token, and whether it replaced one (some events may not have moved yet). */
export interface SetMark {
  token: string;
  replaced: boolean;
}

export interface EventMarks {
  /**
   * Call before writing events into the appointment's document. `byWriter: false` (migrate)
   * stores no `markedAtMs`: no writer is at work on it.
   */
  mark(appointmentId: string, byWriter?: boolean): Promise<SetMark>;
  /**
   * `mark` for an appointment about to be inserted: the mark is inserted (grouped, an upsert of a
   * new mark costs the rig's FerretDB over twice an insert's CPU: docs/BENCHMARKS.md, issue 15),
   * and only when one is there already (a retry of the same booking) replaced as `mark` does.
   */
  markNew(appointmentId: string): Promise<SetMark>;
  list(limit: number): Promise<EventMarkDocument[]>;
  /**
   * Deletes the mark if its token is still `token` (no write marked it since it was listed);
   * false if it did not.
   */
  drop(mark: EventMarkDocument): Promise<boolean>;
}

export function createEventMarks(db: Db): EventMarks {
  const marks = db.collection<EventMarkDocument>("event_marks");
  const upsert = groupedUpsertById(marks);
  const insert = groupedInsert(marks);
  async function mark(appointmentId: string, byWriter = true): Promise<SetMark> {
    const token = crypto.randomUUID();
    const replacement = byWriter ? { token, markedAtMs: Date.now() } : { token };
    const { replaced } = await upsert({ _id: appointmentId, replacement });
    return { token, replaced };
  }
  return {
    mark,
    async markNew(appointmentId) {
      const token = crypto.randomUUID();
      try {
        await insert({ _id: appointmentId, token, markedAtMs: Date.now() });
        return { token, replaced: false };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        return await mark(appointmentId);
      }
    },
    list(limit) {
      return marks.find({}).limit(limit).toArray();
    },
    drop: groupedDrop(marks),
  };
}

/**
 * How long a drop waits for others when none is in flight. A booking's writer drops its mark after
 * answering (appointment_writer.ts), so the wait delays no answer; under load ~150–280 bookings/s
 * then share each `deleteMany` ten at a time instead of ~three.
 */
export const DROP_GATHER_MS = 50;

/**
 * Drops grouped into one `deleteMany` of the marks whose `_id` and token both match: a token is
 * set once, under one `_id`, so `{_id: {$in}, token: {$in}}` matches exactly the marks as listed.
 * Should fewer go than asked (rare: a change marked one again meanwhile), each caller whose mark
 * is still there, under another token, is answered false; one whose mark is gone, true (gone means
 * unmarked, whoever deleted it, which is what a true answer tells its caller).
 */
function groupedDrop(marks: Collection<EventMarkDocument>): EventMarks["drop"] {
  const drop = grouped(
    async (listed: EventMarkDocument[]) => {
      const filter = listed.length === 1
        ? { _id: listed[0]._id, token: listed[0].token }
        : { _id: { $in: listed.map((m) => m._id) }, token: { $in: listed.map((m) => m.token) } };
      const { deletedCount } = await marks.deleteMany(filter);
      if (deletedCount === listed.length) return listed.map(() => ({ ok: true, value: true }));
      if (listed.length === 1) return [{ ok: true, value: false }];
      const left = await findByIds(marks, listed.map((m) => m._id));
      return listed.map((m) => ({ ok: true, value: !left.has(m._id) }));
    },
    undefined,
    DROP_GATHER_MS,
  );
  return (mark) => drop({ _id: mark._id, token: mark.token });
}

/**
 * Marks the appointments that hold events already; run when migrate.ts creates the collection, in
 * a database from before marks, whose documents held only events still to move (since marks exist,
 * a document may also hold moved ones: see the header).
 */
export async function backfillEventMarks(db: Db): Promise<number> {
  const marks = createEventMarks(db);
  let count = 0;
  const pending = db.collection<{ _id: string; pendingEvents?: EventEnvelope[] }>("appointments")
    .find({ "pendingEvents.0": { $exists: true } }, { projection: { _id: 1 } });
  for await (const a of pending) {
    await marks.mark(a._id, false);
    count++;
  }
  return count;
}
