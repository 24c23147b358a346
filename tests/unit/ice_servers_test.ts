/**
 * TURN REST API credentials (checked against node:crypto's HMAC-SHA1, not the code under test),
 * the TURN_* configuration checks and the production warning without TURN. coturn's own
 * acceptance of the credentials is tested in tests/browser/video_room_test.ts.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createIceServers } from "../../src/rooms/ice_servers.ts";
import { ConfigError, loadConfig } from "../../src/config/config.ts";
import { openRoomService } from "../../src/rooms/room_service.ts";
import { createKvRecordStores } from "../../src/stores/kv/record_stores.ts";
import { createLogger } from "../../src/observability/logger.ts";

const NOW = Date.parse("2026-12-01T04:30:00Z");

Deno.test("createIceServers() signs '<expiry>:<user>' with HMAC-SHA1 for turn: URLs only", async () => {
  const iceServers = await createIceServers({
    urls: ["stun:turn.example.org:3478", "turn:turn.example.org:3478?transport=udp"],
    secret: "s3cret-s3cret-s3cret",
    ttlSeconds: 600,
  });
  const [stun, turn] = await iceServers("pat_1", NOW);
  assert.deepEqual(stun, { urls: ["stun:turn.example.org:3478"] });
  const expiry = NOW / 1000 + 600;
  assert.equal(turn.username, `${expiry}:pat_1`);
  const expected = createHmac("sha1", "s3cret-s3cret-s3cret").update(`${expiry}:pat_1`)
    .digest("base64");
  assert.equal(turn.credential, expected);
  assert.deepEqual(turn.urls, ["turn:turn.example.org:3478?transport=udp"]);
  assert.deepEqual(await (await createIceServers({ urls: [], ttlSeconds: 600 }))("x", NOW), []);
});

Deno.test("loadConfig() validates TURN_URLS, TURN_SECRET and TURN_TTL_SECONDS", () => {
  const bad = (env: Record<string, string>, variable: string) =>
    assert.throws(
      () => loadConfig(env),
      (err: Error) => err instanceof ConfigError && err.message.includes(variable),
      variable,
    );
  bad({ TURN_URLS: "http://turn.example.org" }, "TURN_URLS");
  bad({ TURN_URLS: "turn:turn.example.org:3478" }, "TURN_SECRET");
  bad({ TURN_SECRET: "0123456789abcdef" }, "TURN_URLS");
  bad({ TURN_URLS: "turn:t.example.org", TURN_SECRET: "short" }, "TURN_SECRET");
  bad({ TURN_TTL_SECONDS: "5" }, "TURN_TTL_SECONDS");
  const ok = loadConfig({
    TURN_URLS: "turn:t.example.org:3478, turns:t.example.org:5349?transport=tcp,stun:t.example.org",
    TURN_SECRET: "0123456789abcdef",
  });
  assert.equal(ok.TURN_URLS.length, 3);
  assert.equal(ok.TURN_TTL_SECONDS, 600);
});

Deno.test("openRoomService() warns at start-up in production when no TURN server is set", async () => {
  using kv = await Deno.openKv(":memory:");
  const warnings = async (production: boolean, urls: string[]) => {
    const lines: string[] = [];
    await openRoomService({
      records: createKvRecordStores(kv),
      kv,
      hmacSecret: btoa("k".repeat(32)),
      issuer: "https://vaidya.local",
      turn: { urls, secret: urls.length ? "0123456789abcdef" : undefined, ttlSeconds: 600 },
      production,
      log: createLogger({ level: "warn", write: (line) => void lines.push(line) }),
      now: () => NOW,
      clockOffsetMs: 0,
    });
    return lines.filter((l) => /no TURN server/.test(l)).length;
  };
  assert.equal(await warnings(true, []), 1);
  assert.equal(await warnings(true, ["stun:t.example.org"]), 1, "STUN alone does not relay");
  assert.equal(await warnings(true, ["turn:t.example.org"]), 0);
  assert.equal(await warnings(false, []), 0, "development stays quiet");
});
