/**
 * Video rooms of online appointments: who may join (the appointment's patient or its doctor,
 * anyone else gets a 404 like every other appointment route), when (the window of
 * domain/room_window.ts on the room clock), room tokens to join with, and admission of a
 * WebSocket connection, which checks the token and the appointment again at connect time and
 * takes a seat in the relay (room_hub.ts). It never logs tokens.
 */
import type { AuthUser } from "../auth/token_service.ts";
import { roomWindow, roomWindowState } from "../domain/room_window.ts";
import { ConflictError, ForbiddenError, NotFoundError, UnauthenticatedError } from "../errors.ts";
import type { RecordStores } from "../stores/ports.ts";
import type { AppointmentRecord } from "../stores/records.ts";
import type { Logger } from "../observability/logger.ts";
import { type PatientLanguage, patientLanguage } from "../i18n/patient_templates.ts";
import { createKvRoomSignalStore } from "../stores/kv/room_signal_store.ts";
import { createIceServers, type IceServer, type IceServers, isTurnUrl } from "./ice_servers.ts";
import { createRoomHub, type RoomAdmission, type RoomHub, type Seat } from "./room_hub.ts";
import {
  createRoomTokens,
  ROOM_TOKEN_MAX_TTL_MS,
  type RoomRole,
  type RoomTokens,
} from "./room_tokens.ts";

/** 409 `room_closed`, with the window as extension members `opensAt` and `closesAt`. */
export class RoomClosedError extends ConflictError {
  override name = "RoomClosedError";
  readonly extensions: { opensAt: string; closesAt: string };
  constructor(detail: string, opensAtMs: number, closesAtMs: number) {
    super("room_closed", detail);
    this.extensions = {
      opensAt: new Date(opensAtMs).toISOString(),
      closesAt: new Date(closesAtMs).toISOString(),
    };
  }
}

export interface RoomServiceDeps {
  records: RecordStores;
  tokens: RoomTokens;
  hub: RoomHub;
  iceServers: IceServers;
  /** The app clock; room tokens expire on it. */
  now: () => number;
  /** Test-only shift of the room clock (config ROOM_CLOCK_OFFSET_MS). */
  clockOffsetMs?: number;
}

export interface RoomTicket {
  token: string;
  expiresAt: string;
  appointmentId: string;
  role: RoomRole;
  opensAt: string;
  closesAt: string;
  /** Where to connect, with `?token=` added. */
  wsPath: string;
  /** For `RTCPeerConnection`: STUN/TURN URLs, TURN ones with short-lived credentials. */
  iceServers: IceServer[];
  /** The patient's language (the patient's room page switches to it). */
  language?: PatientLanguage;
}

function refusal(a: RoomAdmission, why: "seat_taken" | "token_used"): Error {
  if (why === "token_used") {
    return new UnauthenticatedError("This room token was used already; ask for a new one");
  }
  return new ConflictError(
    "room_full",
    `The ${a.role} of appointment ${a.appointmentId} is already in the room`,
  );
}

