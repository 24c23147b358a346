/**
 * The room window edges (pure) and the signalling relay through KV with fake sockets: two hubs
 * on one `:memory:` KV stand for two instances on a shared store. Seats per role across hubs,
 * single-use tokens, notices, verbatim relay, refused and rate-limited messages, a crashed
 * instance's lapsed lease, and the test-only room clock offset refused outside APP_ENV=test.
 */
import assert from "node:assert/strict";
import { eventually } from "../_harness/eventually.ts";
import { roomWindow, roomWindowState } from "../../src/domain/room_window.ts";
import {
  CLOSE_TOO_BIG,
  createRoomHub,
  MAX_SIGNAL_BYTES,
  type RoomSocket,
  type Seat,
} from "../../src/rooms/room_hub.ts";
import { createKvRoomSignalStore } from "../../src/stores/kv/room_signal_store.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { ConfigError, loadConfig } from "../../src/config/config.ts";

const START = Date.parse("2026-12-01T04:30:00Z");
const END = START + 30 * 60_000;

Deno.test("roomWindowState() opens 10 minutes before the start and closes 30 after the end", () => {
  const w = roomWindow(START, END);
  assert.equal(roomWindowState(w, START - 10 * 60_000 - 1), "early");
  assert.equal(roomWindowState(w, START - 10 * 60_000), "open");
  assert.equal(roomWindowState(w, END + 30 * 60_000 - 1), "open");
  assert.equal(roomWindowState(w, END + 30 * 60_000), "closed");
  assert.throws(() => roomWindow(END, START), RangeError);
});

function fakeSocket() {
  const sent: string[] = [];
  const closes: number[] = [];
  const socket: RoomSocket = {
    send: (data) => void sent.push(data),
    close: (code = 1000) => void closes.push(code),
  };
  const parsed = () => sent.map((s) => JSON.parse(s));
  /** Waits (bounded) until a message matching `match` has arrived, and returns it. */
  function waitFor(match: (m: Record<string, unknown>) => boolean, label: string) {
    return eventually(() => `${label}; got ${JSON.stringify(sent)}`, () => parsed().find(match), {
      timeoutMs: 2_000,
      intervalMs: 10,
    });
  }
  return { socket, sent, closes, waitFor };
}

const quiet = createLogger({ level: "error", write: () => {} });

function hubOn(kv: Deno.Kv, extra: { ratePerSecond?: number; burst?: number } = {}) {
  return createRoomHub({
    signals: createKvRoomSignalStore(kv),
    log: quiet,
    now: () => START,
    openTimeoutMs: 60_000,
    ...extra,
  });
}

const admission = (role: "patient" | "doctor", tokenId = crypto.randomUUID()) => ({
  appointmentId: "apt_1",
  role,
  closesAtMs: END + 30 * 60_000,
  tokenId,
  tokenExpiresAtMs: Date.now() + 60_000,
});

function asSeat(result: Seat | string): Seat {
  assert.equal(typeof result, "object", `expected a seat, got ${String(result)}`);
  return result as Seat;
}

Deno.test("createRoomHub() relays between two hubs sharing one KV, one seat per role", async () => {
  using kv = await Deno.openKv(":memory:");
  const hubA = hubOn(kv);
  const hubB = hubOn(kv, { ratePerSecond: 1, burst: 3 });
  const patientToken = crypto.randomUUID();
  const patientSeat = asSeat(await hubA.take(admission("patient", patientToken)));
  assert.equal(await hubB.take(admission("patient")), "seat_taken", "one patient seat");
  assert.equal(await hubA.refusal(admission("patient")), "seat_taken");
  assert.equal(await hubB.refusal(admission("doctor", patientToken)), "token_used");
  assert.equal(await hubB.take(admission("doctor", patientToken)), "token_used", "single use");
  const doctorSeat = asSeat(await hubB.take(admission("doctor")));

  const p = fakeSocket();
  const d = fakeSocket();
  patientSeat.open(p.socket);
  await p.waitFor((m) => m.type === "joined", "joined");
  doctorSeat.open(d.socket);
  await p.waitFor((m) => m.type === "peer-joined" && m.role === "doctor", "peer-joined");
  assert.deepEqual(await d.waitFor((m) => m.type === "joined", "joined"), {
    type: "joined",
    role: "doctor",
    peer: "patient",
  });

  const offer = '{"type":"offer","sdp":"x"}';
  doctorSeat.receive(offer);
  await p.waitFor((m) => m.type === "offer", "offer");
  assert.ok(p.sent.includes(offer), "relayed verbatim");
  patientSeat.receive('{"type":"joined"}');
  await p.waitFor((m) => m.code === "bad_message", "bad_message");

  for (let i = 0; i < 6; i++) doctorSeat.receive(`{"type":"ice","n":${i}}`);
  await d.waitFor((m) => m.code === "rate_limited", "rate_limited");
  await p.waitFor((m) => m.n === 1, "the first ICE messages");
  const relayed = p.sent.filter((s) => s.startsWith('{"type":"ice"'));
  assert.ok(relayed.length <= 3, `burst of 3 per socket, relayed ${relayed.length}`);

  patientSeat.receive("x".repeat(MAX_SIGNAL_BYTES + 1));
  assert.deepEqual(p.closes, [1009]);
  await d.waitFor((m) => m.type === "peer-left" && m.role === "patient", "peer-left");
  assert.equal(await hubA.refusal(admission("patient")), null, "a freed seat can be taken again");
  await hubB.closeAll();
  assert.deepEqual(d.closes, [1001]);
  assert.equal(hubB.localSockets(), 0);
});

