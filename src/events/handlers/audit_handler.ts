/**
 * Appends the audit entry of an appointment change. The entry travels as an `audit.entry` outbox
 * record in the change's own commit, so the change is never stored without it, and the chain's
 * single head key is touched here, by the relay, not by every booking commit: throughput on one
 * doctor's calendar never waits for another doctor's audit entry.
 */
import type { AuditAction } from "../../audit/audit_chain.ts";
import type { AuditLog } from "../../audit/audit_log.ts";
import { type EventHandler, MARKED_DONE, SUBSCRIPTIONS } from "../event_types.ts";

export function auditHandler(audit: AuditLog): EventHandler {
  return {
    name: "audit.append",
    events: SUBSCRIPTIONS["audit.append"],
    async handle(event, ctx) {
      const d = event.data;
      if (!d.action || !d.actorId || !d.actorRole) return;
      // The entry and this delivery's done mark land in one commit: never appended twice.
      await audit.append({
        actorId: d.actorId,
        actorRole: d.actorRole,
        action: d.action as AuditAction,
        appointmentId: d.appointmentId ?? null,
        patientId: d.patientId ?? null,
        doctorId: d.doctorId ?? null,
        ...(d.previousStatus ? { fromStatus: d.previousStatus, toStatus: d.status } : {}),
      }, ctx.markDone);
      return MARKED_DONE;
    },
  };
}
