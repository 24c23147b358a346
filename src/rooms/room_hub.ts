/**
 * The signalling relay of video rooms, through the shared store (room_signal_store.ts), so the
 * two peers may be connected to different instances: one room per appointment with at most two
 * seats, `patient` and `doctor`. A seat is leased in KV at admission (before the WebSocket
 * upgrade, so two racing connections on any instances cannot both get it) together with spending
 * the room token, renewed while the socket lives and released when it closes; a second connection
 * of a taken role is refused, never a takeover. Text frames up to `maxMessageBytes` holding a JSON
 * object with a string `type` are appended verbatim to the other seat's inbox, at most
 * `ratePerSecond` (burst `burst`) per socket; every frame, binary ones too, counts against both
 * limits (an oversized one closes the socket); the instance holding that seat watches its inbox and
 * relays to its socket. The hub adds `joined`, `peer-joined` and `peer-left` notices and closes
 * its sockets when the room's window ends. Only the sockets themselves live in this process.
 * It never reads or logs what peers send (SDP carries addresses).
 */
import type { Logger } from "../observability/logger.ts";
import type { RoomSignalStore, SeatRef } from "../stores/kv/room_signal_store.ts";
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
  /** Frees the seat in the store and tells the peer; resolves when both are written. */
  leave(): Promise<void>;
}

export interface RoomAdmission {
  appointmentId: string;
  role: RoomRole;
  /** When the room's window ends, on the room clock. */
  closesAtMs: number;
  /** The room token's id (jti) and expiry: a token admits one connection only. */
  tokenId: string;
  tokenExpiresAtMs: number;
}

export interface RoomHubOptions {
  signals: RoomSignalStore;
  log: Logger;
  /** The room clock (app clock plus the test-only offset). */
  now: () => number;
  maxMessageBytes?: number;
  /** A reserved seat whose socket never opens is free again after this long. */
  openTimeoutMs?: number;
  /** A live socket renews its seat this often; a seat not renewed for 3 periods is free. */
  renewEveryMs?: number;
  /** Signals a socket may send per second, and in one burst. */
  ratePerSecond?: number;
  burst?: number;
}

/** Notices the hub sends; a peer may not send these types itself. */
const RESERVED_TYPES = new Set(["joined", "peer-joined", "peer-left", "error", "room-closed"]);
export const CLOSE_ROOM_ENDED = 4000;
export const CLOSE_SEAT_LOST = 4001;
export const CLOSE_SIGNALLING_LOST = 4002;
export const CLOSE_TOO_BIG = 1009;

/**
 * The largest signal relayed, in UTF-8 bytes. A signal is stored as a KV value (64 KiB at most,
 * V8-serialised: one byte per character for Latin-1 text, two for any other), and a UTF-8 byte
 * count is never below the UTF-16 length, so 32,000 bytes fit whatever the text; with 64 KB a
 * signal near the limit (or of ~33 K characters with one outside Latin-1) failed to store and was
 * silently dropped, neither relayed nor refused. An SDP offer is a few KB.
 */
export const MAX_SIGNAL_BYTES = 32_000;

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

/** A frame's size in bytes: a string's UTF-8 length, a binary frame's length. */
function byteSize(data: unknown, maxBytes: number, encoder: TextEncoder): number {
  if (typeof data === "string") {
    return data.length > maxBytes ? data.length : encoder.encode(data).length;
  }
  if (data instanceof Blob) return data.size;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength;
  return 0;
}

export type TakeResult = Seat | "seat_taken" | "token_used";

