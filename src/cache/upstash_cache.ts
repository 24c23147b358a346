/**
 * The Upstash Redis adapter of the cache port, shared by every instance.
 *
 * | Redis key                      | value               | expiry                       |
 * | ------------------------------ | ------------------- | ---------------------------- |
 * | `vaidya:cache:<key>`           | JSON of the value   | its TTL (30–60 s)            |
 * | `vaidya:cache-ver:<namespace>` | version counter     | 1 day, renewed on every bump |
 *
 * A missing version counter (never bumped, expired, or Redis restarted empty) is seeded from the
 * clock in microseconds, so a namespace never returns to a version it had before: a restarted
 * Redis cannot make an old cached entry current again. Failures throw `ServiceUnavailableError`;
 * the read-through layer falls back to the source of truth.
 */
import { redisCall, type UpstashConnection } from "../stores/upstash/client.ts";
import type { Cache } from "./cache.ts";

export const CACHE_PREFIX = "vaidya:cache:";
export const VERSION_PREFIX = "vaidya:cache-ver:";
const VERSION_TTL_MS = 86_400_000;

const VERSION_SCRIPT = `local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])
  v = redis.call('GET', KEYS[1])
end
return v`;

const BUMP_SCRIPT = `redis.call('SET', KEYS[1], ARGV[1], 'NX')
local v = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return v`;

export function createUpstashCache(conn: UpstashConnection): Cache {
  const seed = () => String(Date.now() * 1000);
  return {
    name: "upstash",
    async get<T>(key: string) {
      const raw = await redisCall(conn, "read the cache", (r) => r.get<string>(CACHE_PREFIX + key));
      return raw === null ? null : JSON.parse(raw) as T;
    },
    async set(key, value, ttlMs) {
      const px = Math.max(1, Math.ceil(ttlMs));
      await redisCall(
        conn,
        "write the cache",
        (r) => r.set(CACHE_PREFIX + key, JSON.stringify(value), { px }),
      );
    },
    async delete(key) {
      await redisCall(conn, "write the cache", (r) => r.del(CACHE_PREFIX + key));
    },
    async version(namespace) {
      const v = await redisCall(
        conn,
        "read a cache version",
        (r) =>
          r.eval<string[], string | number>(VERSION_SCRIPT, [VERSION_PREFIX + namespace], [
            seed(),
            String(VERSION_TTL_MS),
          ]),
      );
      return String(v);
    },
    async bump(namespace) {
      await redisCall(
        conn,
        "bump a cache version",
        (r) =>
          r.eval<string[], number>(BUMP_SCRIPT, [VERSION_PREFIX + namespace], [
            seed(),
            String(VERSION_TTL_MS),
          ]),
      );
    },
  };
}
