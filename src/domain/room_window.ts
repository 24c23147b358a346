/**
 * When the video room of an online appointment is open: from 10 minutes before its start until
 * 30 minutes after its end. Pure: the caller passes the time (the room clock, see
 * src/rooms/room_service.ts), so the edges test without waiting.
 */

export const ROOM_OPENS_BEFORE_MS = 10 * 60_000;
export const ROOM_CLOSES_AFTER_MS = 30 * 60_000;

export interface RoomWindow {
  opensAtMs: number;
  closesAtMs: number;
}

export type RoomWindowState = "early" | "open" | "closed";

export function roomWindow(startMs: number, endMs: number): RoomWindow {
  if (!(endMs > startMs)) {
    throw new RangeError(`Cannot open a room for [${startMs}, ${endMs}): it ends before it starts`);
  }
  return { opensAtMs: startMs - ROOM_OPENS_BEFORE_MS, closesAtMs: endMs + ROOM_CLOSES_AFTER_MS };
}

/** `early` before the opening instant, `open` from it up to (not including) the closing one. */
export function roomWindowState(window: RoomWindow, nowMs: number): RoomWindowState {
  if (nowMs < window.opensAtMs) return "early";
  if (nowMs >= window.closesAtMs) return "closed";
  return "open";
}
