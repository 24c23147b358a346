/**
 * The booking flow: slots, holds, confirmation, cancellation, rescheduling and the doctor's
 * status changes. It checks who may do what and when (ownership, cut-off, codes); the state
 * machine (src/domain/appointment_machine.ts) builds each change and its events, and the
 * appointment writer stores them together. Confirm books the appointment (with its events) before
 * dropping the hold, so a crash in between leaves a booked slot and a hold that expires, never a
 * lost booking, a lost event, or a slot blocked forever.
 */
import { bookableDoctor } from "../doctors/bookable.ts";
import type { Config } from "../config/config.ts";
import type { DataCipher } from "../crypto/data_cipher.ts";
import type { KeyedHash } from "../crypto/keyed_hash.ts";
import { newId, randomDigits } from "../crypto/random.ts";
import type {
  BusyInterval,
  CalendarView,
  DoctorCalendar,
  MemoComputed,
} from "../stores/kv/calendar_view.ts";
import { generateSlots, type Slot, slotStartingAt } from "../domain/slots.ts";
import { addDays, daysBetween, zonedWallTimeToEpochMs } from "../domain/zoned_time.ts";
import { untilCommitted } from "../stores/kv/kv_commit.ts";
import {
  ConflictError,
  DoctorInactiveError,
  ForbiddenError,
  HoldCodesSpentError,
  HoldExpiredError,
  InvalidCodeError,
  NotFoundError,
  PolicyError,
  PreconditionFailedError,
  ServiceUnavailableError,
  SlotUnavailableError,
  ValidationError,
} from "../errors.ts";
import type { AuditLog } from "../audit/audit_log.ts";
import {
  appointmentIdFor,
  cancel,
  confirmFromHold,
  type CourseCancellation,
  holdPlaced,
  holdReleased,
  type Outcome,
  recordOutcome,
  type ReminderPolicy,
  reschedule,
} from "../domain/appointment_machine.ts";
import { envelopesOf } from "../events/event_types.ts";
import type { AppointmentWriter } from "./appointment_writer.ts";
import type { MessageSender } from "../notify/message_sender.ts";
import { holdCodeMessage } from "../i18n/code_templates.ts";
import type { AppMetrics } from "../observability/metrics.ts";
import type { AuthUser } from "../auth/token_service.ts";
import type {
  AppointmentQuery,
  HoldRecord,
  HoldStore,
  Page,
  RecordStores,
} from "../stores/ports.ts";
import type { AppointmentRecord, DoctorRecord } from "../stores/records.ts";
import { type AppointmentView, appointmentView, type HoldView, holdView } from "./views.ts";

export interface BookingDeps {
  config: Config;
  records: RecordStores;
  holds: HoldStore;
  cipher: DataCipher;
  hash: KeyedHash;
  sender: MessageSender;
  metrics: AppMetrics;
  now: () => number;
  /** Test-only crash points: called at named steps; the test build exits the process there. */
  crashPoint?: (name: string) => void;
  /** The one way appointment changes are stored, with their events. */
  writer: AppointmentWriter;
  /** Doctors and their busy time for slot listings (src/stores/kv/calendar_view.ts). */
  calendarView: CalendarView;
  /** Reads of consultation notes are audited before they are returned. */
  audit?: AuditLog;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/**
 * Longest reuse of a computed listing under unchanged versions when its days reach past the
 * booking horizon: as the horizon moves, new slots enter at instants the listing does not track.
 */
const LISTING_REUSE_AT_HORIZON_MS = 1_000;
/**
 * Longest reuse of a computed listing under unchanged versions otherwise: every change that time
 * alone makes is then bounded exactly (below); this only caps what an oversight could cost.
 */
const LISTING_REUSE_MS = 60_000;

/**
 * A computed listing, kept while it is reused only as the JSON body the API sends: holding the
 * slot objects as well doubled its memory (~8 MB per 1,000 doctors' weeks) for callers that are
 * rare next to the HTTP listing; they parse the body.
 */
export class SlotListing {
  constructor(
    /** `{"doctorId","timezone","slots":[{"start","end"}]}`, the `GET …/slots` body. */
    readonly json: string,
  ) {}

