/**
 * A waitlist entry lapses with its lookup keys, told or not: the notice mark rewrites the entry, and
 * a rewrite that named no expiry kept it (with the patient's id) in the KV file for good, out of
 * reach of the patient's list and of erasure, which find entries through the keys that lapsed.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { createKvWaitlistStore, type WaitlistEntry } from "../../src/waitlist/waitlist_store.ts";

/** Every stored key's expiry (ms since the epoch; -1 for none). */
function expiries(file: string): number[] {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const rows = db.prepare("select expiration_ms from kv").all() as { expiration_ms: number }[];
    return rows.map((r) => r.expiration_ms);
  } finally {
    db.close();
  }
}

Deno.test("waitlist: an entry marked told, and its mark cleared again, still lapses with its lookup keys", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/kv.sqlite3`;
  try {
    const kv = await Deno.openKv(file);
    const store = createKvWaitlistStore(kv);
    const nowMs = Date.now();
    const ttlMs = 3 * 86_400_000;
    const entry: WaitlistEntry = {
      id: "wtl_expiry_1",
      doctorId: "doc_1",
      patientId: "pat_1",
      date: "2026-12-10",
      createdAt: new Date(nowMs).toISOString(),
      createdAtMs: nowMs,
      notifiedAt: null,
    };
    await store.add(entry, ttlMs, { max: 20, fromDate: "2026-12-01" });
    assert.equal(await store.markNotified(entry, nowMs + 1000), true);
    kv.close();
    let stored = expiries(file);
    assert.equal(stored.length, 3);
    for (const at of stored) {
      assert.ok(at >= nowMs + ttlMs && at <= Date.now() + ttlMs, `expiry ${at} after the mark`);
    }

    const again = await Deno.openKv(file);
    await createKvWaitlistStore(again).clearNotified(entry);
    again.close();
    stored = expiries(file);
    for (const at of stored) {
      assert.ok(at >= nowMs + ttlMs && at <= Date.now() + ttlMs, `expiry ${at} after the clear`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
