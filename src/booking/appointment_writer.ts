/**
 * The one module that persists an appointment change. It takes what the state machine
 * (src/domain/appointment_machine.ts) decided — the next record and the events it causes — and
 * hands both to the records store in one write: on Deno KV one atomic commit with the record and
 * its indexes, the outbox entries (audit entry, public events, reminders), the doctor's calendar version and the
 * removal of the hold the change used up (with its expiry check, now moot); on MongoDB the events
 * ride inside the appointment document and are moved to the KV outbox right after (and by the
 * relay, should this process die first), and the doctor's KV calendar version is bumped (or the
 * hold dropped, which bumps it) before answering. Then it runs the patient's notice and the audit
 * append inline from their outbox entries (once: the dispatcher's handled record; the write
 * stores these entries due one lease time later, in the KV commit or in the MongoDB document and
 * the outbox after it, so no relay claims them meanwhile), and wakes the relay for the rest.
 * Nothing else writes appointments.
 */
import type { AppointmentChange } from "../domain/appointment_machine.ts";
import type { Dispatcher } from "../events/dispatcher.ts";
import { ConflictError } from "../errors.ts";
import { envelopesOf, type EventEnvelope } from "../events/event_types.ts";
import { writeToOutbox } from "../events/outbox.ts";
import type { Logger } from "../observability/logger.ts";
import { errorFields } from "../observability/logger.ts";
import type {
  CalendarAnnouncement,
  CommitPart,
  HoldRecord,
  HoldStore,
  RecordStores,
} from "../stores/ports.ts";
import type { AppointmentRecord } from "../stores/records.ts";
import { bumpCalendar, calendarVersionOf } from "../stores/kv/calendar.ts";
import { bookedIntervalOf } from "../stores/kv/appointment_store.ts";
import {
  FANOUT_HANDLER,
  type FanoutPart,
  type WebhookPresence,
} from "../webhooks/webhook_presence.ts";

/**
 * Handlers run before the API answers, from the change's own outbox entries: the patient's notice
 * (it must not arrive after a later one-time code), the audit entry (so the trail's order follows
 * the order of requests) and the webhook fan-out (a read of the endpoints and, per subscribed
 * endpoint, an outbox entry: run inline, where on the relay it cost a pass of its own per
 * change). Should they fail or be slow, the relay finishes them.
 */
const INLINE_HANDLERS: ReadonlySet<string> = new Set([
  "patient.notice",
  "audit.append",
  "webhooks.fanout",
]);

export interface WriterDeps {
  kv: Deno.Kv;
  records: RecordStores;
  holds: HoldStore;
  log: Logger;
  now: () => number;
  /** Delivers the patient's notice inline; absent in builds without events. */
  dispatcher?: Dispatcher;
  /**
   * Whether a webhook endpoint exists: a change's fan-out entries are left out of the outbox
   * while none does (on MongoDB records, out of the commit that moves its events there). Absent:
   * always written.
   */
  webhookPresence?: WebhookPresence;
  /** How long a request waits for its inline notice; 0 leaves it to the relay. */
  inlineBudgetMs: number;
  /** Asks the outbox relay for a pass now. */
  wake?: () => void;
  /** Test-only crash points: `<step>.after_commit`, between the store write and delivery. */
  crashPoint?: (name: string) => void;
}

export interface WriteOptions {
  /** The kind of change, naming its crash point (`confirm`, `cancel`, `course_confirm`, ...). */
  step: string;
  /**
   * The hold the change used up (confirm, reschedule): removed in the change's own commit where
   * the records are in KV (`write`), else right after it is stored.
   */
  consumes?: HoldRecord | HoldRecord[];
  /** With `consumes`: refuse (422) a hold with this many code checks counted (confirm). */
  maxAttempts?: number;
  /** Send the patient's notice before returning (default true). */
  inline?: boolean;
}

/**
 * Both parts (either may be absent) in one commit: `first`'s mutations before `then`'s; their
 * reads, `first`'s then `then`'s, are handed on to each.
 */