export function createRoomService(deps: RoomServiceDeps) {
  const { records, tokens, hub, now, iceServers } = deps;
  const roomNow = () => now() + (deps.clockOffsetMs ?? 0);

  function roleIn(a: AppointmentRecord, user: AuthUser): RoomRole | null {
    if (user.role === "patient" && a.patientId === user.id) return "patient";
    if (user.role === "doctor" && a.doctorId === user.id) return "doctor";
    return null;
  }

  async function languageOf(patientId: string): Promise<PatientLanguage | undefined> {
    const patient = await records.patients.get(patientId);
    return patient ? patientLanguage(patient.language) : undefined;
  }

  /** The appointment and the user's role in it, once the room is open; else the refusal. */
  async function joinable(user: AuthUser, appointmentId: string) {
    const a = await records.appointments.get(appointmentId);
    const role = a ? roleIn(a, user) : null;
    if (!a || !role) throw new NotFoundError(`Appointment ${appointmentId} does not exist`);
    if (a.online !== true) {
      throw new ConflictError("not_online", `Appointment ${appointmentId} is not a video visit`);
    }
    if (a.status === "cancelled" || a.status === "no_show") {
      throw new ConflictError(
        "invalid_state",
        `Appointment ${appointmentId} is ${a.status}; its room does not open`,
      );
    }
    const window = roomWindow(a.startMs, a.endMs);
    const state = roomWindowState(window, roomNow());
    const opens = new Date(window.opensAtMs).toISOString();
    const closes = new Date(window.closesAtMs).toISOString();
    if (state === "early") {
      throw new RoomClosedError(
        `The room opens at ${opens}, 10 minutes before the start`,
        window.opensAtMs,
        window.closesAtMs,
      );
    }
    if (state === "closed") {
      throw new RoomClosedError(
        `The room closed at ${closes}, 30 minutes after the end`,
        window.opensAtMs,
        window.closesAtMs,
      );
    }
    return { appointment: a, role, window };
  }

  return {
    /** A room token for the appointment's patient or doctor while its room is open. */
    async issueToken(user: AuthUser, appointmentId: string): Promise<RoomTicket> {
      const { appointment, role, window } = await joinable(user, appointmentId);
      const nowMs = now();
      const untilClose = window.closesAtMs - roomNow();
      const expiresAtMs = nowMs + Math.min(ROOM_TOKEN_MAX_TTL_MS, untilClose);
      const token = await tokens.sign({ userId: user.id, role, appointmentId, expiresAtMs }, nowMs);
      return {
        token,
        expiresAt: new Date(Math.floor(expiresAtMs / 1000) * 1000).toISOString(),
        appointmentId,
        role,
        opensAt: new Date(window.opensAtMs).toISOString(),
        closesAt: new Date(window.closesAtMs).toISOString(),
        wsPath: `/v1/rooms/${encodeURIComponent(appointmentId)}/ws`,
        iceServers: await iceServers(user.id, nowMs),
        language: await languageOf(appointment.patientId),
      };
    },

    /**
     * Checks a connection before its upgrade: a valid token for this appointment, the holder
     * still its patient or doctor, the room still open, that role's seat free and the token
     * never used before.
     */
    async admit(appointmentId: string, token: string): Promise<RoomAdmission> {
      const claims = await tokens.verify(token, now());
      if (claims.appointmentId !== appointmentId) {
        throw new ForbiddenError("This room token is for another appointment");
      }
      const user: AuthUser = { id: claims.userId, role: claims.role };
      const { role, window } = await joinable(user, appointmentId).catch((err) => {
        if (err instanceof NotFoundError) throw new ForbiddenError("This room is not yours");
        throw err;
      });
      const admission: RoomAdmission = {
        appointmentId,
        role,
        closesAtMs: window.closesAtMs,
        tokenId: claims.tokenId,
        tokenExpiresAtMs: claims.expiresAtMs,
      };
      const why = await hub.refusal(admission);
      if (why) throw refusal(admission, why);
      return admission;
    },

    /** Takes the admitted seat and spends the token (refused if a racing connection won). */
    async take(admission: RoomAdmission): Promise<Seat> {
      const seat = await hub.take(admission);
      if (typeof seat === "string") throw refusal(admission, seat);
      return seat;
    },

    localSockets: () => hub.localSockets(),
    close: () => hub.closeAll(),
  };
}

export type RoomService = ReturnType<typeof createRoomService>;

/**
 * Builds the room service with its token key, its relay through the shared KV and its ICE
 * servers (called by bootstrap.ts). Warns in production when no TURN server is configured.
 */
export async function openRoomService(options: {
  records: RecordStores;
  kv: Deno.Kv;
  hmacSecret: string;
  issuer: string;
  turn: { urls: string[]; secret?: string; ttlSeconds: number };
  production: boolean;
  log: Logger;
  now: () => number;
  clockOffsetMs: number;
}): Promise<RoomService> {
  const { now, clockOffsetMs, log } = options;
  if (options.production && !options.turn.urls.some(isTurnUrl)) {
    log.warn(
      "video rooms: no TURN server (TURN_URLS); peers behind carrier NATs will not connect",
    );
  }
  return createRoomService({
    records: options.records,
    tokens: await createRoomTokens(options.hmacSecret, options.issuer),
    hub: createRoomHub({
      signals: createKvRoomSignalStore(options.kv, now),
      log,
      now: () => now() + clockOffsetMs,
    }),
    iceServers: await createIceServers(options.turn),
    now,
    clockOffsetMs,
  });
}
