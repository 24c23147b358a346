/**
 * The events of the product and the envelope that carries one to one handler through the queue.
 * Events hold ids, instants and statuses only: never phones, names, reasons or notes, because they
 * are stored in KV queues, dead-letter lists and sent to clinics' webhooks.
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
  actorId?: string;
  actorRole?: string;
  reminder?: ReminderKind;
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
  /** Not to be handled before this instant (delays longer than the queue allows hop). */
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

export interface HandlerContext {
  now: number;
  attempt: number;
  maxAttempts: number;
}

/** A subscriber: acts on some event types; throwing asks for a retry with backoff. */
export interface EventHandler {
  name: string;
  events: readonly EventType[];
  handle(event: VaidyaEvent, ctx: HandlerContext): Promise<void>;
}