function bothParts(first: CommitPart | undefined, then: CommitPart): CommitPart {
  const split = first?.reads?.length ?? 0;
  const reads = [...first?.reads ?? [], ...then.reads ?? []];
  return Object.assign(async (read?: readonly Deno.KvEntryMaybe<unknown>[]) => {
    const [a, b] = await Promise.all([first?.(read?.slice(0, split)), then(read?.slice(split))]);
    return (op: Deno.AtomicOperation) => b(a ? a(op) : op);
  }, { reads });
}

/** The envelopes but the webhook fan-out's. */
function withoutFanout(envelopes: EventEnvelope[]): EventEnvelope[] {
  return envelopes.filter((e) => e.handler !== FANOUT_HANDLER);
}

export function createAppointmentWriter(deps: WriterDeps) {
  const { kv, records, holds, log } = deps;
  /** Inline deliveries still running after their request answered (past the budget). */
  const sending = new Set<Promise<unknown>>();

  /**
   * The entries delivered before answering: those of the inline handlers that are due at `nowMs`
   * (without the patient's notice where the write asks for none).
   */
  function inlineOf(envelopes: EventEnvelope[], options: WriteOptions, nowMs: number) {
    if (!deps.dispatcher || deps.inlineBudgetMs <= 0) return [];
    return envelopes.filter((e) =>
      INLINE_HANDLERS.has(e.handler) && e.notBeforeMs <= nowMs &&
      (options.inline !== false || e.handler !== "patient.notice")
    );
  }

  /**
   * Runs the inline entries, within the budget: `leased` when the change's own commit held them
   * back for this request, else one commit claims them all. A failed or slow one stays for the relay.
   */
  async function deliverInline(inline: EventEnvelope[], leased: boolean) {
    const dispatcher = deps.dispatcher;
    if (!dispatcher || inline.length === 0) return;
    const all = dispatcher.deliverAll(inline, leased ? { leased } : { fresh: true }).catch((err) =>
      log.warn("inline notice not delivered; the relay will", errorFields(err))
    );
    sending.add(all);
    all.finally(() => sending.delete(all));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const budget = new Promise<void>((r) => timer = setTimeout(r, deps.inlineBudgetMs));
    await Promise.race([all, budget]);
    clearTimeout(timer);
  }

  /**
   * The consumed hold's removal as a part of the booking commit, where the records are KV:
   * its cells, index and records, and its expiry check's outbox entry.
   */
  function consumedInCommit(options: WriteOptions): CommitPart | undefined {
    const hold = options.consumes;
    if (!hold || records.appointments.eventsInRecords) return undefined;
    return holds.consumption(hold, { now: deps.now, maxAttempts: options.maxAttempts });
  }

  /**
   * After the store write: announce it on the doctor's calendar (MongoDB), move record-held
   * events, drop the hold, notify, wake the relay.
   */
  async function settle(
    saved: AppointmentRecord[],
    envelopes: EventEnvelope[],
    options: WriteOptions,
    { bookedSince, leased, fanout }: {
      /** New bookings stored outside KV: the calendar version read before they were stored. */
      bookedSince?: string | null;
      /** The inline entries the change's commit held back for this request. */
      leased?: EventEnvelope[];
      /** MongoDB records: the fan-out entries go into the outbox through this part. */
      fanout?: FanoutPart;
    } = {},
  ) {
    deps.crashPoint?.(`${options.step}.after_commit`);
    const ids = saved.map((a) => a.id);
    // New bookings just stored are announced as such, with the calendar version read before they
    // were stored, so this process's calendar view adds them instead of reading the doctor's busy
    // time again if nothing came between; any other change makes it reload.
    const announces = (doctorId: string): CalendarAnnouncement =>
      bookedSince !== undefined
        ? {
          booked: {
            intervals: saved.filter((a) => a.doctorId === doctorId).map(bookedIntervalOf)
              .filter((b) => b !== null),
            since: bookedSince,
          },
        }
        : {};
    // KV records bump the calendar in the change's own commit. On MongoDB the bump follows the
    // write, before the answer, so no listing on any instance offers a booked slot or hides a
    // freed one once this answered; dropping a consumed hold bumps it too, so then it is skipped.
    if (records.appointments.eventsInRecords && !options.consumes) {
      for (const doctorId of new Set(saved.map((a) => a.doctorId))) {
        await bumpCalendar(kv, doctorId, announces(doctorId));
      }
    }
    const used = options.consumes;
    const dropHold = (outbox: EventEnvelope[], part?: CommitPart) =>
      used && holds.remove(used, {
        outbox,
        announces: announces(saved[0]!.doctorId),
        alongside: part,
      });
    let holdDropped = false;
    let inOutbox = !records.appointments.eventsInRecords;
    const kept = (err: unknown) =>
      log.warn("events stay in the record until the relay moves them", errorFields(err));
    if (records.appointments.eventsInRecords && envelopes.length > 0) {
      try {
        // Dropping a consumed hold is a KV commit anyway: the events ride in it.
        const moved = fanout ? withoutFanout(envelopes) : envelopes;
        if (used) {
          await dropHold(moved, fanout?.part);
          holdDropped = true;
        } else await writeToOutbox(kv, moved, fanout?.part);
        inOutbox = true;
        // In the outbox now: clearing the record's copies (MongoDB) runs beside the inline
        // delivery (KV), unawaited: the answer does not depend on it, and a booking's mark drop
        // waits to share its command (event_marks.ts); the store's close waits for it. Should the
        // relay move them first, or a crash leave the mark, the handled records absorb the repeat.
        void Promise.all(
          ids.map((id) => records.appointments.clearPendingEvents(id, envelopes)),
        ).catch(kept);
      } catch (err) {
        kept(err);
      }
    }
    if (!holdDropped) await dropHold([]);
    // Held-back entries that did not reach the KV outbox stay in the record, held back there
    // too: the relay delivers them when they fall due, and this request leaves them alone. The
    // fan-out entries the outbox commit left out are not delivered.
    const delivered = (list: EventEnvelope[]) => fanout?.leftOut() ? withoutFanout(list) : list;
    const nowMs = deps.now();
    const inline = leased ? [] : inlineOf(envelopes, options, nowMs);
    await (leased
      ? deliverInline(inOutbox ? delivered(leased) : [], true)
      : deliverInline(delivered(inline), false));
    if (leavesRelayWork(delivered(envelopes), inline, inOutbox, nowMs)) deps.wake?.();
  }

  /**
   * Whether the change left the relay something to do now, so that it is woken for a pass: events
   * still in the record, an entry due now that no inline handler delivered (a freed slot's
   * waitlist notice), or a webhook fan-out (the deliveries it writes). Otherwise the change's
   * entries were delivered here or are held back or due later (reminders), and a pass after every
   * booking found nothing (docs/BENCHMARKS.md, issue 15: ~600 passes over a FerretDB day, each
   * asking MongoDB for record-held events); the relay's own passes take what falls due.
   */
  function leavesRelayWork(
    envelopes: EventEnvelope[],
    inline: EventEnvelope[],
    inOutbox: boolean,
    nowMs: number,
  ): boolean {
    if (!inOutbox) return true;
    const here = new Set(inline);
    return envelopes.some((e) =>
      e.handler === FANOUT_HANDLER || (e.notBeforeMs <= nowMs && !here.has(e))
    );
  }

  return {
    /**
     * Waits for the inline deliveries still running behind their answers, so that shutdown does
     * not close the stores under one: its send done but not recorded, the relay sent it again.
     */
    async settled(): Promise<void> {
      await Promise.all([...sending]);
    },

    /** True where `write` removes a consumed hold in the change's own commit (KV records). */
    consumesHoldInCommit: !records.appointments.eventsInRecords,

    /** Stores a change made by the state machine, with its events; returns the stored record. */
    async write(change: AppointmentChange, options: WriteOptions): Promise<AppointmentRecord> {
      deps.crashPoint?.(`${options.step}.before_commit`);
      const all = envelopesOf(change.events);
      // The inline entries are stored held back by one lease time, so the relay leaves them to
      // this request unless it dies (Dispatcher.holdBack). On MongoDB the record's copies are
      // the same held-back entries, so a relay that moves them into the outbox (any release's)
      // writes the very keys this request writes, due only once its lease has run out.
      const nowMs = deps.now();
      const inline = inlineOf(all, options, nowMs); // none without a dispatcher
      const leased = deps.dispatcher?.holdBack(inline, nowMs);
      const heldBack = new Map(leased?.map((held, i) => [inline[i], held]));
      const envelopes = heldBack.size > 0 ? all.map((e) => heldBack.get(e) ?? e) : all;
      const consumedIn = consumedInCommit(options);
      // The fan-out entries go in through a part that leaves them out (with a check on the mark
      // it read) while no webhook endpoint exists: on KV records in the change's own commit; on
      // MongoDB in the KV commit that moves the events into the outbox (`settle`), the record
      // keeping them all, so a relay that moves them instead (this process died) fans out.
      const inRecords = records.appointments.eventsInRecords;
      const presence = deps.dispatcher ? deps.webhookPresence : undefined;
      const fanouts = presence ? envelopes.filter((e) => e.handler === FANOUT_HANDLER) : [];
      const fanout = fanouts.length > 0 ? presence!.fanout(fanouts) : undefined;
      const inCommit = inRecords ? undefined : fanout;
      const stored = inCommit ? withoutFanout(envelopes) : envelopes;
      const alongside = inCommit ? bothParts(consumedIn, inCommit.part) : consumedIn;
      // A new booking stored outside KV is announced with the calendar version from before it.
      const since = change.prev === null && records.appointments.eventsInRecords
        ? await calendarVersionOf(kv, change.next.doctorId)
        : undefined;
      let saved: AppointmentRecord;
      try {
        saved = change.prev
          ? await records.appointments.transition(change.prev, change.next, stored, alongside)
          : await records.appointments.book(change.next, stored, alongside);
      } catch (err) {
        // On MongoDB records a change that lost the race for its appointment may have marked the
        // times it touches busy (pending) before its write failed, then settled them as the
        // winner left them: a listing loaded in between, on any instance, hid them until the
        // grace ran out. Announced, so every calendar view reloads the busy time.
        if (
          inRecords && change.prev && err instanceof ConflictError &&
          err.code === "version_conflict"
        ) {
          await bumpCalendar(kv, change.next.doctorId).catch((bumpErr) =>
            log.warn("lost race not announced on the calendar", errorFields(bumpErr))
          );
        }
        throw err;
      }
      // A retried confirm finds its booking stored: its events were written with it then (and
      // the hold dropped, unless it was stored by an older build: removing twice is harmless).
      const fresh = change.prev !== null || saved.createdAt === change.next.createdAt;
      // What the commit stored: without the fan-out entries when it left them out.
      const leftOut = inCommit?.leftOut() === true;
      const kept = (list: EventEnvelope[]) => leftOut ? withoutFanout(list) : list;
      await settle(
        [saved],
        fresh ? kept(envelopes) : [],
        fresh && consumedIn ? { ...options, consumes: undefined } : options,
        {
          bookedSince: fresh ? since : undefined,
          leased: fresh && leased ? kept(leased) : undefined,
          fanout: inRecords ? fanout : undefined,
        },
      );
      return saved;
    },

    /** New appointments of one doctor, all or nothing (a course), with all their events. */
    async writeAll(
      changes: AppointmentChange[],
      options: WriteOptions,
    ): Promise<AppointmentRecord[]> {
      if (changes.some((c) => c.prev !== null)) {
        throw new RangeError("writeAll() books new appointments only");
      }
      const envelopes = envelopesOf(changes.flatMap((c) => c.events));
      // The course's holds are used up in the booking's own commit (KV records), which refuses
      // them gone or lapsed at its own time, as a single confirm's does.
      const consumedIn = consumedInCommit(options);
      const saved = await records.appointments.bookMany(
        changes.map((c) => c.next),
        envelopes,
        consumedIn,
      );
      // A retried course may return records stored earlier: announced as a plain change.
      const fresh = saved.every((a, i) => a.createdAt === changes[i].next.createdAt);
      await settle(
        saved,
        envelopes,
        fresh && consumedIn ? { ...options, consumes: undefined } : options,
      );
      return saved;
    },
  };
}

export type AppointmentWriter = ReturnType<typeof createAppointmentWriter>;
