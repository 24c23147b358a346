/**
 * Re-sealing every sealed value (the registry in src/stores/sealed_fields.ts) under the active data
 * key, a page at a time, with a resumable checkpoint in KV under ["ops_checkpoint", "reseal"]: a run
 * that stops (crash, kill -9, Ctrl-C) continues where it left off when started again. Writes go
 * through the stores with their version check, so a record changed meanwhile is re-read and tried
 * once more. A dry run reads and opens every stale value exactly like a real run, so it fails where
 * a real run would, but writes nothing (not even the checkpoint).
 */
import type { OperatorRuntime } from "../src/bootstrap.ts";
import { ConflictError } from "../src/errors.ts";
import { commit } from "../src/stores/kv/kv_commit.ts";
import { opsCheckpointKey } from "../src/stores/kv/keys.ts";
import { sealedCollections, type SealedItem } from "../src/stores/sealed_fields.ts";

interface Checkpoint {
  kid: string;
  /** The collection being walked (a registry name), or "done". */
  phase: string;
  cursor: string | null;
}

export interface ResealCounts {
  scanned: number;
  stale: number;
  /** Records holding a value an earlier version stored in the clear (sealed by a real run). */
  clear: number;
  resealed: number;
  conflicts: number;
}

const CHECKPOINT = opsCheckpointKey("reseal");

export async function resealAll(
  rt: OperatorRuntime,
  opts: {
    /** Write (else: a dry run). */
    apply: boolean;
    /** Count every sealed value as stale: the dry run of a rotation that would add a new key. */
    all?: boolean;
  },
  /** Called after each checkpoint is saved, with the page's size. */
  onPage: (phase: string, n: number) => void,
): Promise<ResealCounts> {
  const { cipher, kv } = rt;
  const apply = opts.apply;
  const collections = sealedCollections(rt.records, kv);
  const counts: ResealCounts = { scanned: 0, stale: 0, clear: 0, resealed: 0, conflicts: 0 };
  const saved = (await kv.get<Checkpoint>(CHECKPOINT)).value;
  const known = saved &&
    (saved.phase === "done" || collections.some((c) => c.name === saved.phase));
  let cp: Checkpoint = apply && saved?.kid === cipher.activeKeyId && known
    ? saved
    : { kid: cipher.activeKeyId, phase: collections[0].name, cursor: null };
  const save = async (next: Checkpoint) => {
    cp = next;
    if (apply) await commit(() => kv.atomic().set(CHECKPOINT, next));
  };
  const isStale = (v: string) => opts.all === true || cipher.keyIdOf(v) !== cipher.activeKeyId;
  const reseal = async (v: string) => isStale(v) ? await cipher.seal(await cipher.open(v)) : v;

  const seal = (plain: string) => cipher.seal(plain);

  async function update(item: SealedItem) {
    counts.scanned++;
    if (item.sealClear) counts.clear++;
    const stale = item.values.filter(isStale);
    if (stale.length === 0 && !item.sealClear) return;
    if (stale.length > 0) counts.stale++;
    if (!apply) {
      for (const v of stale) await cipher.open(v);
      return;
    }
    let current: SealedItem | null = item;
    for (let attempt = 0; attempt < 2 && current; attempt++) {
      if (!current.values.some(isStale) && !current.sealClear) return;
      try {
        if (current.sealClear) await current.sealClear(seal);
        else await current.rewrite(reseal);
        counts.resealed++;
        return;
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
        current = await current.reload();
      }
    }
    if (current) counts.conflicts++;
  }

  const start = collections.findIndex((c) => c.name === cp.phase);
  for (let i = start; i >= 0 && i < collections.length; i++) {
    const collection = collections[i];
    for (;;) {
      const page = await collection.page(cp.cursor);
      for (const item of page.items) await update(item);
      if (!page.nextCursor) break;
      await save({ ...cp, cursor: page.nextCursor });
      onPage(collection.name, page.items.length);
    }
    await save({ ...cp, phase: collections[i + 1]?.name ?? "done", cursor: null });
    onPage(collection.name, 0);
  }
  return counts;
}
