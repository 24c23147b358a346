/**
 * Therapy courses in Deno KV: one record under ["course", id] and, while it is held, one ordinary
 * hold per session, written through the hold store (which owns the hold layout) in ONE commit on
 * the doctor's calendar version, with the course record alongside. Either the whole course is held
 * or nothing is written, and a concurrent single hold overlapping any session makes one of the
 * two commits fail. A course counts once in the patient's ["patient_holds"] list, as its first
 * session's hold (so it is dropped with the course's holds), not per session.
 *
 * A session is a few plain mutations (the calendar version is the one check); with
 * `KV_CELL_MARKS=true` (cell_marks.ts) every 5-minute cell is one more, so a course covers at most
 * MAX_COURSE_CELLS cells in all, which keeps its commits inside KV's 1000 mutations either way.
 */
import type { CourseStore } from "../ports.ts";
import type { HoldRecord, HoldStore } from "../ports.ts";
import { cellsOf } from "../records.ts";
import { commit, withKvRetry } from "./kv_commit.ts";
import { courseKey, keySpace } from "./keys.ts";

export type CourseStatus = "held" | "confirmed" | "cancelled" | "failed";

export interface CourseSession {
  holdId: string;
  appointmentId: string;
  start: string;
  end: string;
  startMs: number;
  endMs: number;
}

export interface CourseRecord {
  id: string;
  doctorId: string;
  patientId: string;
  sessions: CourseSession[];
  status: CourseStatus;
  expiresAtMs: number;
  /** HMAC of the one confirmation code, bound to the course id. */
  codeHash: string;
  attempts: number;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** 5-minute cells of all sessions together: with cell marks on, their keys stay well inside 1000 mutations. */
export const MAX_COURSE_CELLS = 600;

export type { CourseStore } from "../ports.ts";

export function cellCountOf(sessions: { startMs: number; endMs: number }[]): number {
  return sessions.reduce((n, s) => n + cellsOf(s.startMs, s.endMs).length, 0);
}

/** The hold of one session, as the hold store keeps it. */
export function sessionHold(course: CourseRecord, s: CourseSession): HoldRecord {
  return {
    id: s.holdId,
    doctorId: course.doctorId,
    patientId: course.patientId,
    start: s.start,
    end: s.end,
    startMs: s.startMs,
    endMs: s.endMs,
    expiresAtMs: course.expiresAtMs,
    codeHash: course.codeHash,
    attempts: course.attempts,
    createdAt: course.createdAt,
  };
}

export function createKvCourseStore(kv: Deno.Kv, holds: HoldStore): CourseStore {
  return {
    async create(course, sessionHolds, nowMs, maxActivePerPatient) {
      await holds.createGroup(sessionHolds, nowMs, {
        alongside: { key: courseKey(course.id), value: course },
        maxActivePerPatient,
      });
      return course;
    },

    async get(id) {
      return (await withKvRetry(() => kv.get<CourseRecord>(courseKey(id)))).value;
    },

    async update(next) {
      const entry = await withKvRetry(() => kv.get<CourseRecord>(courseKey(next.id)));
      if (!entry.value || entry.value.version !== next.version - 1) return false;
      const res = await commit(() => kv.atomic().check(entry).set(courseKey(next.id), next));
      return res.ok;
    },

    async releaseHolds(course) {
      await holds.remove(course.sessions.map((s) => sessionHold(course, s)));
    },

    async heldByPatient(patientId) {
      const held: CourseRecord[] = [];
      for await (const e of kv.list<CourseRecord>({ prefix: keySpace("course") })) {
        if (e.value.patientId === patientId && e.value.status === "held") held.push(e.value);
      }
      return held;
    },
  };
}