/**
 * A doctor's hub whose read of the patient's seat at join is answered only once `release()` is
 * called (a slow store), beside a plain hub for the patient, on one KV; and a socket for each.
 */
function slowJoinRead(kv: Deno.Kv) {
  const store = createKvRoomSignalStore(kv);
  const { promise: gate, resolve: release } = Promise.withResolvers<void>();
  let reads = 0;
  const slow: typeof store = {
    ...store,
    async seatTaken(seat, openOnly) {
      const taken = await store.seatTaken(seat, openOnly);
      if (openOnly) {
        reads++;
        await gate;
      }
      return taken;
    },
  };
  const doctors = createRoomHub({ signals: slow, log: quiet, now: () => START });
  const readOut = () =>
    eventually("the doctor's join to read the patient's seat", () => reads === 1, {
      timeoutMs: 2_000,
      intervalMs: 5,
    });
  return { doctors, patients: hubOn(kv), release, readOut, d: fakeSocket(), p: fakeSocket() };
}

Deno.test("createRoomHub() keeps the peer's arrival seen while its own join read the peer's seat", async () => {
  using kv = await Deno.openKv(":memory:");
  const { doctors, patients, release, readOut, d, p } = slowJoinRead(kv);
  const doctorSeat = asSeat(await doctors.take(admission("doctor")));
  doctorSeat.open(d.socket);
  await readOut(); // no patient yet
  asSeat(await patients.take(admission("patient"))).open(p.socket);
  await d.waitFor((m) => m.type === "peer-joined", "peer-joined, relayed from the inbox");
  release();
  assert.equal((await d.waitFor((m) => m.type === "joined", "joined")).peer, "patient");
  // The page answers peer-joined with its offer: it reaches the patient, not "no_peer" (the
  // join's stale read used to put the peer back to absent, and a video call never connected).
  const offer = '{"type":"offer","sdp":"x"}';
  doctorSeat.receive(offer);
  await p.waitFor((m) => m.type === "offer", "the offer");
  assert.ok(!d.sent.some((m) => m.includes("no_peer")), d.sent.join(" "));
  await doctors.closeAll();
  await patients.closeAll();
});

Deno.test("createRoomHub() keeps the peer's leaving seen while its own join read the peer's seat", async () => {
  using kv = await Deno.openKv(":memory:");
  const { doctors, patients, release, readOut, d, p } = slowJoinRead(kv);
  const patientSeat = asSeat(await patients.take(admission("patient")));
  patientSeat.open(p.socket);
  await p.waitFor((m) => m.type === "joined", "the patient joined");
  const doctorSeat = asSeat(await doctors.take(admission("doctor")));
  doctorSeat.open(d.socket);
  await readOut(); // the patient is seated
  await patientSeat.leave();
  await d.waitFor((m) => m.type === "peer-left", "peer-left, relayed from the inbox");
  release();
  assert.equal((await d.waitFor((m) => m.type === "joined", "joined")).peer, null);
  doctorSeat.receive('{"type":"offer","sdp":"x"}');
  await d.waitFor((m) => m.code === "no_peer", "no_peer: nobody to send to");
  await doctors.closeAll();
});

