/**
 * The shared state of video rooms in Deno KV, so a patient and a doctor connected to different
 * instances meet (issue 14): seat leases, one inbox per seat, and spent room tokens.
 *
 * | key                                  | value                         | expiry           |
 * | ------------------------------------ | ----------------------------- | ---------------- |
 * | ["room_seat", appointmentId, role]   | {connId, open, expiresAt}     | the lease        |
 * | ["room_head", appointmentId, role]   | {seq, expiresAt}              | 1 day            |
 * | ["room_signal", appointmentId, role, seq] | {text, expiresAt}        | 2 min            |
 * | ["room_token_used", tokenId]         | {expiresAt}                   | the token's life |
 *
 * A seat is leased by one connection (`connId`) and refreshed while its socket lives; a lapsed
 * lease (a crashed instance) is free even while KV still returns the expired value, because every
 * reader checks `expiresAt`. A signal for `role` is appended under the next `seq` of that role's
 * head in one commit checked on the head, and the instance holding that seat `watch`es the head and
 * lists what is new; watch may coalesce versions, the log does not. Values never hold more than the
 * signal text (SDP carries addresses, so nothing here is logged).
 */
import type { RoomSignalStore } from "../ports.ts";
import { commit, withKvRetry } from "./kv_commit.ts";
import {
  roomHeadKey,
  roomSeatKey,
  type RoomSeatRole,
  roomSignalKey,
  roomSignalPrefix,
  roomTokenUsedKey,
} from "./keys.ts";

interface SeatValue {
  connId: string;
  open: boolean;
  expiresAt: number;
}
interface HeadValue {
  seq: number;
  expiresAt: number;
}
interface SignalValue {
  text: string;
  expiresAt: number;
}

const HEAD_TTL_MS = 86_400_000;
export const SIGNAL_TTL_MS = 120_000;
const MAX_APPEND_TRIES = 20;

export type { RoomSignalStore } from "../ports.ts";

export interface SeatRef {
  appointmentId: string;
  role: RoomSeatRole;
}

export function createKvRoomSignalStore(
  kv: Deno.Kv,
  now: () => number = () => Date.now(),
): RoomSignalStore {
  const live = <T extends { expiresAt: number }>(value: T | null): value is T =>
    value !== null && value.expiresAt > now();
  const seatKey = (s: SeatRef) => roomSeatKey(s.appointmentId, s.role);
  const headKey = (s: SeatRef) => roomHeadKey(s.appointmentId, s.role);

  return {
    async takeSeat(seat, connId, leaseMs, token) {
      const [held, used] = await withKvRetry(() =>
        kv.getMany<[SeatValue, { expiresAt: number }]>([
          seatKey(seat),
          roomTokenUsedKey(token.id),
        ])
      );
      if (live(used.value)) return "token_used";
      if (live(held.value)) return "seat_taken";
      const tokenTtl = Math.max(1_000, token.expiresAtMs - now() + 60_000);
      const res = await commit(() =>
        kv.atomic()
          .check(held)
          .check(used)
          .set(seatKey(seat), { connId, open: false, expiresAt: now() + leaseMs } as SeatValue, {
            expireIn: leaseMs,
          })
          .set(roomTokenUsedKey(token.id), { expiresAt: now() + tokenTtl }, { expireIn: tokenTtl })
      );
      if (res.ok) return "ok";
      // A racing connection changed one of the two keys: say which.
      return (await this.tokenUsed(token.id)) ? "token_used" : "seat_taken";
    },

    async seatTaken(seat, openOnly = false) {
      const entry = await withKvRetry(() => kv.get<SeatValue>(seatKey(seat)));
      return live(entry.value) && (!openOnly || entry.value.open);
    },

    async tokenUsed(tokenId) {
      const entry = await withKvRetry(() =>
        kv.get<{ expiresAt: number }>(roomTokenUsedKey(tokenId))
      );
      return live(entry.value);
    },

    async renewSeat(seat, connId, leaseMs) {
      const entry = await withKvRetry(() => kv.get<SeatValue>(seatKey(seat)));
      if (!live(entry.value) || entry.value.connId !== connId) return false;
      const res = await commit(() =>
        kv.atomic().check(entry).set(
          seatKey(seat),
          { connId, open: true, expiresAt: now() + leaseMs } as SeatValue,
          { expireIn: leaseMs },
        )
      );
      return res.ok;
    },

    async releaseSeat(seat, connId) {
      const entry = await withKvRetry(() => kv.get<SeatValue>(seatKey(seat)));
      if (entry.value?.connId !== connId) return;
      await commit(() => kv.atomic().check(entry).delete(seatKey(seat)));
    },

    async headSeq(seat) {
      const entry = await withKvRetry(() => kv.get<HeadValue>(headKey(seat)));
      return live(entry.value) ? entry.value.seq : 0;
    },

    async append(seat, text) {
      for (let attempt = 0; attempt < MAX_APPEND_TRIES; attempt++) {
        const head = await withKvRetry(() => kv.get<HeadValue>(headKey(seat)));
        const seq = (live(head.value) ? head.value.seq : 0) + 1;
        const res = await commit(() =>
          kv.atomic()
            .check(head)
            .set(headKey(seat), { seq, expiresAt: now() + HEAD_TTL_MS } as HeadValue, {
              expireIn: HEAD_TTL_MS,
            })
            .set(
              roomSignalKey(seat.appointmentId, seat.role, seq),
              { text, expiresAt: now() + SIGNAL_TTL_MS } as SignalValue,
              { expireIn: SIGNAL_TTL_MS },
            )
        );
        if (res.ok) return;
      }
      throw new Error(
        `Cannot append a signal to room ${seat.appointmentId} (${seat.role}): too much contention`,
      );
    },

    async readSince(seat, afterSeq) {
      const prefix = roomSignalPrefix(seat.appointmentId, seat.role);
      const texts: string[] = [];
      let seq = afterSeq;
      const entries = kv.list<SignalValue>({
        start: [...prefix, afterSeq + 1],
        end: [...prefix, Number.MAX_SAFE_INTEGER],
      });
      for await (const entry of entries) {
        seq = entry.key.at(-1) as number;
        if (live(entry.value)) texts.push(entry.value.text);
      }
      return { seq, texts };
    },

    watchHead(seat) {
      return kv.watch([headKey(seat)]);
    },
  };
}
