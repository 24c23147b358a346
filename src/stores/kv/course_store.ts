/**
 * Therapy courses in Deno KV: one record under ["course", id] and, while it is held, one ordinary
 * hold per session (the same ["hold"], ["hold_cell"] and ["hold_by_doctor"] keys as hold_store.ts),
 * all written by ONE atomic commit that checks every cell of every session. Either the whole
 * course is held or nothing is written, and a concurrent single hold on any of those cells makes
 * one of the two commits fail. Course holds are not in the patient's ["patient_holds"] list: a
 * course counts once, by its own record, not per session.
 *
 * Deno KV allows 100 checks per atomic commit, so a course may cover at most 99 cells (e.g. 14
 * sessions of 30 minutes); the service refuses larger ones before calling `create`.
 */
import { SlotUnavailableError } from "../../errors.ts";
import { cellsOf } from "../records.ts";
import type { HoldRecord } from "./hold_store.ts";
import { commit, getManyChunked, withKvRetry } from "./kv_commit.ts";
import { courseKey, holdByDoctorKey, holdCellKey, holdKey } from "./keys.ts";

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

/** Checks left for cells after the one on the course key. */
export const MAX_COURSE_CELLS = 99;
const KEEP_EXPIRED_MS = 60 * 60 * 1000;

export interface CourseStore {
  /** Writes the course and all its holds atomically, or throws `SlotUnavailableError`. */
  create(course: CourseRecord, holds: HoldRecord[], nowMs: number): Promise<CourseRecord>;
  get(id: string): Promise<CourseRecord | null>;
  /** Compare-and-set on `version`; false when the stored course changed meanwhile. */
  update(next: CourseRecord): Promise<boolean>;
  /** Deletes the course's holds and frees their cells (safe to call twice). */
  releaseHolds(course: CourseRecord): Promise<void>;
}

export function cellCountOf(sessions: { startMs: number; endMs: number }[]): number {
  return sessions.reduce((n, s) => n + cellsOf(s.startMs, s.endMs).length, 0);
}

export function createKvCourseStore(kv: Deno.Kv): CourseStore {
  return {
    async create(course, holds, nowMs) {
      const cellKeys = holds.flatMap((h) =>
        cellsOf(h.startMs, h.endMs).map((c) => holdCellKey(h.doctorId, c))
      );
      if (cellKeys.length > MAX_COURSE_CELLS) {
        throw new RangeError(`Cannot hold ${cellKeys.length} cells in one commit`);
      }
      const ttl = course.expiresAtMs - nowMs;
      for (let attempt = 0; attempt < 5; attempt++) {
        const entries = await getManyChunked<{ holdId: string; expiresAtMs: number }>(
          kv,
          cellKeys,
        );
        const taken = entries.filter((e) => e.value && e.value.expiresAtMs > nowMs);
        if (taken.length > 0) {
          throw new SlotUnavailableError("A session of the course is held by someone else");
        }
        const holdOfCell = new Map<string, HoldRecord>();
        for (const h of holds) {
          for (const c of cellsOf(h.startMs, h.endMs)) holdOfCell.set(`${c}`, h);
        }
        const res = await commit(() => {
          const op = kv.atomic().check({ key: courseKey(course.id), versionstamp: null });
          for (const e of entries) {
            const h = holdOfCell.get(String(e.key[2]))!;
            op.check(e).set(e.key, { holdId: h.id, expiresAtMs: h.expiresAtMs }, {
              expireIn: ttl,
            });
          }
          for (const h of holds) {
            op.set(holdKey(h.id), h, { expireIn: ttl + KEEP_EXPIRED_MS }).set(
              holdByDoctorKey(h.doctorId, h.startMs, h.id),
              { holdId: h.id, expiresAtMs: h.expiresAtMs, startMs: h.startMs, endMs: h.endMs },
              { expireIn: ttl },
            );
          }
          return op.set(courseKey(course.id), course);
        });
        if (res.ok) return course;
      }
      throw new SlotUnavailableError("A session of the course is being held right now");
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
      for (const s of course.sessions) {
        const cellKeys = cellsOf(s.startMs, s.endMs).map((c) => holdCellKey(course.doctorId, c));
        for (let attempt = 0; attempt < 5; attempt++) {
          const entries = await getManyChunked<{ holdId: string }>(kv, cellKeys);
          const op = kv.atomic().delete(holdKey(s.holdId))
            .delete(holdByDoctorKey(course.doctorId, s.startMs, s.holdId));
          for (const e of entries) if (e.value?.holdId === s.holdId) op.check(e).delete(e.key);
          if ((await commit(() => op)).ok) break;
        }
      }
    },
  };
}
