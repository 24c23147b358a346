/**
 * What `deno task purge` removes from KV, and how: each category is a key space of keys.ts with a
 * purge rule there, plus the test of whether an entry is past its life. `expireIn` deletes lazily, so these entries may linger; every
 * reader already treats them as gone, which is what makes deleting them safe. Deletes check the
 * entry's versionstamp, so an entry rewritten meanwhile is left alone.
 */
import { commit } from "../src/stores/kv/kv_commit.ts";
import { KEY_SPACES, type KeySpace, keySpace, type PurgeRule } from "../src/stores/kv/keys.ts";

type Value = Record<string, unknown> | unknown[] | string | null;

export interface PurgeCategory {
  name: string;
  prefix: Deno.KvKey;
  expired(key: Deno.KvKey, value: Value, nowMs: number): boolean;
}

const num = (v: unknown) => (typeof v === "number" ? v : NaN);
const field = (value: Value, name: string) =>
  value && typeof value === "object" && !Array.isArray(value) ? num(value[name]) : NaN;

/** The test of a rule from keys.ts; entries without a readable time are never touched. */
function expiredBy(rule: PurgeRule): PurgeCategory["expired"] {
  switch (rule.by) {
    case "value":
      return (_k, v, nowMs) => field(v, "expiresAtMs") + (rule.graceMs ?? 0) <= nowMs;
    case "list":
      return (_k, v, nowMs) =>
        Array.isArray(v) && v.every((h) => field(h as Value, "expiresAtMs") <= nowMs);
    case "key":
      return (k, _v, nowMs) => num(k[rule.index]) + rule.lifeMs <= nowMs;
  }
}

/** One category per key space with a purge rule in keys.ts, in the table's order. */
export const CATEGORIES: PurgeCategory[] = Object.entries(KEY_SPACES).flatMap(
  ([space, spec]) => {
    const rule: PurgeRule | undefined = "purge" in spec ? spec.purge : undefined;
    return rule
      ? [{ name: rule.name, prefix: keySpace(space as KeySpace), expired: expiredBy(rule) }]
      : [];
  },
);

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
