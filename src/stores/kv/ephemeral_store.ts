/**
 * The Deno KV adapter of the ephemeral store: values under ["ephemeral", key] with `expiresAtMs`.
 * A plain `set` checks nothing, so concurrent ones share a commit (group_commit.ts).
 */
import type { EphemeralStore } from "../ports.ts";
import { groupCommitOf } from "./group_commit.ts";
import { untilCommitted, withKvRetry } from "./kv_commit.ts";
import { ephemeralKey, pingKey } from "./keys.ts";

interface Stored<T = unknown> {
  value: T;
  expiresAtMs: number;
}

export function createKvEphemeralStore(
  kv: Deno.Kv,
  now = () => Date.now(),
): EphemeralStore {
  const group = groupCommitOf(kv);
  async function read<T>(key: string) {
    const entry = await withKvRetry(() => kv.get<Stored<T>>(ephemeralKey(key)));
    const live = entry.value !== null && entry.value.expiresAtMs > now();
    return { entry, live };
  }
  return {
    name: "kv",
    async get<T>(key: string) {
      const { entry, live } = await read<T>(key);
      return live ? entry.value!.value : null;
    },
    async set(key, value, ttlMs) {
      await group.write(
        (op) =>
          op.set(ephemeralKey(key), { value, expiresAtMs: now() + ttlMs }, { expireIn: ttlMs }),
        1,
      );
    },
    async setIfAbsent(key, value, ttlMs) {
      const { entry, live } = await read(key);
      if (live) return false;
      const res = await group.commit((op) =>
        op.check(entry).set(ephemeralKey(key), { value, expiresAtMs: now() + ttlMs }, {
          expireIn: ttlMs,
        })
      );
      return res.ok;
    },
    async take(key) {
      const { entry, live } = await read(key);
      if (!live) return false;
      const res = await group.commit((op) => op.check(entry).delete(ephemeralKey(key)));
      return res.ok;
    },
    increment(key, ttlMs, cap = Infinity) {
      return untilCommitted("Counting", async () => {
        const { entry, live } = await read<number>(key);
        const current = live ? entry.value!.value : 0;
        if (current >= cap) return cap + 1;
        const expiresAtMs = live ? entry.value!.expiresAtMs : now() + ttlMs;
        const res = await group.commit((op) =>
          op.check(entry).set(ephemeralKey(key), { value: current + 1, expiresAtMs }, {
            expireIn: Math.max(1, expiresAtMs - now()),
          })
        );
        return res.ok ? current + 1 : undefined;
      });
    },
    async ttl(key) {
      const { entry, live } = await read(key);
      return live ? entry.value!.expiresAtMs - now() : 0;
    },
    async ping() {
      await kv.get(pingKey);
    },
  };
}
