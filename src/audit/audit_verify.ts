/**
 * Walks the whole audit chain in order and reports the first entry that does not hold: a gap in
 * the sequence (a deleted entry), a `prevHash` that is not the previous entry's hash, a keyed hash
 * that does not match the entry's content under the audit key it names (an edited entry, or a
 * chain recomputed without the key), or a head that does not point at the last entry or is not
 * signed (a deleted tail). Read-only. What no chain can show alone: an attacker who kept an old
 * signed head and cuts the chain back to it; compare the entry count with an outside record
 * (e.g. the last `audit:verify` output kept by the operator) for that.
 */
import { withKvRetry } from "../stores/kv/kv_commit.ts";
import { auditHeadKey, keySpace } from "../stores/kv/keys.ts";
import { type AuditEntry, entryHash, GENESIS_HASH } from "./audit_chain.ts";
import type { AuditKeyring } from "./audit_keys.ts";
import { type AuditHead, headText } from "./audit_log.ts";

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
  keys: AuditKeyring,
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
    if (!entry.keyId || !keys.has(entry.keyId)) {
      return fail(
        seq,
        entry.id,
        `signed with audit key "${entry.keyId ?? ""}", which is not configured`,
      );
    }
    if (await entryHash(entry, keys) !== entry.hash) {
      return fail(
        seq,
        entry.id,
        "content does not match its keyed hash (entry modified, or chain recomputed without the key)",
      );
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
  if (
    head &&
    (!keys.has(head.keyId) ||
      await keys.mac(head.keyId, headText(head.seq, head.hash)) !== head.mac)
  ) {
    return fail(
      lastSeq,
      null,
      "the head is not signed with a configured audit key (moved by hand)",
    );
  }
  return { ok: true, checked, broken: null };
}
