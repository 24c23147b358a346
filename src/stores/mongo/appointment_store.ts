/**
 * Appointments in MongoDB (`appointments` collection) behind the claim guard of claims.ts: `book`
 * claims the cells, then inserts the appointment; `transition` claims the new cells, compare-and-sets
 * the appointment on `version`, then releases the old cells. A booking lists its time in the busy
 * index after its insert, a transition before and after its write. Each step that fails for sure undoes
 * only its own claims; a step that fails ambiguously (network) leaves them for orphan healing, never
 * an appointment without claims. Every list query carries `doctorId` or `patientId`. Busy time is
 * read from busy_index.ts, and the relay finds documents holding events through event_marks.ts. A
 * booking's writer that moved every event it inserted only drops its mark: the events stay in the
 * document, moved (a document without a mark holds no event still to move), and the next change of
 * the appointment leaves them out of what it writes.
 *
 * Reads by id filter on `_id` alone and check the doctor in code, except on a sharded cluster,
 * where `doctorId` (part of the shard key) routes them to one shard: FerretDB looks a document up
 * by index only for a filter that is exactly `{_id: <string>}` and scans the whole collection for
 * anything more (scripts/load/ferretdb_probe.ts, docs/BENCHMARKS.md).
 */
import type { Db, Filter } from "mongodb";
import { ConflictError, SlotUnavailableError } from "../../errors.ts";
import type { Interval } from "../../domain/slots.ts";
import type { AppointmentQuery, AppointmentStore, Page } from "../ports.ts";
import { type AppointmentRecord, cellsOf, isActive } from "../records.ts";
import {
  type BusyIndex,
  createBusyIndex,
  type IndexedState,
  indexedStateOf,
  sameInterval,
} from "./busy_index.ts";
import { keepingBusyWeeks } from "./busy_weeks.ts";
import { createEventMarks } from "./event_marks.ts";
import {
  type ClaimGuard,
  claimId,
  createClaimGuard,
  type HeldClaims,
  OwnClaimsPendingError,
} from "./claims.ts";
import type { Locks } from "./locks.ts";
import { decodeCursor, encodeCursor } from "../cursor.ts";
import { fromDocument, type Stored, toDocument } from "./documents.ts";
import { isDuplicateKey } from "./driver_errors.ts";
import { groupedInsert } from "./grouped.ts";
import type { EventEnvelope } from "../../events/event_types.ts";

/** `pendingEvents`: the outbox of the changes made to this document, until the relay moves it. */
export type AppointmentDocument = Stored<AppointmentRecord> & { pendingEvents?: EventEnvelope[] };

function toStored(a: AppointmentRecord, pendingEvents: EventEnvelope[]): AppointmentDocument {
  return { ...toDocument(a), pendingEvents };
}

function claimedCells(a: AppointmentRecord): number[] {
  return isActive(a.status) ? cellsOf(a.startMs, a.endMs) : [];
}

/** The intervals a write from `before` to `after` adds or drops in the busy index. */
function touchedBy(...states: IndexedState[]): Interval[] {
  const out: Interval[] = [];
  for (const { active } of states) {
    if (active && !out.some((i) => sameInterval(i, active))) {
      out.push(active);
    }
  }
  return out;
}

/** A mark this process set (see `ownMarks`). */
interface OwnMark {
  token: string;
  eventIds: string[];
  /** This call inserted the document, with exactly `eventIds` as its events. */
  inserted: boolean;
  /** A mark was there before: the document's events may not all have moved. */
  replaced: boolean;
}

/** How long the relay leaves a change's events to the writer that marked them (default). */
const WRITER_WINDOW_MS = 2_000;

function versionConflict(id: string): ConflictError {
  return new ConflictError(
    "version_conflict",
    `Appointment ${id} changed since it was read; reload and try again`,
  );
}

export interface MongoAppointmentStoreOptions {
  claimGraceMs: number;
  /** A sharded cluster: reads by id carry `doctorId` so they reach one shard. */
  sharded: boolean;
  locks: Locks;
  /** How long the relay leaves a change's events to the writer that marked them (2 s). */
  writerWindowMs?: number;
  /** Also keep `busy_weeks` for the release before (busy_weeks.ts). */
  busyWeeks?: boolean;
}

/** The store, and a wait for the clears its callers did not wait for (before closing the client). */
export type MongoAppointmentStore = AppointmentStore & { drained(): Promise<void> };