Deno.test("createRoomHub() frees the seat of a crashed instance when its lease lapses", async () => {
  using kv = await Deno.openKv(":memory:");
  let clock = START;
  const signals = createKvRoomSignalStore(kv, () => clock);
  const crashed = createRoomHub({ signals, log: quiet, now: () => clock, openTimeoutMs: 5_000 });
  asSeat(await crashed.take(admission("patient")));
  const survivor = createRoomHub({ signals, log: quiet, now: () => clock });
  assert.equal(await survivor.take(admission("patient")), "seat_taken");
  clock += 5_001; // the lease ran out; KV may still return the value, its expiresAt says free
  asSeat(await survivor.take(admission("patient")));
});

Deno.test("loadConfig() allows ROOM_CLOCK_OFFSET_MS only with APP_ENV=test", () => {
  assert.throws(
    () => loadConfig({ ROOM_CLOCK_OFFSET_MS: "60000" }),
    (err: Error) => err instanceof ConfigError && /ROOM_CLOCK_OFFSET_MS/.test(err.message),
  );
  assert.equal(
    loadConfig({ APP_ENV: "test", ROOM_CLOCK_OFFSET_MS: "60000" }).ROOM_CLOCK_OFFSET_MS,
    60000,
  );
});

Deno.test("createRoomHub() holds binary frames to the size limit and the rate limit too", async () => {
  using kv = await Deno.openKv(":memory:");
  const hub = hubOn(kv, { ratePerSecond: 1, burst: 3 });
  const patientSeat = asSeat(await hub.take(admission("patient")));
  const doctorSeat = asSeat(await hub.take(admission("doctor")));
  const p = fakeSocket();
  const d = fakeSocket();
  patientSeat.open(p.socket);
  doctorSeat.open(d.socket);
  await d.waitFor((m) => m.type === "joined", "joined");

  // A flood of small binary frames is rate-limited like a flood of text ones.
  for (let i = 0; i < 10; i++) doctorSeat.receive(new ArrayBuffer(16));
  const answered = () => d.sent.map((s) => JSON.parse(s)).filter((m) => m.type === "error");
  assert.ok(
    answered().some((m) => m.code === "rate_limited"),
    `10 binary frames at a burst of 3: ${JSON.stringify(answered())}`,
  );

  // An oversized binary frame closes the socket, like an oversized text frame.
  patientSeat.receive(new ArrayBuffer(MAX_SIGNAL_BYTES + 1));
  assert.deepEqual(p.closes, [1009], "an oversized ArrayBuffer closes the socket");
  doctorSeat.receive(new Blob([new Uint8Array(MAX_SIGNAL_BYTES + 1)]));
  assert.deepEqual(d.closes, [1009], "an oversized Blob closes the socket");
  await hub.closeAll();
});

Deno.test("createRoomHub() relays a signal at its size limit, whatever its characters, and refuses one byte more", async () => {
  using kv = await Deno.openKv(":memory:");
  const hub = hubOn(kv);
  const patientSeat = asSeat(await hub.take(admission("patient")));
  const doctorSeat = asSeat(await hub.take(admission("doctor")));
  const p = fakeSocket();
  const d = fakeSocket();
  patientSeat.open(p.socket);
  doctorSeat.open(d.socket);
  await d.waitFor((m) => m.type === "joined" && m.peer === "patient", "joined with the patient");
  const encoder = new TextEncoder();
  /** An offer of exactly `bytes` UTF-8 bytes, its SDP starting with `extra`. */
  const offerOf = (extra: string, bytes: number) => {
    const head = `{"type":"offer","sdp":"${extra}`;
    return `${head}${"a".repeat(bytes - encoder.encode(head).length - 2)}"}`;
  };
  // Latin-1 text is stored one byte per character, any other two: both fit at the limit (at
  // 64 KB neither did, and the hub dropped them without a word).
  for (const extra of ["", "ह"]) {
    const offer = offerOf(extra, MAX_SIGNAL_BYTES);
    assert.equal(encoder.encode(offer).length, MAX_SIGNAL_BYTES);
    doctorSeat.receive(offer);
    await eventually(
      () => `a ${offer.length}-character offer at the limit was not relayed`,
      () => p.sent.includes(offer),
      { timeoutMs: 2_000, intervalMs: 10 },
    );
  }
  doctorSeat.receive(offerOf("ह", MAX_SIGNAL_BYTES + 1));
  assert.deepEqual(d.closes, [CLOSE_TOO_BIG], "one byte over the limit closes the socket");
  await hub.closeAll();
});
