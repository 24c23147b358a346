/**
 * The room window edges (pure) and the in-memory signalling relay with fake sockets: seats per
 * role, notices, verbatim relay, refused messages and the end of the window closing every socket;
 * and the test-only room clock offset refused outside APP_ENV=test.
 */
import assert from "node:assert/strict";
import { roomWindow, roomWindowState } from "../../src/domain/room_window.ts";
import { createRoomHub, type RoomSocket } from "../../src/rooms/room_hub.ts";
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
  return { socket, sent, closes, last: () => JSON.parse(sent.at(-1)!) };
}

Deno.test("createRoomHub() relays between two seats and refuses a second seat per role", () => {
  let now = START;
  const hub = createRoomHub({
    log: createLogger({ level: "error", write: () => {} }),
    now: () => now,
    openTimeoutMs: 60_000,
  });
  const admission = { appointmentId: "apt_1", closesAtMs: END + 30 * 60_000 };
  const patientSeat = hub.reserve({ ...admission, role: "patient" })!;
  assert.equal(hub.reserve({ ...admission, role: "patient" }), null, "one patient seat");
  const doctorSeat = hub.reserve({ ...admission, role: "doctor" })!;
  const p = fakeSocket();
  const d = fakeSocket();
  patientSeat.open(p.socket);
  doctorSeat.open(d.socket);
  assert.deepEqual(p.last(), { type: "peer-joined", role: "doctor" });
  assert.deepEqual(d.last(), { type: "joined", role: "doctor", peer: "patient" });

  const offer = '{"type":"offer","sdp":"x"}';
  doctorSeat.receive(offer);
  assert.equal(p.sent.at(-1), offer);
  patientSeat.receive('{"type":"joined"}');
  assert.equal(p.last().code, "bad_message", "notice types cannot be forged");
  patientSeat.receive("x".repeat(64 * 1024 + 1));
  assert.deepEqual(p.closes, [1009]);

  patientSeat.leave();
  assert.deepEqual(d.last(), { type: "peer-left", role: "patient" });
  assert.ok(hub.reserve({ ...admission, role: "patient" }), "a freed seat can be taken again");
  now = END;
  hub.closeAll();
  assert.deepEqual(d.closes, [4000]);
  assert.equal(hub.activeRooms(), 0);
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
