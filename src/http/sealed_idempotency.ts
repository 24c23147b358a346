/**
 * Idempotency records at rest: the stored first answer of a confirm or cancel carries the
 * patient's reason, so its body is sealed with the data cipher before it is written and opened
 * when replayed; the request fingerprint (a plain SHA-256 of the body, which would let anyone
 * with the store confirm a guessed reason) is replaced by a keyed hash of it. Wraps any
 * IdempotencyStore; records written before this (no `sealed` mark) still replay.
 */
import type { DataCipher } from "../crypto/data_cipher.ts";
import type { KeyedHash } from "../crypto/keyed_hash.ts";
import type { IdempotencyRecord, IdempotencyStore } from "../stores/kv/idempotency_store.ts";

/** Requests in flight whose keyed fingerprint is kept for their `finish`. */
const MAX_RUNNING = 10_000;

export function sealedIdempotencyStore(
  inner: IdempotencyStore,
  cipher: DataCipher,
  hash: KeyedHash,
): IdempotencyStore {
  const keyed = (fingerprint: string) => hash.hash("idempotency", fingerprint);
  /**
   * The keyed fingerprint of each request this process has begun and not yet finished or
   * abandoned (one per scope and key: a second begin of one is a replay or "in progress"), so
   * `finish` stores it without hashing the same fingerprint again.
   */
  const running = new Map<string, { fingerprint: string; keyed: string }>();
  const runningKey = (scope: string, key: string) => `${scope}\u0000${key}`;
  return {
    ...inner,
    async begin(scope, key, fingerprint, nowMs) {
      const mine = await keyed(fingerprint);
      const begun = await inner.begin(scope, key, mine, nowMs);
      if (begun.kind === "started") {
        running.set(runningKey(scope, key), { fingerprint, keyed: mine });
        // Bounded should a request never finish (its process keeps serving).
        if (running.size > MAX_RUNNING) running.delete(running.keys().next().value!);
      }
      if (begun.kind !== "replay" || !begun.record.sealed) return begun;
      const body = begun.record.body ? await cipher.open(begun.record.body) : "";
      return { kind: "replay", record: { ...begun.record, body } };
    },
    async finish(scope, key, record, ttlMs) {
      const begun = running.get(runningKey(scope, key));
      running.delete(runningKey(scope, key));
      const sealed: IdempotencyRecord = {
        ...record,
        fingerprint: begun?.fingerprint === record.fingerprint
          ? begun.keyed
          : await keyed(record.fingerprint),
        body: record.body ? await cipher.seal(record.body) : "",
        sealed: true,
      };
      await inner.finish(scope, key, sealed, ttlMs);
    },
    abandon(scope, key) {
      running.delete(runningKey(scope, key));
      return inner.abandon(scope, key);
    },
  };
}
