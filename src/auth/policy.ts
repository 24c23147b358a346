/**
 * Who may call what: the one role policy table used by every authenticated route. Record-level
 * ownership (a patient's own appointments, a doctor's own day) is enforced by the services.
 */
import type { Role } from "./token_service.ts";

export const POLICY = {
  "auth.logout": ["patient", "doctor", "admin"],
  "sessions.list": ["patient", "doctor", "admin"],
  "sessions.revoke": ["patient", "doctor", "admin"],
  "me.read": ["patient"],
  "me.update": ["patient"],
  "me.erase": ["patient"],
  "doctors.create": ["admin"],
  "doctors.update": ["admin"],
  "doctors.list": ["admin"],
  "doctors.setAvailability": ["doctor", "admin"],
  "holds.create": ["patient"],
  "holds.confirm": ["patient"],
  "holds.release": ["patient"],
  "appointments.list": ["patient", "doctor"],
  "appointments.get": ["patient", "doctor", "admin"],
  "appointments.cancel": ["patient", "doctor"],
  "appointments.reschedule": ["patient"],
  "appointments.update": ["doctor", "admin"],
  "rooms.join": ["patient", "doctor"],
  "waitlist.join": ["patient"],
  "waitlist.list": ["patient"],
  "waitlist.leave": ["patient"],
  "audit.read": ["admin"],
  "webhooks.manage": ["admin"],
  "deliveries.read": ["admin"],
  "courses.create": ["patient"],
  "courses.confirm": ["patient"],
  "courses.cancel": ["patient"],
  "courses.get": ["patient", "doctor", "admin"],
  "prakriti.assess": ["patient"],
  "fhir.appointments": ["patient", "doctor"],
  "fhir.patient": ["patient"],
} as const satisfies Record<string, readonly Role[]>;

export type Action = keyof typeof POLICY;

export function allowedRoles(action: Action): readonly Role[] {
  return POLICY[action];
}
