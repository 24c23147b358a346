/**
 * The Upstash Redis adapter of the ephemeral store, so OTP hashes, attempt counters, lock-outs and
 * cool-downs are shared by every instance in every region.
 *
 * | Redis key              | value                       | expiry          |
 * | ---------------------- | --------------------------- | --------------- |
 * | `vaidya:eph:<name>`    | JSON of the value / counter | its TTL (PX)    |
 *
 * Every call is bounded by REDIS_TIMEOUT_MS and fails with a 503 `ServiceUnavailableError`:
 * callers (OTP) fail closed. Must never log or put key names in errors (they hold phone hashes).
 */
import type { EphemeralStore } from "../ports.ts";
import { redisCall, type UpstashConnection } from "./client.ts";

export const EPHEMERAL_PREFIX = "vaidya:eph:";

// INCR then start the TTL only when the key has none: the window starts with the first increment.
// A count already at the cap (ARGV[2], -1 for none) is left alone and answered as cap + 1.
const INCREMENT_SCRIPT = `local cap = tonumber(ARGV[2])
if cap >= 0 then
  local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
  if cur >= cap then return cap + 1 end
end
local n = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

function ttlArg(ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs < 1) {
    throw new RangeError(`Ephemeral TTL must be at least 1 ms, got ${ttlMs}`);
  }
  return Math.ceil(ttlMs);
}

export function createUpstashEphemeralStore(conn: UpstashConnection): EphemeralStore {
  const k = (key: string) => EPHEMERAL_PREFIX + key;
  return {
    name: "upstash",
    async get<T>(key: string) {
      const raw = await redisCall(conn, "read ephemeral state", (r) => r.get<string>(k(key)));
      return raw === null ? null : JSON.parse(raw) as T;
    },
    async set(key, value, ttlMs) {
      const px = ttlArg(ttlMs);
      await redisCall(
        conn,
        "write ephemeral state",
        (r) => r.set(k(key), JSON.stringify(value), { px }),
      );
    },
    async setIfAbsent(key, value, ttlMs) {
      const px = ttlArg(ttlMs);
      const res = await redisCall(
        conn,
        "write ephemeral state",
        (r) => r.set(k(key), JSON.stringify(value), { px, nx: true }),
      );
      return res === "OK";
    },
    async take(key) {
      const removed = await redisCall(conn, "remove ephemeral state", (r) => r.del(k(key)));
      return removed === 1;
    },
    async increment(key, ttlMs, cap = Infinity) {
      const px = ttlArg(ttlMs);
      const capArg = Number.isFinite(cap) ? Math.max(0, Math.floor(cap)) : -1;
      const n = await redisCall(
        conn,
        "count ephemeral state",
        (r) => r.eval<[number, number], number>(INCREMENT_SCRIPT, [k(key)], [px, capArg]),
      );
      return Number(n);
    },
    async ttl(key) {
      const ms = await redisCall(conn, "read ephemeral state", (r) => r.pttl(k(key)));
      return ms > 0 ? ms : 0;
    },
    async ping() {
      await redisCall(conn, "ping Redis", (r) => r.ping());
    },
  };
}
