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
import type { Db } from "mongodb";
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
  list(limit: number): Promise<EventMarkDocument[]>;
  /**
   * Deletes the mark if its token is still `token` (no write marked it since it was listed);
   * false if it did not.
   */
  drop(mark: EventMarkDocument): Promise<boolean>;
}

export function createEventMarks(db: Db): EventMarks {
  const marks = db.collection<EventMarkDocument>("event_marks");
  return {
    async mark(appointmentId, byWriter = true) {
      const token = crypto.randomUUID();
      const res = await marks.replaceOne(
        { _id: appointmentId },
        byWriter ? { token, markedAtMs: Date.now() } : { token },
        { upsert: true },
      );
      return { token, replaced: res.matchedCount > 0 };
    },
    list(limit) {
      return marks.find({}).limit(limit).toArray();
    },
    async drop(mark) {
      return (await marks.deleteOne({ _id: mark._id, token: mark.token })).deletedCount > 0;
    },
  };
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