  /** The slots, parsed afresh from the body on each access. */
  get slots(): { start: string; end: string }[] {
    return (JSON.parse(this.json) as { slots: { start: string; end: string }[] }).slots;
  }
}

/** What a patient may add when confirming a hold. */
export interface ConfirmDetails {
  reason?: string;
  /** A video consultation (src/rooms/); default false. */
  online?: boolean;
}

export function createBookingService(deps: BookingDeps) {
  const { config, records, holds, cipher, hash, now, metrics } = deps;

  /**
   * The doctor and their busy time from the calendar view: exact as of a read begun after this
   * call (calendar_view.ts), and from memory while the doctor's calendar has not moved, so a hold
   * right after its listing re-reads one version instead of the doctor and their bookings.
   */
  async function calendarOr404(id: string): Promise<DoctorCalendar> {
    return found(await deps.calendarView.read(id), id);
  }

  /** Also refuses a deactivated doctor (409 `doctor_inactive`): nothing new is booked with them. */
  function found(calendar: DoctorCalendar | null, id: string): DoctorCalendar {
    if (!calendar) throw new NotFoundError(`Doctor ${id} does not exist`);
    bookableDoctor(calendar.doctor, id);
    return calendar;
  }

  /**
   * Before a hold is used up (a confirm, a move onto it): refuses it, and removes it, when its
   * doctor was deactivated since it was placed. One calendar version read (the view keeps the
   * doctor in memory while the calendar has not moved); a deactivation that has answered moved
   * it, on every instance.
   */
  async function assertDoctorStillActive(hold: HoldRecord) {
    const calendar = await deps.calendarView.read(hold.doctorId);
    if (calendar && !calendar.doctor.deactivatedAt) return;
    await holds.remove(hold, {
      outbox: envelopesOf(holdReleased(hold, now())),
      onlyIfPresent: true,
    }).catch(ignoreNotFound);
    throw new DoctorInactiveError(hold.doctorId);
  }

  /** The listing of [fromDate, toDate] computed afresh, and until when it may be reused. */
  async function computeListing(
    calendar: DoctorCalendar,
    fromDate: string,
    toDate: string,
    nowMs: number,
  ): Promise<MemoComputed<SlotListing>> {
    const { doctor } = calendar;
    const fromMs = zonedWallTimeToEpochMs(addDays(fromDate, -1), "00:00", doctor.timezone);
    const toMs = zonedWallTimeToEpochMs(addDays(toDate, 2), "00:00", doctor.timezone);
    const busy = await calendar.busy(fromMs, toMs, nowMs);
    const slots = generateSlots({
      schedule: doctor.schedule,
      timeZone: doctor.timezone,
      fromDate,
      toDate,
      nowMs,
      busy,
    });
    // What time alone changes: the first slot falls inside the minimum notice, a hold lapses,
    // a slot enters the horizon. The last cannot happen while the listed days (with the day
    // of slack above) end before the horizon, which only moves later.
    const horizonMs = nowMs + doctor.schedule.horizonDays * DAY_MS;
    let validUntilMs = nowMs +
      (toMs <= horizonMs ? LISTING_REUSE_MS : LISTING_REUSE_AT_HORIZON_MS);
    if (slots.length > 0) {
      const noticeMs = Math.max(0, doctor.schedule.minNoticeMinutes) * 60_000;
      validUntilMs = Math.min(validUntilMs, slots[0].startMs - noticeMs);
    }
    for (const b of busy) {
      if (b.expiresAtMs !== undefined) validUntilMs = Math.min(validUntilMs, b.expiresAtMs);
      if (b.recheckAtMs !== undefined) validUntilMs = Math.min(validUntilMs, b.recheckAtMs);
    }
    const body = {
      doctorId: doctor.id,
      timezone: doctor.timezone,
      slots: slots.map((s: Slot) => ({ start: s.start, end: s.end })),
    };
    const json = JSON.stringify(body);
    return { validUntilMs, value: new SlotListing(json), bytes: json.length };
  }

  /** The appointment if `user` may see it; foreign ids are 404 so ids cannot be probed. */
  async function visibleAppointment(user: AuthUser, id: string): Promise<AppointmentRecord> {
    const a = await records.appointments.get(id);
    const mine = a && (user.role === "admin" ||
      (user.role === "patient" && a.patientId === user.id) ||
      (user.role === "doctor" && a.doctorId === user.id));
    if (!a || !mine) throw new NotFoundError(`Appointment ${id} does not exist`);
    return a;
  }

  /**
   * Throws 412 unless `a` is at one of the `accepted` versions (the request's `If-Match`; none
   * sent: any). Checked on the record the change is built on, before any shortcut, so the store's
   * compare-and-set on that record's version (KV `check`, MongoDB `replaceOne` filter) holds it at
   * the commit: a change that lost its race is decided again on the record that won, and refused.
   */
  function assertAccepted(a: AppointmentRecord, accepted: readonly number[] | undefined) {
    if (accepted && !accepted.includes(a.version)) {
      throw new PreconditionFailedError(
        `Appointment ${a.id} changed since it was read (it is at version ${a.version}); ` +
          `read it again before changing it`,
      );
    }
  }

  function view(a: AppointmentRecord, user: AuthUser): Promise<AppointmentView> {
    return appointmentView(a, cipher, { withNotes: user.role !== "patient" });
  }

  /** Before `view` shows `a`'s notes: if the trail cannot take the entry, nothing is shown. */
  async function auditNotesRead(user: AuthUser, a: AppointmentRecord) {
    if (!a.notesSealed || user.role === "patient" || !deps.audit) return;
    await deps.audit.append({
      actorId: user.id,
      actorRole: user.role,
      action: "appointment.notes_read",
      appointmentId: a.id,
      patientId: a.patientId,
      doctorId: a.doctorId,
    });
  }

  async function ownHold(patientId: string, holdId: string): Promise<HoldRecord> {
    const hold = await holds.get(holdId);
    if (!hold || hold.patientId !== patientId) {
      throw new NotFoundError(`Hold ${holdId} does not exist`);
    }
    if (hold.expiresAtMs <= now()) throw new HoldExpiredError();
    return hold;
  }

  function assertBeforeCutoff(a: AppointmentRecord, action: string) {
    const cutoffMs = config.CANCEL_CUTOFF_MINUTES * 60_000;
    if (a.startMs - now() < cutoffMs) {
      throw new PolicyError(
        "cutoff_passed",
        `Cannot ${action} within ${config.CANCEL_CUTOFF_MINUTES} minutes of the start`,
      );
    }
  }

  /**
   * Throws unless `a`'s patient still has their data: erasure took their medical text, and notes
   * or a cancel reason written now would bring it back, linked to them.
   */
  async function assertPatientKept(a: AppointmentRecord, what: string) {
    const patient = await records.patients.get(a.patientId);
    if (!patient || patient.erasedAt) {
      throw new ConflictError(
        "invalid_state",
        `The patient of appointment ${a.id} erased their data; no ${what} can be written`,
      );
    }
  }

  function assertConfirmedToMove(a: AppointmentRecord) {
    if (a.status !== "confirmed") {
      throw new ConflictError(
        "invalid_state",
        `Appointment ${a.id} is ${a.status}; only a confirmed one can be moved`,
      );
    }
  }

  /**
   * Per doctor and slot start, the commit of the hold being placed in this process (settled
   * either way, never rejected): a later hold for the same slot waits for it (`holdSlot`).
   */
  const claimsInFlight = new Map<string, Promise<void>>();

  /**
   * The hold's commit (`committed` called once it has landed or failed), then its code sent (the
   * hold removed if the send fails).
   */
  async function placeHold(
    patientId: string,
    doctor: DoctorRecord,
    slot: Slot,
    nowMs: number,
    committed: () => void,
  ): Promise<HoldView> {
    const patient = await records.patients.get(patientId);
    if (!patient || patient.erasedAt) {
      throw new NotFoundError(`Patient ${patientId} does not exist`);
    }

    const id = newId("hld", nowMs);
    const code = randomDigits(6);
    const hold: HoldRecord = {
      id,
      doctorId: doctor.id,
      patientId,
      start: slot.start,
      end: slot.end,
      startMs: slot.startMs,
      endMs: slot.endMs,
      expiresAtMs: nowMs + config.HOLD_TTL_SECONDS * 1000,
      codeHash: await hash.hash("hold_code", `${id}:${code}`),
      attempts: 0,
      createdAt: new Date(nowMs).toISOString(),
    };
    try {
      const { maxPerDay } = doctor.schedule;
      await holds.create(
        hold,
        config.MAX_ACTIVE_HOLDS_PER_PATIENT,
        nowMs,
        envelopesOf(holdPlaced(hold, nowMs)),
        // Checked again in the hold's own commit: a count taken before it lets holds placed at
        // the same moment on one day each pass.
        maxPerDay === null
          ? undefined
          : { date: slot.date, timeZone: doctor.timezone, max: maxPerDay },
      );
    } catch (err) {
      metrics.bookings.inc({
        step: "hold",
        outcome: err instanceof ConflictError ? err.code : "error",
      });
      // A 503 (a KV server's deadline) does not say the commit failed: it may have landed. The
      // request answers 503, which Idempotency-Key does not keep, so its retry runs again; left
      // there, this hold (whose code was never sent) would refuse that retry the slot as taken,
      // and count against the patient's hold limit until it lapses. Removed if it is there.
      if (err instanceof ServiceUnavailableError) {
        await holds.remove(hold, { onlyIfPresent: true }).catch(() => {});
      }
      throw err;
    } finally {
      committed();
    }
    metrics.holdsCreated.inc();
    deps.crashPoint?.("hold.after_create");
    try {
      await deps.sender.send({
        to: await cipher.open(patient.phoneSealed),
        channel: patient.channel,
        code,
        ...holdCodeMessage(patient.language, {
          code,
          validSeconds: config.HOLD_TTL_SECONDS,
          doctorName: doctor.name,
          startMs: slot.startMs,
          timeZone: patient.timeZone || doctor.timezone,
        }),
      });
      metrics.codesSent.inc({ purpose: "hold", outcome: "sent" });
    } catch (err) {
      metrics.codesSent.inc({ purpose: "hold", outcome: "failed" });
      await holds.remove(hold);
      throw err;
    }
    metrics.bookings.inc({ step: "hold", outcome: "held" });
    return holdView(hold);
  }

  return {
    async listSlots(doctorId: string, fromDate: string, toDate: string): Promise<SlotListing> {
      // One frame and no closure while the listing is reused (most listings): the 404 and the
      // computation are functions of their own.
      const calendar = found(await deps.calendarView.read(doctorId), doctorId);
      const span = daysBetween(fromDate, toDate);
      if (span < 0) throw new ValidationError("`from` must not be after `to`");
      if (span + 1 > config.MAX_SLOT_RANGE_DAYS) {
        throw new ValidationError(
          `At most ${config.MAX_SLOT_RANGE_DAYS} days can be listed at once`,
        );
      }
      const nowMs = now();
      const key = `${fromDate}/${toDate}`;
      return calendar.reused<SlotListing>(key, nowMs) ??
        await calendar.memo(key, nowMs, () => computeListing(calendar, fromDate, toDate, nowMs));
    },

    async holdSlot(patientId: string, doctorId: string, startIso: string): Promise<HoldView> {
      const calendar = await calendarOr404(doctorId);
      const { doctor } = calendar;
      const startMs = Date.parse(startIso);
      const nowMs = now();
      if (startMs <= nowMs) throw new PolicyError("slot_in_past", "That time has already passed");
      const busy = await calendar.busy(startMs - 36 * HOUR_MS, startMs + 36 * HOUR_MS, nowMs);
      const at = slotStartingAt(
        { schedule: doctor.schedule, timeZone: doctor.timezone, nowMs, busy },
        startMs,
      );
      if (!at) {
        throw new PolicyError(
          "slot_not_offered",
          `Doctor ${doctor.id} offers no slot starting at ${startIso} (off the grid, outside hours, notice or horizon)`,
        );
      }
      if (!at.bookable) {
        metrics.bookings.inc({ step: "hold", outcome: "slot_unavailable" });
        throw new SlotUnavailableError();
      }
      const { slot } = at;
      // A hold for the same slot already under way in this process goes first: once it has
      // committed, the calendar view (which follows this process's commits) shows the slot taken
      // and this one answers 409 without reading the patient or trying a calendar commit bound to
      // fail its check. Under a crowd for one slot that is most of the requests, which otherwise
      // queue ~5 store operations each on the KV thread while their request state waits in the
      // heap (issue 15). If the one ahead failed (the patient's limit, say), this one goes on.
      // Only the commit is waited for, not the code's send after it (an SMS provider's round
      // trip, or its timeout): a send that fails removes the hold, as a later release would.
      const claimKey = `${doctor.id}/${slot.startMs}`;
      const ahead = claimsInFlight.get(claimKey);
      if (ahead) {
        await ahead;
        if ((await calendar.busy(slot.startMs, slot.endMs, nowMs)).length > 0) {
          metrics.bookings.inc({ step: "hold", outcome: "slot_unavailable" });
          throw new SlotUnavailableError();
        }
      }
      const { promise: settled, resolve: committed } = Promise.withResolvers<void>();
      claimsInFlight.set(claimKey, settled);
      try {
        return await placeHold(patientId, doctor, slot, nowMs, committed);
      } finally {
        committed(); // also when it failed before its commit (the patient not found)
        if (claimsInFlight.get(claimKey) === settled) claimsInFlight.delete(claimKey);
      }
    },

    /**
     * The patient's own live hold on `doctorId` at `startIso`, or null: a page whose patient picks
     * again a time they hold (their SMS late) shows that hold rather than "taken".
     */
    async ownHoldAt(patientId: string, doctorId: string, startIso: string) {
      const startMs = Date.parse(startIso);
      const nowMs = now();
      for (const held of await holds.active(doctorId, startMs, startMs + 1, nowMs)) {
        if (held.startMs !== startMs || !held.id) continue;
        const hold = await holds.get(held.id);
        if (hold?.patientId === patientId && hold.expiresAtMs > nowMs) return holdView(hold);
      }
      return null;
    },

    async confirmHold(user: AuthUser, holdId: string, code: string, details: ConfirmDetails = {}) {
      const { reason, online = false } = details;
      const hold = await holds.get(holdId);
      if (!hold || hold.patientId !== user.id) {
        // A retried confirm after success finds the hold gone: answer with the appointment.
        const done = await records.appointments.get(appointmentIdFor(holdId));
        if (done && done.patientId === user.id) return view(done, user);
        throw new NotFoundError(`Hold ${holdId} does not exist`);
      }
      if (hold.expiresAtMs <= now()) {
        // holds_expired_total is counted by the hold's expiry check (hold_expiry_handler.ts).
        metrics.bookings.inc({ step: "confirm", outcome: "hold_expired" });
        throw new HoldExpiredError();
      }
      if (hold.attempts >= config.OTP_MAX_ATTEMPTS) throw new HoldCodesSpentError();
      await assertDoctorStillActive(hold);
      const right = hash.equal(await hash.hash("hold_code", `${hold.id}:${code}`), hold.codeHash);
      // No answer about a code before its check is counted within the limit, so simultaneous
      // guesses cannot outrun it. A right code is counted by the booking commit itself where that
      // commit also consumes the hold (it checks the hold's count); elsewhere here, first.
      if (!right || !deps.writer.consumesHoldInCommit) {
        if (!(await holds.reserveAttempt(hold, config.OTP_MAX_ATTEMPTS))) {
          throw new HoldCodesSpentError();
        }
      }
      if (!right) {
        metrics.bookings.inc({ step: "confirm", outcome: "invalid_code" });
        throw new InvalidCodeError();
      }
      const change = confirmFromHold(
        hold,
        {
          reasonSealed: reason ? await cipher.seal(reason) : null,
          online,
        },
        user,
        now(),
        { reminders: reminderPolicyFrom(config) },
      );
      let booked: AppointmentRecord;
      try {
        booked = await deps.writer.write(change, {
          step: "confirm",
          consumes: hold,
          maxAttempts: config.OTP_MAX_ATTEMPTS,
        });
      } catch (err) {
        metrics.bookings.inc({
          step: "confirm",
          outcome: err instanceof ConflictError ? err.code : "error",
        });
        throw err;
      }
      metrics.bookings.inc({ step: "confirm", outcome: "confirmed" });
      return view(booked, user);
    },

    async releaseHold(patientId: string, holdId: string) {
      const hold = await holds.get(holdId);
      if (!hold || hold.patientId !== patientId) {
        throw new NotFoundError(`Hold ${holdId} does not exist`);
      }
      // Only while the hold is there: a confirm that used it up meanwhile booked the time.
      await holds.remove(hold, {
        outbox: envelopesOf(holdReleased(hold, now())),
        onlyIfPresent: true,
      });
    },

    /**
     * `withNotes: false` for callers that show no notes (FHIR, the doctor's video page): they open
     * none, so they write no `notes_read` entry and do not need the trail to answer.
     */
    async getAppointment(user: AuthUser, id: string, { withNotes = true } = {}) {
      const a = await visibleAppointment(user, id);
      if (!withNotes) return appointmentView(a, cipher, { withNotes: false });
      await auditNotesRead(user, a);
      return view(a, user);
    },

    /**
     * `withNotes` (the API's listing): a doctor gets each appointment's notes, and each opening
     * is audited; the pages that only place appointments (agenda, availability, FHIR) open none.
     */
    async listAppointments(
      user: AuthUser,
      query: AppointmentQuery,
      limit: number,
      cursor?: string,
      { withNotes = false } = {},
    ): Promise<Page<AppointmentView>> {
      const page = user.role === "doctor"
        ? await records.appointments.listForDoctor(user.id, query, limit, cursor)
        : await records.appointments.listForPatient(user.id, query, limit, cursor);
      const notes = withNotes && user.role !== "patient";
      if (notes) await Promise.all(page.items.map((a) => auditNotesRead(user, a)));
      return {
        items: await Promise.all(
          page.items.map((a) => appointmentView(a, cipher, { withNotes: notes })),
        ),
        nextCursor: page.nextCursor,
      };
    },

    /**
     * `course`: a session of a course cancelled as a whole (course_service.ts); `accepted`: the
     * versions the request's `If-Match` names (none sent: any).
     */
    async cancel(
      user: AuthUser,
      id: string,
      reason?: string,
      { course, accepted }: { course?: CourseCancellation; accepted?: readonly number[] } = {},
    ) {
      // A cancel that finds the appointment cancelled already (its patient and doctor cancelling
      // at once, or a retry whose answer was lost) answers it as it is, writing and telling
      // nothing: what was asked is done. A lost race for the record is decided again on the
      // record that won, so the race's loser answers as a cancel arriving after it would.
      return await untilCommitted("cancel an appointment", async () => {
        const a = await visibleAppointment(user, id);
        assertAccepted(a, accepted);
        if (a.status === "cancelled") return await view(a, user);
        // Patients are bound by the cut-off; a doctor (or admin) may still cancel, e.g. when ill.
        if (user.role === "patient" && a.status === "confirmed") assertBeforeCutoff(a, "cancel");
        if (reason && user.role !== "patient") await assertPatientKept(a, "cancel reason");
        const change = cancel(a, user, reason ? await cipher.seal(reason) : null, now(), course);
        let saved: AppointmentRecord;
        try {
          saved = await deps.writer.write(change, { step: "cancel" });
        } catch (err) {
          if (err instanceof ConflictError && err.code === "version_conflict") return undefined;
          throw err;
        }
        metrics.bookings.inc({ step: "cancel", outcome: "cancelled" });
        return await view(saved, user);
      });
    },

    /**
     * Throws unless `user` may move appointment `id` now (it is confirmed and before the cut-off),
     * so a page can refuse before holding the new time, whose code would go out for nothing.
     * `accepted`: the versions the page rendered, as `reschedule` takes them (412 when stale).
     */
    async assertMovable(user: AuthUser, id: string, accepted?: readonly number[]): Promise<void> {
      const a = await visibleAppointment(user, id);
      assertAccepted(a, accepted);
      assertConfirmedToMove(a);
      assertBeforeCutoff(a, "reschedule");
    },

    /**
     * Moves the appointment onto the patient's hold. A change that won the record meanwhile and
     * left its time alone (a doctor's note) is decided again on the record that won, as cancel
     * and PATCH are; another move that won answers 409 `version_conflict` (of two moves sent at
     * once, one is made); with `If-Match` the record that won is at another version: 412.
     */
    async reschedule(user: AuthUser, id: string, holdId: string, accepted?: readonly number[]) {
      let readStartMs: number | undefined;
      return await untilCommitted("move an appointment", async () => {
        const a = await visibleAppointment(user, id);
        if (readStartMs !== undefined && a.startMs !== readStartMs && a.holdId !== holdId) {
          throw new ConflictError(
            "version_conflict",
            `Appointment ${a.id} was moved meanwhile; read it again before moving it`,
          );
        }
        readStartMs = a.startMs;
        assertAccepted(a, accepted);
        assertConfirmedToMove(a);
        // A retried move (its answer lost) finds the appointment already on its hold, the hold
        // used up: it answers the moved appointment, as a retried confirm answers the booked
        // one. On MongoDB records a move that died before dropping the hold left it: dropped.
        if (a.holdId === holdId) {
          const left = await holds.get(holdId);
          if (left) await holds.remove(left, { onlyIfPresent: true }).catch(ignoreNotFound);
          return await view(a, user);
        }
        assertBeforeCutoff(a, "reschedule");
        const hold = await ownHold(user.id, holdId);
        if (hold.doctorId !== a.doctorId) {
          throw new PolicyError("other_doctor", "A reschedule hold must be with the same doctor");
        }
        await assertDoctorStillActive(hold);
        const change = reschedule(a, hold, user, now(), reminderPolicyFrom(config));
        let saved: AppointmentRecord;
        try {
          saved = await deps.writer.write(change, { step: "reschedule", consumes: hold });
        } catch (err) {
          if (err instanceof ConflictError && err.code === "version_conflict") {
            // With `If-Match` the record that won is at another version.
            if (accepted) {
              throw new PreconditionFailedError(
                `Appointment ${a.id} changed while it was being moved; read it again before changing it`,
              );
            }
            return undefined;
          }
          throw err;
        }
        metrics.bookings.inc({ step: "reschedule", outcome: "rescheduled" });
        return await view(saved, user);
      });
    },

    /**
     * The outcome (set, or corrected within the window) and/or notes. Its doctor does both; an
     * admin only the outcome: notes are the doctor's. The status it already has, with no notes,
     * answers the appointment as it is, writing nothing (as a repeated cancel does). Notes sent
     * with an outcome and equal to the stored ones count as none.
     */
    async updateByDoctor(
      user: AuthUser,
      id: string,
      patch: { status?: Outcome; notes?: string },
      accepted?: readonly number[],
    ) {
      if (patch.notes !== undefined && user.role !== "doctor") {
        throw new ForbiddenError("Only the appointment's doctor writes its notes");
      }
      // An outcome alone that lost the race for the record (its doctor and an admin correcting
      // at once) is decided again on the record that won: the same outcome answers as a repeat.
      // Notes are not retried: a lost race there keeps its 409 rather than overwrite the winner.
      const saved = await untilCommitted("update an appointment", async () => {
        const a = await visibleAppointment(user, id);
        assertAccepted(a, accepted);
        // The doctor page's form sends its notes with every button: sent with an outcome as they
        // stand, they are no write of notes, so an erased patient's visit is still marked.
        const kept = patch.status !== undefined && patch.notes !== undefined &&
          patch.notes === (a.notesSealed ? await cipher.open(a.notesSealed) : "");
        const notes = kept ? undefined : patch.notes;
        if (notes !== undefined) await assertPatientKept(a, "notes");
        const change = recordOutcome(a, user, {
          status: patch.status,
          notesSealed: notes !== undefined ? await cipher.seal(notes) : undefined,
        }, now());
        if (change.next === a) return a;
        try {
          return await deps.writer.write(change, { step: "status" });
        } catch (err) {
          const lost = err instanceof ConflictError && err.code === "version_conflict";
          // With `If-Match`, decided again too: the record that won is at another version (412).
          if (lost && (notes === undefined || accepted)) return undefined;
          throw err;
        }
      });
      if (user.role === "admin") await auditNotesRead(user, saved);
      return view(saved, user);
    },
  };
}

export { appointmentIdFor };

/** A hold removed meanwhile (by a concurrent retry or its expiry check) is what was wanted. */
function ignoreNotFound(err: unknown) {
  if (!(err instanceof NotFoundError)) throw err;
}

/** A doctor's busy time: active appointments and live holds overlapping [fromMs, toMs). */
export async function busyTime(
  records: RecordStores,
  holds: HoldStore,
  doctorId: string,
  fromMs: number,
  toMs: number,
  nowMs: number,
): Promise<BusyInterval[]> {
  const [booked, held] = await Promise.all([
    records.appointments.busy(doctorId, fromMs, toMs),
    holds.active(doctorId, fromMs, toMs, nowMs),
  ]);
  return [...booked, ...held];
}

/** When reminders fall due: the product's offsets, or the test override (APP_ENV=test only). */
export function reminderPolicyFrom(config: Config): ReminderPolicy {
  const seconds = config.REMINDER_TEST_DUE_SECONDS;
  return seconds === undefined ? {} : { testDueAfterMs: seconds * 1000 };
}

export type BookingService = ReturnType<typeof createBookingService>;