export function createMongoAppointmentStore(
  db: Db,
  options: MongoAppointmentStoreOptions,
): MongoAppointmentStore {
  const appointments = db.collection<AppointmentDocument>("appointments");
  const insert = groupedInsert(appointments);
  const writerWindowMs = options.writerWindowMs ?? WRITER_WINDOW_MS;
  const guard: ClaimGuard = createClaimGuard(db, options.claimGraceMs);
  const marks = createEventMarks(db);
  /**
   * The last mark this process set per appointment and the events written under it, so clearing
   * those events drops the mark at once rather than on the relay's next listing. `inserted`: this
   * call's insert stored the document with exactly these events. Another write marks again first:
   * a new token in the database, or here an entry whose events the clear did not carry.
   */
  const ownMarks = new Map<string, OwnMark>();

  /**
   * Marks the appointment for `events`; says whether a mark was there (events may wait). `fresh`:
   * a booking's, whose mark is most likely new (`markNew`).
   */
  async function mark(id: string, events: EventEnvelope[], fresh = false): Promise<OwnMark> {
    const { token, replaced } = await (fresh ? marks.markNew(id) : marks.mark(id));
    const own = { token, eventIds: events.map((e) => e.event.id), inserted: false, replaced };
    ownMarks.delete(id);
    // Only the latest few are kept: a write that failed before clearing leaves its mark to the relay.
    if (ownMarks.size >= 10_000) ownMarks.delete(ownMarks.keys().next().value!);
    ownMarks.set(id, own);
    return own;
  }
  const indexOptions = { graceMs: options.claimGraceMs };
  const entries = createBusyIndex(db, options.locks, indexOptions);
  const index: BusyIndex = options.busyWeeks
    ? keepingBusyWeeks(entries, db, options.locks, indexOptions)
    : entries;

  /** Marks the write's intervals pending, or gives its claims back and fails. */
  async function beginOrRollback(
    held: HeldClaims[],
    a: AppointmentRecord,
    touched: Interval[],
  ): Promise<void> {
    try {
      await index.begin(a.doctorId, a.id, a.version, touched);
    } catch (err) {
      for (const h of held) await guard.rollback(h).catch(() => {});
      throw err;
    }
  }

  /** Lost to an error, a settle leaves pending entries that busy() settles after the grace. */
  function settle(a: AppointmentRecord, touched: Interval[]): Promise<void> {
    return index.settle(a.doctorId, a.id, touched, indexedStateOf(a)).catch(() => {});
  }

  /** The appointment's document, or null if there is none or it is another doctor's. */
  async function findDocument(id: string, doctorId?: string, withEvents = false) {
    const filter: Filter<AppointmentDocument> = options.sharded && doctorId
      ? { _id: id, doctorId }
      : { _id: id };
    const doc = await appointments.findOne(
      filter,
      withEvents ? {} : { projection: { pendingEvents: 0 } },
    );
    return doc && (doctorId === undefined || doc.doctorId === doctorId) ? doc : null;
  }

  async function find(id: string, doctorId?: string) {
    const doc = await findDocument(id, doctorId);
    return doc ? fromDocument<AppointmentRecord>(doc) : null;
  }

  async function list(
    owner: { doctorId: string } | { patientId: string },
    query: AppointmentQuery,
    limit: number,
    cursor?: string,
  ): Promise<Page<AppointmentRecord>> {
    const and: Filter<AppointmentDocument>[] = [owner];
    const range: { $gte?: number; $lt?: number } = {};
    if (query.fromMs !== undefined) range.$gte = query.fromMs;
    if (query.toMs !== undefined) range.$lt = query.toMs;
    if (Object.keys(range).length > 0) and.push({ startMs: range });
    if (query.status) and.push({ status: query.status });
    if (cursor) {
      const [startMs, id] = decodeCursor(cursor, ["number", "string"]);
      and.push({ $or: [{ startMs: { $gt: startMs } }, { startMs, _id: { $gt: id } }] });
    }
    const docs = await appointments.find({ $and: and }, { projection: { pendingEvents: 0 } })
      .sort({ startMs: 1, _id: 1 })
      .limit(limit + 1)
      .toArray();
    const items = docs.slice(0, limit).map((d) => fromDocument<AppointmentRecord>(d));
    const last = items.at(-1);
    return {
      items,
      nextCursor: docs.length > limit && last ? encodeCursor([last.startMs, last.id]) : null,
    };
  }

  const store: AppointmentStore = {
    eventsInRecords: true,

    get(id) {
      return find(id);
    },

    async bookMany(list, outbox = []) {
      const doctorId = list[0]?.doctorId;
      if (!doctorId || list.some((a) => a.doctorId !== doctorId)) {
        throw new RangeError("Appointments booked together must all be with one doctor");
      }
      const stored = await Promise.all(list.map((a) => find(a.id, doctorId)));
      const todo = list.filter((_, i) => !stored[i]);
      // Every session's cells first, all or nothing; only then are the documents written.
      const held = [];
      try {
        for (const a of todo) held.push(await guard.claim(doctorId, a.id, claimedCells(a)));
        for (const h of held) await guard.assertLeaseHeld(h);
      } catch (err) {
        for (const h of held) await guard.rollback(h).catch(() => {});
        throw err;
      }
      const touched = todo.map((a) => touchedBy(indexedStateOf(a)));
      for (const [i, a] of todo.entries()) await beginOrRollback(held, a, touched[i]);
      const first = todo[0]?.id;
      for (const a of todo) {
        const own = outbox.filter((e) =>
          e.event.data.appointmentId === a.id || (!e.event.data.appointmentId && a.id === first)
        );
        try {
          const marked = own.length > 0 ? await mark(a.id, own, true) : undefined;
          await appointments.insertOne(toStored(a, own));
          if (marked) marked.inserted = true;
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
        }
      }
      for (const [i, a] of todo.entries()) await settle(a, touched[i]);
      return list.map((a, i) => stored[i] ?? a);
    },

    async pendingEvents(limit) {
      const found = await Promise.all((await marks.list(limit)).map(async (mark) => {
        const markAgeMs = Date.now() - (mark.markedAtMs ?? 0);
        // A young mark's writer is most likely still at work, and moves its events itself: left
        // to it, or to a later pass (a relay that moved them too sent each twice, and rewrote the
        // document: ~a quarter of the bookings under load, docs/BENCHMARKS.md, issue 15).
        if (markAgeMs < writerWindowMs) return null;
        const doc = await appointments.findOne({ _id: mark._id });
        if (doc?.pendingEvents?.length) {
          // Events still in the document may be a writer's that died after its insert, before its
          // busy entry: the relay records it, so the booking is listed even if nobody retries it.
          const interval = { startMs: doc.startMs, endMs: doc.endMs };
          if (isActive(doc.status) && !(await index.listed(doc.doctorId, doc._id, interval))) {
            // Not recorded (lock or network): the events wait for a later pass, the mark stays.
            const recorded = await index.record(doc.doctorId, doc._id, interval, doc.version).then(
              () => true,
              () => false,
            );
            if (!recorded) return null;
          }
          return { appointmentId: mark._id, envelopes: doc.pendingEvents };
        }
        // No events (or no document) yet may be a writer's between its mark and its write: it
        // marks first and writes within its claims' writer lease, half the grace, or gives up.
        // Dropping its mark then would leave the events it writes unmarked, and the relay blind
        // to them should the writer die before moving them itself. Only an older mark is spent.
        if (markAgeMs < options.claimGraceMs / 2) return null;
        await marks.drop(mark);
        return null;
      }));
      return found.filter((f) => f !== null);
    },

    async clearPendingEvents(appointmentId, relayed) {
      if (relayed.length === 0) return;
      const own = ownMarks.get(appointmentId);
      const cleared = new Set(relayed.map((e) => e.event.id));
      const ownMoved = own !== undefined && own.eventIds.every((id) => cleared.has(id));
      if (own?.inserted && ownMoved) {
        // This call's insert stored exactly these events, and all have moved: dropping the mark
        // says so (event_marks.ts), and the document is not rewritten.
        ownMarks.delete(appointmentId);
        if (await marks.drop({ _id: appointmentId, token: own.token })) return;
        // Marked again meanwhile: a change is writing events; these are taken out below so that
        // it does not move them again.
      }
      // Removed by value, as the writer stored them or the relay read them, with no read first:
      // events a transition appends meanwhile stay, and the filter stays `{_id}` (FerretDB has no
      // $pull by a nested field, and scans for more).
      const after = await appointments.findOneAndUpdate(
        { _id: appointmentId },
        { $pullAll: { pendingEvents: relayed } },
        // No projection: FerretDB 1.24 has none for findAndModify.
        { returnDocument: "after" },
      );
      if (!own || !ownMoved || !after || (after.pendingEvents?.length ?? 0) > 0) return;
      if (ownMarks.get(appointmentId) !== own) return;
      ownMarks.delete(appointmentId);
      await marks.drop({ _id: appointmentId, token: own.token });
    },

    async book(appointment, outbox = []) {
      const interval = isActive(appointment.status)
        ? { startMs: appointment.startMs, endMs: appointment.endMs }
        : null;
      /** A booking stored by an earlier call: its entry may be missing if that call crashed. */
      const already = async (stored: AppointmentRecord) => {
        if (interval) {
          await index.record(stored.doctorId, stored.id, interval, stored.version, true);
        }
        return stored;
      };
      // The mark goes alongside the claims (it must precede the insert); a mark without a document
      // is dropped by the relay's next listing. Settled to its error, so it never goes unhandled.
      const marking = outbox.length > 0
        ? mark(appointment.id, outbox, true).then((own) => ({ own }), (err: unknown) => ({ err }))
        : Promise.resolve({});
      let held;
      try {
        held = await guard.claim(appointment.doctorId, appointment.id, claimedCells(appointment));
      } catch (err) {
        await marking;
        // A retry of this very booking finds the cells claimed by itself (or by a concurrent
        // retry): the claims decide, so no read ahead of them.
        if (err instanceof SlotUnavailableError || err instanceof OwnClaimsPendingError) {
          const stored = await find(appointment.id, appointment.doctorId);
          if (stored) return await already(stored);
        }
        throw err;
      }
      await guard.assertLeaseHeld(held);
      const marked: { own?: OwnMark; err?: unknown } = await marking;
      if ("err" in marked) {
        await guard.rollback(held).catch(() => {});
        throw marked.err;
      }
      try {
        await insert(toStored(appointment, outbox));
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        // Stored before, then its cells released (cancelled): these claims are not its.
        await guard.rollback(held);
        const stored = await find(appointment.id);
        if (!stored) throw err;
        return await already(stored);
      }
      if (marked.own) marked.own.inserted = true;
      // Lost to an error, the booking fails unanswered and its retry records the entry (above);
      // meanwhile its claims keep the time from any other booking.
      if (interval) {
        await index.record(appointment.doctorId, appointment.id, interval, appointment.version);
      }
      return appointment;
    },

    async transition(prev, next, outbox = []) {
      if (next.id !== prev.id || next.version !== prev.version + 1) {
        throw new RangeError(
          `Cannot move appointment ${prev.id} v${prev.version} to ${next.id} v${next.version}`,
        );
      }
      const doc = await findDocument(prev.id, prev.doctorId, true);
      const stored = doc ? fromDocument<AppointmentRecord>(doc) : null;
      if (!stored || stored.version !== prev.version) throw versionConflict(prev.id);
      delete (stored as Partial<AppointmentDocument>).pendingEvents;
      const earlier = doc?.pendingEvents ?? [];
      const before = claimedCells(stored);
      const after = claimedCells(next);
      const kept = new Set(before.map((c) => claimId(stored.doctorId, c)));
      const fresh = after.filter((c) => !kept.has(claimId(next.doctorId, c)));
      const wanted = new Set(after.map((c) => claimId(next.doctorId, c)));
      const stale = before.filter((c) => !wanted.has(claimId(stored.doctorId, c)));

      const held = await guard.claim(next.doctorId, next.id, fresh);
      await guard.assertLeaseHeld(held);
      const touched = touchedBy(indexedStateOf(stored), indexedStateOf(next));
      await beginOrRollback([held], next, touched);
      // The document's events stay only while a mark says some may not have moved (event_marks.ts):
      // a writer or relay clearing them meanwhile makes them go out again, which the handlers'
      // idempotency records absorb.
      const marked = earlier.length + outbox.length > 0 ? await mark(next.id, outbox) : undefined;
      const pending = marked?.replaced ? [...earlier, ...outbox] : outbox;
      const res = await appointments.replaceOne(
        { _id: prev.id, doctorId: prev.doctorId, version: prev.version },
        toStored(next, pending),
      );
      if (res.matchedCount === 0) {
        await guard.rollback(held);
        // Another write won: the entries begun above are left as the appointment now stands, so
        // the time this move meant to take is not busy for the grace (after an error, they are).
        const now = await findDocument(prev.id, prev.doctorId);
        if (now) await settle(fromDocument<AppointmentRecord>(now), touched);
        throw versionConflict(prev.id);
      }
      // The move is done; a release lost to a network error leaves claims that healing removes.
      await guard.release(stored.doctorId, stored.id, stale).catch(() => {});
      await settle(next, touched);
      return next;
    },

    busy(doctorId, fromMs, toMs) {
      return index.busy(doctorId, fromMs, toMs);
    },

    listForDoctor(doctorId, query, limit, cursor) {
      return list({ doctorId }, query, limit, cursor);
    },

    listForPatient(patientId, query, limit, cursor) {
      return list({ patientId }, query, limit, cursor);
    },
  };

  // A booking's writer answers without waiting for its clear (its mark's drop waits to be grouped:
  // event_marks.ts); those still running are kept so that closing waits for them.
  const clearing = new Set<Promise<void>>();
  const clear = store.clearPendingEvents;
  return {
    ...store,
    clearPendingEvents(appointmentId, relayed) {
      const running = clear(appointmentId, relayed);
      clearing.add(running);
      const done = () => clearing.delete(running);
      running.then(done, done);
      return running;
    },
    async drained() {
      while (clearing.size > 0) await Promise.allSettled([...clearing]);
    },
  };
}
