/** The public shape of a therapy course: no code hash, no attempt counter, ISO times only. */
import type { CourseRecord } from "../stores/kv/course_store.ts";

export interface CourseView {
  id: string;
  doctorId: string;
  status: CourseRecord["status"];
  expiresAt: string;
  sessions: { start: string; end: string; appointmentId: string }[];
}

export function courseView(c: CourseRecord): CourseView {
  return {
    id: c.id,
    doctorId: c.doctorId,
    status: c.status,
    expiresAt: new Date(c.expiresAtMs).toISOString(),
    sessions: c.sessions.map((s) => ({
      start: s.start,
      end: s.end,
      appointmentId: s.appointmentId,
    })),
  };
}
