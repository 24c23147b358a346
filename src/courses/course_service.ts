/**
 * Therapy courses: N sessions with one doctor, held and booked all or nothing. Holding writes one
 * hold per session in one commit of the hold store (course_store.ts); one code confirms them all;
 * confirming books every session through the appointment writer in one all-or-nothing write, each
 * session with its own `appointment.confirmed`, audit entry and reminders, and one message.
 * When sessions are taken the 409 `course_unavailable` names them and proposes the nearest complete
 * alternative. It must never leave a course half held, and never log phones or reasons.
 */
import { bookableDoctor } from "../doctors/bookable.ts";
import type { AuthUser } from "../auth/token_service.ts";
import type { AppointmentWriter } from "../booking/appointment_writer.ts";
import { type BookingService, busyTime, reminderPolicyFrom } from "../booking/booking_service.ts";
import { appointmentIdFor, confirmFromHold } from "../domain/appointment_machine.ts";
import type { Config } from "../config/config.ts";
import type { DataCipher } from "../crypto/data_cipher.ts";
import type { KeyedHash } from "../crypto/keyed_hash.ts";
import { newId, randomDigits } from "../crypto/random.ts";
import { findBookableSlot, generateSlots, type Interval, type Slot } from "../domain/slots.ts";
import { addDays, localDateOf } from "../domain/zoned_time.ts";
import {
  ConflictError,
  DoctorInactiveError,
  HoldExpiredError,
  InvalidCodeError,
  NotFoundError,
  PolicyError,
  SlotUnavailableError,
} from "../errors.ts";
import { courseCodeMessage } from "../i18n/code_templates.ts";
import { untilCommitted } from "../stores/kv/kv_commit.ts";
import type { MessageSender } from "../notify/message_sender.ts";
import {
  cellCountOf,
  type CourseRecord,
  type CourseStore,
  MAX_COURSE_CELLS,
  sessionHold,
} from "../stores/kv/course_store.ts";
import type { HoldRecord, HoldStore, RecordStores } from "../stores/ports.ts";
import type { AppointmentRecord, DoctorRecord } from "../stores/records.ts";
import { type CourseRequest, expandCourse, proposeAlternatives } from "./course_planner.ts";
import { CourseUnavailableError } from "./course_unavailable_error.ts";
import { courseView } from "./course_view.ts";

export interface CourseDeps {
  config: Config;
  records: RecordStores;
  holds: HoldStore;
  courses: CourseStore;
  booking: BookingService;
  writer: AppointmentWriter;
  cipher: DataCipher;
  hash: KeyedHash;
  sender: MessageSender;
  now: () => number;
}

const HOUR_MS = 3_600_000;

