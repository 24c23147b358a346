/**
 * What `deno task purge` removes from KV, and how: each category is a key prefix plus a test of
 * whether an entry is past its life. `expireIn` deletes lazily, so these entries may linger; every
 * reader already treats them as gone, which is what makes deleting them safe. Deletes check the
 * entry's versionstamp, so an entry rewritten meanwhile is left alone.
 */
import { commit } from "../src/stores/kv/kv_commit.ts";

type Value = Record<string, unknown> | unknown[] | string | null;

export interface PurgeCategory {
  name: string;
  prefix: Deno.KvKey;
  expired(key: Deno.KvKey, value: Value, nowMs: number): boolean;
}

const HOUR_MS = 3_600_000;
const num = (v: unknown) => (typeof v === "number" ? v : NaN);
const field = (value: Value, name: string) =>
  value && typeof value === "object" && !Array.isArray(value) ? num(value[name]) : NaN;
/** Past `expiresAtMs` (+ grace); entries without one are never touched. */
const pastExpiry = (graceMs = 0) => (_k: Deno.KvKey, v: Value, nowMs: number) =>
  field(v, "expiresAtMs") + graceMs <= nowMs;

export const CATEGORIES: PurgeCategory[] = [
  // Expired holds stay readable 1 h so a late confirm answers 410 (hold_store.ts).
  { name: "holds", prefix: ["hold"], expired: pastExpiry(HOUR_MS) },
  { name: "hold cells", prefix: ["hold_cell"], expired: pastExpiry() },
  { name: "hold index", prefix: ["hold_by_doctor"], expired: pastExpiry() },
  {
    name: "patient hold lists",
    prefix: ["patient_holds"],
    expired: (_k, v, nowMs) =>
      Array.isArray(v) && v.every((h) => field(h as Value, "expiresAtMs") <= nowMs),
  },
  { name: "codes and counters", prefix: ["ephemeral"], expired: pastExpiry() },
  { name: "idempotency keys", prefix: ["idem"], expired: pastExpiry() },
  { name: "refresh tokens", prefix: ["refresh"], expired: pastExpiry() },
  { name: "sessions", prefix: ["session"], expired: pastExpiry() },
  {
    name: "dev outbox",
    prefix: ["outbox"],
    expired: (k, _v, nowMs) => num(k[1]) + HOUR_MS <= nowMs,
  },
  {
    name: "dev outbox by phone",
    prefix: ["outbox_by_to"],
    expired: (k, _v, nowMs) => num(k[2]) + HOUR_MS <= nowMs,
  },
];

export interface PurgeCount {
  name: string;
  scanned: number;
  expired: number;
  deleted: number;
}

/** Counts (and with `apply`, deletes) the expired entries of one category. */
export async function purgeCategory(
  kv: Deno.Kv,
  category: PurgeCategory,
  nowMs: number,
  apply: boolean,
  onProgress: () => void,
): Promise<PurgeCount> {
  const count: PurgeCount = { name: category.name, scanned: 0, expired: 0, deleted: 0 };
  let batch: Deno.KvEntry<Value>[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const entries = batch;
    batch = [];
    const res = await commit(() => {
      const op = kv.atomic();
      for (const e of entries) op.check(e).delete(e.key);
      return op;
    });
    if (res.ok) {
      count.deleted += entries.length;
      return;
    }
    // One changed entry fails the batch: retry one by one so the rest still go.
    for (const e of entries) {
      const one = await commit(() => kv.atomic().check(e).delete(e.key));
      if (one.ok) count.deleted++;
    }
  };
  for await (const e of kv.list<Value>({ prefix: category.prefix }, { batchSize: 500 })) {
    count.scanned++;
    onProgress();
    if (!category.expired(e.key, e.value, nowMs)) continue;
    count.expired++;
    if (!apply) continue;
    batch.push(e);
    if (batch.length >= 10) await flush();
  }
  if (apply) await flush();
  return count;
}