export function createRoomHub(options: RoomHubOptions) {
  const { signals, log } = options;
  const maxBytes = options.maxMessageBytes ?? MAX_SIGNAL_BYTES;
  const openTimeoutMs = options.openTimeoutMs ?? 15_000;
  const renewEveryMs = options.renewEveryMs ?? 10_000;
  const ratePerSecond = options.ratePerSecond ?? 20;
  const burst = options.burst ?? 60;
  const encoder = new TextEncoder();
  /** Sockets of this process, to close at shutdown. */
  const local = new Map<Seat, RoomSocket>();

  const fail = (what: string) => (err: unknown) =>
    log.warn(`room relay: ${what} failed`, { error: String(err) });

  return {
    /** Leases the admitted seat and spends its token; the refusal when either is taken. */
    async take(admission: RoomAdmission): Promise<TakeResult> {
      const { appointmentId, role } = admission;
      const connId = crypto.randomUUID();
      const mine: SeatRef = { appointmentId, role };
      const theirs: SeatRef = { appointmentId, role: other(role) };
      const taken = await signals.takeSeat(mine, connId, openTimeoutMs, {
        id: admission.tokenId,
        expiresAtMs: admission.tokenExpiresAtMs,
      });
      if (taken !== "ok") return taken;

      let socket: RoomSocket | null = null;
      let left = false;
      let watch: ReadableStreamDefaultReader<unknown> | null = null;
      let renewTimer: ReturnType<typeof setInterval> | undefined;
      let endTimer: ReturnType<typeof setTimeout> | undefined;
      // Signals are appended one at a time, in the order they arrived.
      let outgoing: Promise<void> = Promise.resolve();
      let tokens = burst;
      let lastRefill = Date.now();
      let peerOpen = false;
      /** How many peer-joined and peer-left notices the inbox watch has relayed. */
      let peerNotices = 0;

      const peerJoinedNotice = JSON.stringify({ type: "peer-joined", role: other(role) });
      const peerLeftNotice = JSON.stringify({ type: "peer-left", role: other(role) });
      const send = (message: Record<string, unknown>) => socket?.send(JSON.stringify(message));
      const notifyPeer = (message: Record<string, unknown>) =>
        signals.append(theirs, JSON.stringify(message)).catch(fail("notice"));

      function allow(): boolean {
        const t = Date.now();
        tokens = Math.min(burst, tokens + ((t - lastRefill) / 1000) * ratePerSecond);
        lastRefill = t;
        if (tokens < 1) return false;
        tokens -= 1;
        return true;
      }

      async function relayInbox(fromSeq: number) {
        let seen = fromSeq;
        watch = signals.watchHead(mine).getReader();
        while (!left) {
          const next = await watch.read();
          if (next.done || left) break;
          const { seq, texts } = await signals.readSince(mine, seen);
          seen = seq;
          for (const text of texts) {
            if (left) break;
            // The hub's own notices, by their exact text: a peer may not send these types (see
            // RESERVED_TYPES), but its signal may begin like one and parse as another type
            // (JSON.parse keeps a duplicate key's last value).
            const joined = text === peerJoinedNotice;
            if (joined || text === peerLeftNotice) {
              peerOpen = joined;
              peerNotices++;
            }
            socket?.send(text);
          }
        }
      }

      const seat: Seat = {
        role,
        open(ws) {
          if (left) return ws.close(CLOSE_ROOM_ENDED, "room closed");
          socket = ws;
          local.set(seat, ws);
          endTimer = setTimeout(() => {
            send({ type: "room-closed" });
            socket?.close(CLOSE_ROOM_ENDED, "room closed");
            seat.leave();
          }, Math.min(Math.max(0, admission.closesAtMs - options.now()), 2 ** 31 - 1));
          const renew = async () => {
            if (!(await signals.renewSeat(mine, connId, renewEveryMs * 3)) && !left) {
              send({ type: "error", code: "seat_lost" });
              socket?.close(CLOSE_SEAT_LOST, "seat lost");
              seat.leave();
            }
          };
          renewTimer = setInterval(() => renew().catch(fail("seat renewal")), renewEveryMs);
          (async () => {
            await renew();
            const fromSeq = await signals.headSeq(mine);
            relayInbox(fromSeq).catch((err) => {
              if (left) return;
              // The store went away under the watch (e.g. denokv restarting): a deaf socket is
              // worse than none, so close it; the page reconnects with a new token.
              fail("inbox watch")(err);
              socket?.close(CLOSE_SIGNALLING_LOST, "signalling interrupted; reconnect");
              seat.leave();
            });
            // The inbox watch may see the peer join (or leave) while this read is out; what it
            // saw is newer than the read, so the read counts only if it saw nothing meanwhile.
            const noticesBefore = peerNotices;
            const peerSeated = await signals.seatTaken(theirs, true);
            if (peerNotices === noticesBefore) peerOpen = peerSeated;
            send({ type: "joined", role, peer: peerOpen ? other(role) : null });
            await notifyPeer({ type: "peer-joined", role });
          })().catch(fail("join"));
        },
        receive(data) {
          if (!socket || left) return;
          // Binary frames count against the size and rate limits too, before they are refused.
          if (byteSize(data, maxBytes, encoder) > maxBytes) {
            socket.close(CLOSE_TOO_BIG, `messages are limited to ${maxBytes} bytes`);
            return seat.leave();
          }
          if (!allow()) {
            return send({
              type: "error",
              code: "rate_limited",
              detail: `at most ${ratePerSecond} messages a second`,
            });
          }
          if (typeof data !== "string") {
            return send({ type: "error", code: "bad_message", detail: "text only" });
          }
          if (!isSignal(data)) {
            return send({
              type: "error",
              code: "bad_message",
              detail: "send a JSON object with a string `type` (not a notice type)",
            });
          }
          if (!peerOpen) return send({ type: "error", code: "no_peer" });
          outgoing = outgoing.then(() => signals.append(theirs, data)).catch(fail("relay"));
        },
        leave() {
          if (left) return Promise.resolve();
          left = true;
          local.delete(seat);
          clearInterval(renewTimer);
          clearTimeout(endTimer);
          watch?.cancel().catch(() => {});
          const wasOpen = socket !== null;
          socket = null;
          return (async () => {
            await outgoing;
            await signals.releaseSeat(mine, connId);
            if (wasOpen) await notifyPeer({ type: "peer-left", role });
          })().catch(fail("leave"));
        },
      };
      return seat;
    },

    /** Whether a live connection holds the admitted seat, or its token was spent. */
    async refusal(admission: RoomAdmission): Promise<"seat_taken" | "token_used" | null> {
      if (await signals.tokenUsed(admission.tokenId)) return "token_used";
      const seat = { appointmentId: admission.appointmentId, role: admission.role };
      return (await signals.seatTaken(seat)) ? "seat_taken" : null;
    },

    /** How many sockets this process holds. */
    localSockets(): number {
      return local.size;
    },

    /** Closes this process's sockets (shutdown) and releases their seats in the store. */
    async closeAll() {
      const leaving = [...local].map(([seat, socket]) => {
        socket.close(1001, "server shutting down");
        return seat.leave();
      });
      await Promise.all(leaving);
    },
  };
}

export type RoomHub = ReturnType<typeof createRoomHub>;
