/**
 * The public shape of a therapy course: no code hash, no attempt counter, ISO times only. Each
 * session of a booked course shows its appointment as it is now (moved or cancelled on its own).
 */
import type { CourseRecord } from "../stores/kv/course_store.ts";
import type { AppointmentRecord, AppointmentStatus } from "../stores/records.ts";

export interface CourseView {
  id: string;
  doctorId: string;
  status: CourseRecord["status"];
  expiresAt: string;
  sessions: { start: string; end: string; appointmentId: string; status?: AppointmentStatus }[];
}

/** `booked`: the sessions' appointments as read now, by index (null where none was booked). */
export function courseView(
  c: CourseRecord,
  booked: (AppointmentRecord | null)[] = [],
): CourseView {
  return {
    id: c.id,
    doctorId: c.doctorId,
    status: c.status,
    expiresAt: new Date(c.expiresAtMs).toISOString(),
    sessions: c.sessions.map((s, i) => {
      const a = booked[i];
      if (!a) return { start: s.start, end: s.end, appointmentId: s.appointmentId };
      return { start: a.start, end: a.end, appointmentId: s.appointmentId, status: a.status };
    }),
  };
}
