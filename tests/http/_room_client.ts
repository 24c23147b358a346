/**
 * Test helpers for video rooms: book an (online) appointment at the first slot from an instant
 * through the public API, and a small WebSocket peer (Deno's client) that resolves to null when
 * the server refuses the connection and queues what it receives.
 */
import assert from "node:assert/strict";
import { book } from "../_harness/book.ts";
import type { Api, Session } from "../_harness/api.ts";

export interface RoomTicket {
  token: string;
  expiresAt: string;
  role: string;
  wsPath: string;
  iceServers: { urls: string[]; username?: string; credential?: string }[];
  language?: string;
}

export interface BookedAppointment {
  id: string;
  start: string;
  end: string;
  online: boolean;
}

const utcDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Holds and confirms the doctor's first free slot starting at or after `fromMs`. */
export async function bookAt(
  api: Api,
  patient: Session,
  doctorId: string,
  fromMs: number,
  online: boolean,
): Promise<BookedAppointment> {
  const slots = await api.request<{ slots: { start: string }[] }>(
    "GET",
    `/v1/doctors/${doctorId}/slots?from=${utcDate(fromMs)}&to=${utcDate(fromMs + 86_400_000)}`,
  );
  assert.equal(slots.status, 200, JSON.stringify(slots.body));
  const slot = slots.body.slots.find((s) => Date.parse(s.start) >= fromMs);
  assert.ok(slot, `no slot from ${new Date(fromMs).toISOString()}`);
  const { appointment } = await book(api, patient, doctorId, slot.start, { online });
  return appointment as unknown as BookedAppointment;
}

export interface Peer {
  ws: WebSocket;
  /** The next text message, as sent. */
  nextRaw(timeoutMs?: number): Promise<string>;
  /** The next message, parsed. */
  next(timeoutMs?: number): Promise<Record<string, unknown>>;
  closed: Promise<CloseEvent>;
}

/** Connects; null when the server refuses (the socket closes without ever opening). */
export function connectPeer(url: string): Promise<Peer | null> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    const inbox: string[] = [];
    const waiting: ((text: string) => void)[] = [];
    let opened = false;
    let onClosed: (event: CloseEvent) => void = () => {};
    const closed = new Promise<CloseEvent>((r) => (onClosed = r));
    ws.onmessage = (event) => {
      const text = String(event.data);
      const waiter = waiting.shift();
      if (waiter) waiter(text);
      else inbox.push(text);
    };
    ws.onerror = () => {};
    ws.onclose = (event) => {
      onClosed(event);
      if (!opened) resolve(null);
    };
    const nextRaw = (timeoutMs = 5_000) => {
      const queued = inbox.shift();
      if (queued !== undefined) return Promise.resolve(queued);
      return new Promise<string>((res, rej) => {
        const timer = setTimeout(() => rej(new Error("no message within timeout")), timeoutMs);
        waiting.push((text) => {
          clearTimeout(timer);
          res(text);
        });
      });
    };
    ws.onopen = () => {
      opened = true;
      resolve({
        ws,
        nextRaw,
        next: async (timeoutMs) => JSON.parse(await nextRaw(timeoutMs)),
        closed,
      });
    };
  });
}
