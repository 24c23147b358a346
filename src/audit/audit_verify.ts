/**
 * Walks the whole audit chain in order and reports the first entry that does not hold: a gap in
 * the sequence (a deleted entry), a `prevHash` that is not the previous entry's hash, a hash that
 * does not match the entry's content (an edited entry), or a head that does not point at the last
 * entry (a deleted tail). Read-only.
 */
import { withKvRetry } from "../stores/kv/kv_commit.ts";
import { auditHeadKey, keySpace } from "../stores/kv/keys.ts";
import { type AuditEntry, entryHash, GENESIS_HASH } from "./audit_chain.ts";
import type { AuditHead } from "./audit_log.ts";

export interface ChainBreak {
  seq: number;
  id: string | null;
  reason: string;
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  broken: ChainBreak | null;
}

export async function verifyAuditChain(
  kv: Deno.Kv,
  onProgress?: (checked: number) => void,
): Promise<VerifyResult> {
  const head = (await withKvRetry(() => kv.get<AuditHead>(auditHeadKey))).value;
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let checked = 0;
  const fail = (seq: number, id: string | null, reason: string): VerifyResult => ({
    ok: false,
    checked,
    broken: { seq, id, reason },
  });
  for await (const e of kv.list<AuditEntry>({ prefix: keySpace("audit") })) {
    const seq = e.key[1] as number;
    const entry = e.value;
    if (seq !== expectedSeq) {
      return fail(expectedSeq, null, `entry ${expectedSeq} is missing (next found is ${seq})`);
    }
    if (entry.seq !== seq) {
      return fail(seq, entry.id, `entry stored under ${seq} says seq ${entry.seq}`);
    }
    if (entry.prevHash !== prevHash) {
      return fail(seq, entry.id, "prevHash does not match the previous entry's hash");
    }
    if (await entryHash(entry) !== entry.hash) {
      return fail(seq, entry.id, "content does not match its hash (entry was modified)");
    }
    prevHash = entry.hash;
    expectedSeq++;
    checked++;
    onProgress?.(checked);
  }
  const lastSeq = expectedSeq - 1;
  if ((head?.seq ?? 0) !== lastSeq) {
    return fail(
      lastSeq + 1,
      null,
      `head says ${head?.seq ?? 0} entries but the chain ends at ${lastSeq}`,
    );
  }
  if (head && head.hash !== prevHash) {
    return fail(lastSeq, null, "head hash does not match the last entry");
  }
  return { ok: true, checked, broken: null };
}
