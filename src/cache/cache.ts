/**
 * The cache port: values with a TTL, and namespace versions for invalidation. A reader builds its
 * key from the namespace's current version; a writer `bump`s the version after its change, so
 * everything cached under the old version is never read again (and expires by TTL). That makes
 * "delete by prefix" unnecessary, and it is one INCR, whatever was cached.
 *
 * Adapters: Upstash Redis (production, shared by instances), in-process memory (one process:
 * tests, benchmarks), and a no-op (caching off: every read goes to the source of truth).
 */
export interface Cache {
  readonly name: string;
  get<T>(key: string): Promise<T | null>;
  set(key: string, value: unknown, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** The namespace's current version; never a version the namespace had before. */
  version(namespace: string): Promise<string>;
  /** Moves the namespace to a new version, which `version` returns from now on. */
  bump(namespace: string): Promise<void>;
}

export const noCache: Cache = {
  name: "none",
  get: () => Promise.resolve(null),
  set: () => Promise.resolve(),
  delete: () => Promise.resolve(),
  version: () => Promise.resolve("0"),
  bump: () => Promise.resolve(),
};

/** In-process cache with a bound on entries (oldest inserted go first). */
export function createMemoryCache(
  options: { maxEntries?: number; now?: () => number } = {},
): Cache {
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? (() => Date.now());
  const entries = new Map<string, { value: unknown; expiresAtMs: number }>();
  const versions = new Map<string, number>();
  // Versions start from the clock, so a fresh process never reuses an old version number.
  const seed = now() * 1000;

  return {
    name: "memory",
    get<T>(key: string) {
      const entry = entries.get(key);
      if (!entry) return Promise.resolve(null);
      if (entry.expiresAtMs <= now()) {
        entries.delete(key);
        return Promise.resolve(null);
      }
      return Promise.resolve(structuredClone(entry.value) as T);
    },
    set(key, value, ttlMs) {
      entries.delete(key);
      entries.set(key, { value: structuredClone(value), expiresAtMs: now() + ttlMs });
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
      return Promise.resolve();
    },
    delete(key) {
      entries.delete(key);
      return Promise.resolve();
    },
    version(namespace) {
      return Promise.resolve(String(versions.get(namespace) ?? seed));
    },
    bump(namespace) {
      versions.set(namespace, (versions.get(namespace) ?? seed) + 1);
      return Promise.resolve();
    },
  };
}
