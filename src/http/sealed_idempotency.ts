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

export function sealedIdempotencyStore(
  inner: IdempotencyStore,
  cipher: DataCipher,
  hash: KeyedHash,
): IdempotencyStore {
  const keyed = (fingerprint: string) => hash.hash("idempotency", fingerprint);
  return {
    ...inner,
    async begin(scope, key, fingerprint, nowMs) {
      const begun = await inner.begin(scope, key, await keyed(fingerprint), nowMs);
      if (begun.kind !== "replay" || !begun.record.sealed) return begun;
      const body = begun.record.body ? await cipher.open(begun.record.body) : "";
      return { kind: "replay", record: { ...begun.record, body } };
    },
    async finish(scope, key, record, ttlMs) {
      const sealed: IdempotencyRecord = {
        ...record,
        fingerprint: await keyed(record.fingerprint),
        body: record.body ? await cipher.seal(record.body) : "",
        sealed: true,
      };
      await inner.finish(scope, key, sealed, ttlMs);
    },
  };
}
