/**
 * The signalling relay of video rooms, in process memory: one room per appointment with at most
 * two seats, `patient` and `doctor`. A seat is reserved at admission (before the WebSocket
 * upgrade, so two racing connections cannot both get it) and freed when its socket closes; a
 * second connection of a taken role is refused, never a takeover. Text frames up to
 * `maxMessageBytes` holding a JSON object with a string `type` are relayed verbatim to the other
 * seat; the hub adds `joined`, `peer-joined` and `peer-left` notices and closes every socket when
 * the room's window ends. It never reads or logs what peers send (SDP carries addresses).
 * Several instances need a shared relay (e.g. Redis pub/sub) or sticky routing by appointment id.
 */
import type { Logger } from "../observability/logger.ts";
import type { RoomRole } from "./room_tokens.ts";

/** What the hub needs of a WebSocket (hono's WSContext fits). */
export interface RoomSocket {
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface Seat {
  readonly role: RoomRole;
  open(socket: RoomSocket): void;
  receive(data: unknown): void;
  leave(): void;
}

export interface RoomAdmission {
  appointmentId: string;
  role: RoomRole;
  /** When the room's window ends, on the room clock. */
  closesAtMs: number;
}

export interface RoomHubOptions {
  log: Logger;
  /** The room clock (app clock plus the test-only offset). */
  now: () => number;
  maxMessageBytes?: number;
  /** A reserved seat whose socket never opens is freed after this long. */
  openTimeoutMs?: number;
}

/** Notices the hub sends; a peer may not send these types itself. */
const RESERVED_TYPES = new Set(["joined", "peer-joined", "peer-left", "error", "room-closed"]);
export const CLOSE_ROOM_ENDED = 4000;
export const CLOSE_TOO_BIG = 1009;

type Timer = ReturnType<typeof setTimeout>;

interface SeatState {
  socket: RoomSocket | null;
  openTimer?: Timer;
}

interface Room {
  seats: Map<RoomRole, SeatState>;
  endTimer: Timer;
}

const other = (role: RoomRole): RoomRole => role === "patient" ? "doctor" : "patient";

function isSignal(text: string): boolean {
  try {
    const value = JSON.parse(text);
    return value !== null && typeof value === "object" && !Array.isArray(value) &&
      typeof value.type === "string" && value.type.length > 0 && value.type.length <= 64 &&
      !RESERVED_TYPES.has(value.type);
  } catch {
    return false;
  }
}

export function createRoomHub(options: RoomHubOptions) {
  const maxBytes = options.maxMessageBytes ?? 64 * 1024;
  const openTimeoutMs = options.openTimeoutMs ?? 15_000;
  const rooms = new Map<string, Room>();
  const encoder = new TextEncoder();

  function sendTo(state: SeatState | undefined, message: Record<string, unknown>) {
    state?.socket?.send(JSON.stringify(message));
  }

  function endRoom(appointmentId: string) {
    const room = rooms.get(appointmentId);
    if (!room) return;
    rooms.delete(appointmentId);
    clearTimeout(room.endTimer);
    for (const state of room.seats.values()) {
      clearTimeout(state.openTimer);
      sendTo(state, { type: "room-closed" });
      state.socket?.close(CLOSE_ROOM_ENDED, "room closed");
    }
  }

  return {
    /** A seat in the room, or null when that role's seat is taken. */
    reserve(admission: RoomAdmission): Seat | null {
      const { appointmentId, role } = admission;
      const existing = rooms.get(appointmentId);
      if (existing?.seats.has(role)) return null;
      const current: Room = existing ?? {
        seats: new Map(),
        endTimer: setTimeout(
          () => endRoom(appointmentId),
          Math.min(Math.max(0, admission.closesAtMs - options.now()), 2 ** 31 - 1),
        ),
      };
      rooms.set(appointmentId, current);
      const state: SeatState = { socket: null };
      current.seats.set(role, state);
      const seat: Seat = {
        role,
        open(socket) {
          clearTimeout(state.openTimer);
          if (current.seats.get(role) !== state) {
            return socket.close(CLOSE_ROOM_ENDED, "room closed");
          }
          state.socket = socket;
          const peer = current.seats.get(other(role));
          sendTo(state, { type: "joined", role, peer: peer?.socket ? other(role) : null });
          sendTo(peer, { type: "peer-joined", role });
        },
        receive(data) {
          if (!state.socket) return;
          if (typeof data !== "string") {
            return sendTo(state, { type: "error", code: "bad_message", detail: "text only" });
          }
          if (data.length > maxBytes || encoder.encode(data).length > maxBytes) {
            return state.socket.close(CLOSE_TOO_BIG, `messages are limited to ${maxBytes} bytes`);
          }
          if (!isSignal(data)) {
            return sendTo(state, {
              type: "error",
              code: "bad_message",
              detail: "send a JSON object with a string `type` (not a notice type)",
            });
          }
          const peer = current.seats.get(other(role));
          if (!peer?.socket) return sendTo(state, { type: "error", code: "no_peer" });
          peer.socket.send(data);
        },
        leave() {
          clearTimeout(state.openTimer);
          if (current.seats.get(role) !== state) return;
          current.seats.delete(role);
          const wasOpen = state.socket !== null;
          state.socket = null;
          if (wasOpen) sendTo(current.seats.get(other(role)), { type: "peer-left", role });
          if (current.seats.size === 0 && rooms.get(appointmentId) === current) {
            clearTimeout(current.endTimer);
            rooms.delete(appointmentId);
          }
        },
      };
      state.openTimer = setTimeout(() => {
        if (!state.socket) {
          options.log.warn("room seat never opened; freed", { role });
          seat.leave();
        }
      }, openTimeoutMs);
      return seat;
    },

    isTaken(admission: RoomAdmission): boolean {
      return rooms.get(admission.appointmentId)?.seats.has(admission.role) ?? false;
    },

    /** How many rooms have at least one seat taken. */
    activeRooms(): number {
      return rooms.size;
    },

    /** Closes every room (shutdown). */
    closeAll() {
      for (const id of [...rooms.keys()]) endRoom(id);
    },
  };
}

export type RoomHub = ReturnType<typeof createRoomHub>;
