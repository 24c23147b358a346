/**
 * The port for short-lived shared state: one-time code hashes, attempt counters, lock-outs,
 * resend cool-downs and rate-limit windows. Deno KV by default; Upstash Redis in production, so
 * every instance in every region sees the same counters. Every value has a TTL.
 */
export interface EphemeralStore {
  readonly name: string;
  get<T>(key: string): Promise<T | null>;
  set(key: string, value: unknown, ttlMs: number): Promise<void>;
  /** Sets only if absent; true when this call set it. */
  setIfAbsent(key: string, value: unknown, ttlMs: number): Promise<boolean>;
  /** Deletes; true only for the one caller that removed an existing value (single use). */
  take(key: string): Promise<boolean>;
  /**
   * Adds 1 and returns the new count; the TTL starts with the first increment. With `cap`, a
   * count already at `cap` is left alone and `cap + 1` is returned: a caller comparing the answer
   * with its limit sees "over", and a burst past the limit costs no writes (no contention).
   * Never loses an increment under concurrency.
   */
  increment(key: string, ttlMs: number, cap?: number): Promise<number>;
  /** Milliseconds until the key expires, or 0 when absent. */
  ttl(key: string): Promise<number>;
  ping(): Promise<void>;
}
