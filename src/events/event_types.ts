/**
 * The events of the product and the envelope that carries one to one handler through the outbox.
 * Events hold ids, instants and statuses only: never phones, names, reasons or notes, because they
 * are stored in the outbox, dead-letter lists and sent to clinics' webhooks.
 */

/** Events clinics can subscribe to with webhooks. */
export const PUBLIC_EVENT_TYPES = [
  "appointment.confirmed",
  "appointment.cancelled",
  "appointment.rescheduled",
  "appointment.completed",
  "appointment.no_show",
  "hold.expired",
  "slot.released",
] as const;

/** Work items the product schedules for itself; never sent to webhooks. */
export const INTERNAL_EVENT_TYPES = [
  "audit.entry",
  "doctor.updated",
  "hold.expiry_due",
  "reminder.due",
  "webhook.delivery",
] as const;

export type PublicEventType = typeof PUBLIC_EVENT_TYPES[number];
export type EventType = PublicEventType | typeof INTERNAL_EVENT_TYPES[number];

export type ReminderKind = "24h" | "1h";

export interface EventData {
  appointmentId?: string;
  holdId?: string;
  doctorId?: string;
  patientId?: string;
  startMs?: number;
  endMs?: number;
  /** The start before a reschedule. */
  previousStartMs?: number;
  status?: string;
  /**
   * The appointment's version after the change the event tells of: events of one appointment
   * delivered out of order (each is retried on its own) are put back in order by it, whatever
   * the instances' clocks. Absent on events written before it was added.
   */
  version?: number;
  /**
   * A corrected outcome (appointment.completed / appointment.no_show, and its audit entry): the
   * status it had before. Absent on a first mark.
   */
  previousStatus?: string;
  actorId?: string;
  actorRole?: string;
  reminder?: ReminderKind;
  /** A session of a therapy course: the course and the session's index (0 = first). */
  courseId?: string;
  courseSession?: number;
  /**
   * false on the sessions of a course cancelled as a whole whose patient hears of it once, on
   * the cancellation's first session.
   */
  courseNotice?: boolean;
  /** audit.entry: the audited action (an AuditAction). */
  action?: string;
  /** webhook.delivery: the endpoint and the public event to deliver. */
  endpointId?: string;
  payload?: VaidyaEvent;
}

export interface VaidyaEvent {
  /** Unique per logical happening, so a re-published event is recognised as the same one. */
  id: string;
  type: EventType;
  occurredAtMs: number;
  data: EventData;
}

export const ENVELOPE_KIND = "vaidya.event";

/** One event on its way to one handler. */
export interface EventEnvelope {
  kind: typeof ENVELOPE_KIND;
  handler: string;
  event: VaidyaEvent;
  /** 0 for the first try. */
  attempt: number;
  /** Not to be handled before this instant: the outbox entry's due time. */
  notBeforeMs: number;
}

export function isEnvelope(value: unknown): value is EventEnvelope {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Partial<EventEnvelope>;
  return v.kind === ENVELOPE_KIND && typeof v.handler === "string" &&
    typeof v.attempt === "number" && typeof v.notBeforeMs === "number" &&
    typeof v.event?.id === "string" && typeof v.event?.type === "string";
}

export function isPublicEventType(type: string): type is PublicEventType {
  return (PUBLIC_EVENT_TYPES as readonly string[]).includes(type);
}

const OUTCOME_EVENT_TYPES: Record<string, PublicEventType> = {
  completed: "appointment.completed",
  no_show: "appointment.no_show",
};

/**
 * The event types whose webhook subscribers receive `event`: its own type, and for a corrected
 * outcome (completed ⇄ no_show, with `previousStatus`) also the previous status's type, so an
 * endpoint that acted on the first mark hears it was undone.
 */
export function webhookAudience(event: VaidyaEvent): PublicEventType[] {
  if (!isPublicEventType(event.type)) return [];
  const previous = event.data.previousStatus;
  const undone = previous === undefined ? undefined : OUTCOME_EVENT_TYPES[previous];
  const outcome = Object.values(OUTCOME_EVENT_TYPES).includes(event.type);
  return outcome && undone && undone !== event.type ? [event.type, undone] : [event.type];
}

export interface HandlerContext {
  now: number;
  attempt: number;
  maxAttempts: number;
  /**
   * Adds this delivery's done mark (and the removal of its outbox entry) to `op`. A handler whose
   * effect is one KV commit of its own puts the mark there and answers `MARKED_DONE` once that
   * commit has landed: effect and mark land together, so a crash between them cannot run it
   * twice, and no commit of the mark follows.
   */
  markDone(op: Deno.AtomicOperation): Deno.AtomicOperation;
}

/** What a handler answers when its own commit carried `HandlerContext.markDone`. */
export const MARKED_DONE = "marked_done";

/** A subscriber: acts on some event types; throwing asks for a retry with backoff. */
export interface EventHandler {
  name: string;
  events: readonly EventType[];
  handle(event: VaidyaEvent, ctx: HandlerContext): Promise<void | typeof MARKED_DONE>;
}

/** An event a state change causes, due now or at `atMs` (reminders, hold expiry checks). */
export interface ScheduledEvent {
  event: VaidyaEvent;
  atMs?: number;
}

/**
 * Which handler acts on which event type: static, so a writer can fan an event out to one outbox
 * entry per handler in the very commit that causes it. Each handler declares its `events` from
 * this table (src/events/handlers/), and the runtime refuses a handler missing from it.
 */
export const SUBSCRIPTIONS = {
  "patient.notice": ["appointment.confirmed", "appointment.cancelled", "appointment.rescheduled"],
  "reminders.send": ["reminder.due"],
  "audit.append": ["audit.entry"],
  "holds.expiry": ["hold.expiry_due"],
  "waitlist.notify": ["slot.released"],
  "webhooks.fanout": PUBLIC_EVENT_TYPES,
  "webhooks.deliver": ["webhook.delivery"],
  "calendar.announce": ["doctor.updated"],
} as const satisfies Record<string, readonly EventType[]>;

export type HandlerName = keyof typeof SUBSCRIPTIONS;

/** One envelope per subscribed handler, due at the event's `atMs`, else when it happened. */
export function envelopesOf(events: readonly ScheduledEvent[]): EventEnvelope[] {
  const out: EventEnvelope[] = [];
  for (const { event, atMs } of events) {
    for (const [handler, types] of Object.entries(SUBSCRIPTIONS)) {
      if (!(types as readonly string[]).includes(event.type)) continue;
      out.push({
        kind: ENVELOPE_KIND,
        handler,
        event,
        attempt: 0,
        notBeforeMs: atMs ?? event.occurredAtMs,
      });
    }
  }
  return out;
}