export function createCourseService(deps: CourseDeps) {
  const { config, records, holds, courses, hash, now } = deps;

  /** Which requested starts are bookable now, and the doctor's free slots to propose from. */
  async function availability(doctor: DoctorRecord, starts: number[], nowMs: number) {
    const base = { schedule: doctor.schedule, timeZone: doctor.timezone, nowMs };
    const horizonMs = nowMs + doctor.schedule.horizonDays * 24 * HOUR_MS;
    const fromMs = Math.min(nowMs, starts[0]) - 36 * HOUR_MS;
    const busy = await busyTime(
      records,
      holds,
      doctor.id,
      fromMs,
      Math.max(horizonMs, starts.at(-1)!) + 36 * HOUR_MS,
      nowMs,
    );
    // Each session bookable counts as busy for the next, so sessions sharing a local day count
    // together against the doctor's maxPerDay (they never overlap: they lie on one slot grid).
    const claimed: Interval[] = [...busy];
    const slots = starts.map((s) => {
      const slot = findBookableSlot({ ...base, busy: claimed }, s);
      if (slot) claimed.push({ startMs: slot.startMs, endMs: slot.endMs });
      return slot;
    });
    return { slots, busy, base };
  }

  function unavailableError(
    doctor: DoctorRecord,
    starts: number[],
    taken: number[],
    busy: Interval[],
    nowMs: number,
  ) {
    const tz = doctor.timezone;
    const bookable: Slot[] = generateSlots({
      schedule: doctor.schedule,
      timeZone: tz,
      fromDate: localDateOf(nowMs, tz),
      toDate: addDays(localDateOf(nowMs, tz), doctor.schedule.horizonDays + 1),
      nowMs,
      busy,
    });
    const alternatives = proposeAlternatives(starts, bookable, tz, doctor.schedule.horizonDays);
    return new CourseUnavailableError(taken.map((s) => new Date(s).toISOString()), alternatives);
  }

  /**
   * The course with each booked session as its appointment is now: a session moved or cancelled
   * on its own shows its current time and status. A course never confirmed booked nothing.
   */
  async function currentView(course: CourseRecord) {
    if (course.status === "held" || course.status === "failed") return courseView(course);
    const booked = await Promise.all(
      course.sessions.map((s) => records.appointments.get(s.appointmentId)),
    );
    return courseView(course, booked);
  }

  async function ownCourse(user: AuthUser, id: string): Promise<CourseRecord> {
    const course = await courses.get(id);
    const mine = course && (user.role === "admin" ||
      (user.role === "patient" && course.patientId === user.id) ||
      (user.role === "doctor" && course.doctorId === user.id));
    if (!course || !mine) throw new NotFoundError(`Course ${id} does not exist`);
    return course;
  }

  async function setStatus(
    course: CourseRecord,
    status: CourseRecord["status"],
    attempts = course.attempts,
  ) {
    const next = {
      ...course,
      status,
      attempts,
      updatedAt: new Date(now()).toISOString(),
      version: course.version + 1,
    };
    if (!(await courses.update(next))) {
      throw new ConflictError("course_busy", `Course ${course.id} changed; retry`);
    }
    return next;
  }

  /**
   * A versioned change of a course that must land: `decide` looks at the course as stored (the
   * one given, then as read again after each lost race) and answers `{ keep }` to write nothing
   * or `{ status, attempts? }` to set; it may throw. Lost races back off (`untilCommitted`).
   */
  async function changeCourse(
    course: CourseRecord,
    what: string,
    decide: (
      current: CourseRecord | null,
    ) => { keep: CourseRecord } | { status: CourseRecord["status"]; attempts?: number },
  ): Promise<CourseRecord> {
    let current: CourseRecord | null | undefined = course;
    return await untilCommitted(what, async () => {
      if (current === undefined) current = await courses.get(course.id);
      const decision = decide(current);
      if ("keep" in decision) return decision.keep;
      try {
        // `decide` throws on a course that is gone, so there is one to write.
        return await setStatus(current!, decision.status, decision.attempts);
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
        current = undefined; // read again
        return undefined;
      }
    });
  }

  /**
   * Counts one code check on a held course (a versioned update that must land; a lost race reads
   * the course again), or throws when its checks are spent or it is no longer held. Answers the
   * course as counted, or as confirmed when a concurrent check confirmed it meanwhile.
   */
  function reserveAttempt(course: CourseRecord): Promise<CourseRecord> {
    return changeCourse(course, "count a course code", (current) => {
      if (!current) throw new NotFoundError(`Course ${course.id} does not exist`);
      if (current.status === "confirmed") return { keep: current };
      if (current.status !== "held") {
        throw new ConflictError("invalid_state", `Course ${course.id} is ${current.status}`);
      }
      if (current.attempts >= config.OTP_MAX_ATTEMPTS) {
        throw new InvalidCodeError("Too many wrong codes for this course; hold it again");
      }
      return { status: "held", attempts: current.attempts + 1 };
    });
  }

  /**
   * Sets the final status of a course whose sessions this request booked or gave up, even when a
   * concurrent code check counted on the course since it was read (that count moved its version).
   * Booked sessions win: "failed" (this request booked nothing) only replaces "held", so a racing
   * confirm that lost to one that booked never marks the booked course failed.
   */
  function settle(course: CourseRecord, status: "confirmed" | "failed"): Promise<CourseRecord> {
    return changeCourse(course, "settle a course", (current) => {
      if (!current) throw new ConflictError("course_busy", `Course ${course.id} changed; retry`);
      if (current.status === status) return { keep: current };
      if (status === "failed" && current.status !== "held") return { keep: current };
      return { status };
    });
  }

  return {
    async hold(patientId: string, doctorId: string, req: CourseRequest) {
      const doctor = bookableDoctor(await records.doctors.get(doctorId), doctorId);
      const nowMs = now();
      let starts: number[];
      try {
        starts = expandCourse(req, doctor.timezone);
      } catch (err) {
        throw new PolicyError(
          "invalid_course",
          `Cannot plan the course: ${(err as Error).message}`,
        );
      }
      const offerBase = {
        schedule: { ...doctor.schedule, maxPerDay: null },
        timeZone: doctor.timezone,
        nowMs,
        busy: [],
      };
      const offered = starts.map((s) => findBookableSlot(offerBase, s));
      const off = starts.filter((_, i) => !offered[i]);
      const { slots, busy } = await availability(doctor, starts, nowMs);
      const taken = starts.filter((_, i) => !slots[i]);
      if (off.length > 0 || taken.length > 0) {
        throw unavailableError(
          doctor,
          starts,
          [...new Set([...off, ...taken])].sort(),
          busy,
          nowMs,
        );
      }
      const sessions = slots as Slot[];
      const cells = cellCountOf(sessions);
      if (cells > MAX_COURSE_CELLS) {
        throw new PolicyError(
          "course_too_large",
          `A course may cover at most ${MAX_COURSE_CELLS * 5} minutes in all; this one covers ${
            cells * 5
          }`,
        );
      }
      const patient = await records.patients.get(patientId);
      if (!patient || patient.erasedAt) {
        throw new NotFoundError(`Patient ${patientId} does not exist`);
      }

      const id = newId("crs", nowMs);
      const code = randomDigits(6);
      const codeHash = await hash.hash("hold_code", `course:${id}:${code}`);
      const expiresAtMs = nowMs + config.HOLD_TTL_SECONDS * 1000;
      const iso = new Date(nowMs).toISOString();
      const holdRecords: HoldRecord[] = sessions.map((s) => ({
        id: newId("hld", nowMs),
        doctorId: doctor.id,
        patientId,
        start: s.start,
        end: s.end,
        startMs: s.startMs,
        endMs: s.endMs,
        expiresAtMs,
        codeHash,
        attempts: 0,
        createdAt: iso,
      }));
      const course: CourseRecord = {
        id,
        doctorId: doctor.id,
        patientId,
        sessions: holdRecords.map((h) => ({
          holdId: h.id,
          appointmentId: appointmentIdFor(h.id),
          start: h.start,
          end: h.end,
          startMs: h.startMs,
          endMs: h.endMs,
        })),
        status: "held",
        expiresAtMs,
        codeHash,
        attempts: 0,
        createdAt: iso,
        updatedAt: iso,
        version: 1,
      };
      try {
        await courses.create(course, holdRecords, nowMs, config.MAX_ACTIVE_HOLDS_PER_PATIENT);
      } catch (err) {
        if (!(err instanceof SlotUnavailableError)) throw err;
        // Lost a race: say which sessions are taken now (all of them if the winner already left).
        const again = await availability(doctor, starts, nowMs);
        const lost = starts.filter((_, i) => !again.slots[i]);
        throw unavailableError(doctor, starts, lost.length ? lost : starts, again.busy, nowMs);
      }
      try {
        await deps.sender.send({
          to: await deps.cipher.open(patient.phoneSealed),
          channel: patient.channel,
          code,
          ...courseCodeMessage(patient.language, {
            code,
            validSeconds: config.HOLD_TTL_SECONDS,
            doctorName: doctor.name,
            sessions: sessions.length,
          }),
        });
      } catch (err) {
        await courses.releaseHolds(course);
        await setStatus(course, "failed").catch(() => {});
        throw err;
      }
      return courseView(course);
    },

    async confirm(user: AuthUser, id: string, code: string) {
      const course = await ownCourse(user, id);
      if (course.status === "confirmed") return await currentView(course);
      if (course.status !== "held") {
        throw new ConflictError("invalid_state", `Course ${id} is ${course.status}`);
      }
      if (course.expiresAtMs <= now()) {
        throw new HoldExpiredError("The course hold has expired; hold it again");
      }
      // The check is counted before the code is compared, so a burst of simultaneous guesses
      // cannot compare more than OTP_MAX_ATTEMPTS of them (as for login and hold codes).
      const counted = await reserveAttempt(course);
      if (counted.status === "confirmed") return await currentView(counted);
      if ((await records.doctors.get(course.doctorId))?.deactivatedAt) {
        // Deactivated since the course was held: nothing of it is booked, nor left held.
        await courses.releaseHolds(course);
        await settle(counted, "failed").catch(() => {});
        throw new DoctorInactiveError(course.doctorId);
      }
      const candidate = await hash.hash("hold_code", `course:${course.id}:${code}`);
      if (!hash.equal(candidate, course.codeHash)) throw new InvalidCodeError();
      const nowMs = now();
      const sessionHolds = course.sessions.map((s) => sessionHold(course, s));
      const changes = sessionHolds.map((h, session) =>
        confirmFromHold(h, { reasonSealed: null, online: false }, user, nowMs, {
          course: { id: course.id, session },
          reminders: reminderPolicyFrom(config),
        })
      );
      let booked: AppointmentRecord[];
      try {
        booked = await deps.writer.writeAll(changes, {
          step: "course_confirm",
          consumes: sessionHolds,
        });
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
        await courses.releaseHolds(course);
        await settle(counted, "failed").catch(() => {});
        throw new ConflictError(
          "course_unavailable",
          "A session could not be booked; none of the course was booked",
        );
      }
      // The sessions as just booked (a retried course's as stored): no need to read them again.
      return courseView(await settle(counted, "confirmed"), booked);
    },

    async cancel(user: AuthUser, id: string) {
      const course = await ownCourse(user, id);
      if (course.status === "held") {
        await courses.releaseHolds(course);
        return courseView(await setStatus(course, "cancelled"));
      }
      if (course.status !== "confirmed") return await currentView(course);
      const cutoffMs = now() + config.CANCEL_CUTOFF_MINUTES * 60_000;
      const kept: string[] = [];
      let told = false;
      for (const [session, s] of course.sessions.entries()) {
        const a = await records.appointments.get(s.appointmentId);
        if (!a || a.status !== "confirmed") continue;
        if (a.startMs <= cutoffMs) {
          kept.push(a.start);
          continue;
        }
        // One message for the course, on the first session cancelled (as its confirmation).
        await deps.booking.cancel(user, a.id, undefined, {
          course: { id: course.id, session, notice: !told },
        });
        told = true;
      }
      const cancelled = await currentView(await setStatus(course, "cancelled"));
      return { ...cancelled, keptSessions: kept };
    },

    async get(user: AuthUser, id: string) {
      return await currentView(await ownCourse(user, id));
    },
  };
}

export type CourseService = ReturnType<typeof createCourseService>;
