/**
 * Read-through caching over the cache port, for reads whose source of truth is the records store.
 *
 * The cache can only make a read faster, never fail it: any cache error is logged, the value
 * comes from the source, and this instance stops reading the cache for `bypassMs` (at least the
 * longest TTL). The bypass matters for correctness too: if a `bump` failed, entries under the old
 * version may still be served by Redis; skipping the cache for one TTL lets them expire first.
 * Writers always try to bump, even while bypassing, so other instances see the change, and retry a
 * failed bump a few times before answering.
 *
 * Ordering argument (why a listed slot is never one already confirmed): a reader takes the
 * namespace version BEFORE it reads the source; a writer bumps AFTER its change commits and
 * BEFORE it answers. An entry under version v was computed from source reads that began after v
 * was current; if a change committed before the bump to v, those reads saw it. Hence once a
 * writer has answered, every reader that starts later reads a version >= the bumped one, and any
 * entry under it reflects the change. Stale entries only live under old versions, never read again.
 */
import { errorFields, type Logger } from "../observability/logger.ts";
import type { Cache } from "./cache.ts";

export interface ReadThrough {
  read<T>(namespace: string, key: string, ttlMs: number, compute: () => Promise<T>): Promise<T>;
  invalidate(...namespaces: string[]): Promise<void>;
}

/** Waits between the attempts of a failed version bump (the SDK has retried each once already). */
const BUMP_RETRY_DELAYS_MS = [50, 250, 1_000];

export type LookupOutcome = "hit" | "miss" | "bypass" | "error";

export function createReadThrough(
  cache: Cache,
  log: Logger,
  options: {
    bypassMs: number;
    now?: () => number;
    /** Told the outcome of every read, for the hit-rate metric. */
    onLookup?: (namespace: string, outcome: LookupOutcome) => void;
  },
): ReadThrough {
  const counted = options.onLookup ?? (() => {});
  const now = options.now ?? (() => Date.now());
  let bypassUntil = 0;

  function failed(step: string, err: unknown) {
    if (now() >= bypassUntil) {
      log.warn("cache unavailable; reading the source of truth", {
        cache: cache.name,
        step,
        bypassMs: options.bypassMs,
        ...errorFields(err),
      });
    }
    bypassUntil = now() + options.bypassMs;
  }

  return {
    async read(namespace, key, ttlMs, compute) {
      if (now() < bypassUntil) {
        counted(namespace, "bypass");
        return await compute();
      }
      let fullKey: string;
      try {
        fullKey = `${namespace}:${await cache.version(namespace)}:${key}`;
        const hit = await cache.get<Awaited<ReturnType<typeof compute>>>(fullKey);
        if (hit !== null) {
          counted(namespace, "hit");
          return hit;
        }
      } catch (err) {
        counted(namespace, "error");
        failed("read", err);
        return await compute();
      }
      counted(namespace, "miss");
      const fresh = await compute();
      try {
        await cache.set(fullKey, fresh, ttlMs);
      } catch (err) {
        failed("write", err);
      }
      return fresh;
    },
    async invalidate(...namespaces) {
      await Promise.all(namespaces.map(async (ns) => {
        for (let attempt = 0;; attempt++) {
          try {
            await cache.bump(ns);
            return;
          } catch (err) {
            // Other instances read the old version until a bump lands: a Redis blip would leave
            // them serving the old value for a whole TTL. Retried a little before answering (a
            // write, never a read, waits for it); after that, the bypass below.
            if (attempt >= BUMP_RETRY_DELAYS_MS.length) return failed("bump", err);
            await new Promise((r) => setTimeout(r, BUMP_RETRY_DELAYS_MS[attempt]));
          }
        }
      }));
    },
  };
}
