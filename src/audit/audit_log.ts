/**
 * The append-only audit trail in Deno KV: who did what to which appointment and patient record.
 * Each append reads the chain head, writes entry `seq + 1` chained (keyed, audit_chain.ts) to the
 * head's hash, and moves the head in one atomic commit that checks the head's versionstamp, so
 * appends from several processes serialize (the loser re-reads and retries); within a process
 * appends are batched into one commit by a single writer. `stageAuditEntries` puts entries into
 * a commit the caller builds, so a change and its audit entries land together. Index keys by appointment, patient and actor serve
 * the admin's filtered listing. Nothing here ever updates or deletes an entry.
 */
import { newId } from "../crypto/random.ts";
import { decodeCursor, encodeCursor } from "../stores/cursor.ts";
import { groupCommitOf } from "../stores/kv/group_commit.ts";
import { withKvRetry } from "../stores/kv/kv_commit.ts";
import {
  auditHeadKey,
  auditIndexKey,
  auditIndexPrefix,
  auditKey,
  keySpace,
} from "../stores/kv/keys.ts";
import type { Page } from "../stores/ports.ts";
import { type AuditAction, type AuditEntry, entryHash, GENESIS_HASH } from "./audit_chain.ts";
import type { AuditKeyring } from "./audit_keys.ts";

export interface AuditHead {
  seq: number;
  hash: string;
  /** The audit key that signed `mac` over seq and hash. */
  keyId: string;
  mac: string;
}

export interface AuditRecordInput {
  actorId: string;
  actorRole: string;
  action: AuditAction;
  appointmentId?: string | null;
  patientId?: string | null;
  doctorId?: string | null;
  /** A record that is no appointment, patient or doctor (a webhook endpoint, a dead letter). */
  targetId?: string;
  /** A corrected outcome: the status before and after. */
  fromStatus?: string;
  toStatus?: string;
}

export interface AuditQuery {
  appointmentId?: string;
  patientId?: string;
  actorId?: string;
  fromMs?: number;
  toMs?: number;
}

export interface AuditLog {
  /**
   * Appends one entry; `alongside` (a few mutations, no check) goes into the commit that stores
   * it, e.g. the done mark of the event that asked for it.
   */
  append(
    input: AuditRecordInput,
    alongside?: (op: Deno.AtomicOperation) => Deno.AtomicOperation,
  ): Promise<AuditEntry>;
  /** Newest first; `cursor` from a previous page. */
  list(query: AuditQuery, limit: number, cursor?: string): Promise<Page<AuditEntry>>;
}

const MAX_APPEND_TRIES = 100;
/**
 * How far instances' clocks may disagree. An entry is chained after the head that holds every
 * earlier one, so its `atMs` is later than theirs, less this: a listing by `from` stops once it
 * has passed `from` by as much, and one by `to` starts where entries have passed `to` by as
 * much, rather than read the whole trail.
 */
const CLOCK_SKEW_MS = 5 * 60_000;
/**
 * Entries chained and committed together: 5 mutations each (7 with an event's done mark alongside)
 * and ONE check (the head) per batch.
 */
const MAX_BATCH = 20;

interface Waiting {
  input: AuditRecordInput;
  alongside?: (op: Deno.AtomicOperation) => Deno.AtomicOperation;
  resolve: (entry: AuditEntry) => void;
  reject: (err: unknown) => void;
}

/** Audit entries chained after a head, ready to go into an atomic commit. */
export interface StagedAudit {
  entries: AuditEntry[];
  /** The head once committed. */
  head: AuditHead;
  /** Adds to `op` the check on the head, the entries, their index keys and the head's move. */
  addTo(op: Deno.AtomicOperation): Deno.AtomicOperation;
}

/**
 * Chains the entries for `inputs` after `head` (as read from ["audit_head"]). Whoever commits a
 * state change adds them to that same commit (`staged.addTo(op)`), so the change and its audit
 * entries land together or not at all; if another append moved the head meanwhile, the head check
 * fails the commit and the caller re-reads and stages again. Adds 1 check to the commit.
 */
export async function stageAuditEntries(
  head: Deno.KvEntryMaybe<AuditHead>,
  inputs: AuditRecordInput[],
  keys: AuditKeyring,
  now: () => number,
): Promise<StagedAudit> {
  let prev = head.value ?? { seq: 0, hash: GENESIS_HASH };
  const entries: AuditEntry[] = [];
  for (const input of inputs) {
    const atMs = now();
    const unsigned = {
      seq: prev.seq + 1,
      id: newId("aud", atMs),
      atMs,
      at: new Date(atMs).toISOString(),
      actorId: input.actorId,
      actorRole: input.actorRole,
      action: input.action,
      appointmentId: input.appointmentId ?? null,
      patientId: input.patientId ?? null,
      doctorId: input.doctorId ?? null,
      ...(input.targetId ? { targetId: input.targetId } : {}),
      ...(input.fromStatus ? { fromStatus: input.fromStatus } : {}),
      ...(input.toStatus ? { toStatus: input.toStatus } : {}),
      prevHash: prev.hash,
      keyId: keys.activeKeyId,
    };
    const entry: AuditEntry = { ...unsigned, hash: await entryHash(unsigned, keys) };
    entries.push(entry);
    prev = { seq: entry.seq, hash: entry.hash };
  }
  const nextHead = await signedHead(prev, keys);
  return {
    entries,
    head: nextHead,
    addTo(op) {
      op.check(head);
      for (const entry of entries) {
        op.set(auditKey(entry.seq), entry);
        if (entry.appointmentId) {
          op.set(auditIndexKey("appointment", entry.appointmentId, entry.seq), entry.seq);
        }
        if (entry.patientId) {
          op.set(auditIndexKey("patient", entry.patientId, entry.seq), entry.seq);
        }
        // A patient acting on their own record (a booking, a cancel) is found by actor through
        // the patient index (`list` reads both): one index entry fewer per such change.
        if (entry.actorId !== entry.patientId) {
          op.set(auditIndexKey("actor", entry.actorId, entry.seq), entry.seq);
        }
      }
      return op.set(auditHeadKey, nextHead);
    },
  };
}

/** The head names the last entry and is signed too, so it cannot be moved back without the key. */
async function signedHead(last: { seq: number; hash: string }, keys: AuditKeyring) {
  const keyId = keys.activeKeyId;
  return {
    seq: last.seq,
    hash: last.hash,
    keyId,
    mac: await keys.mac(keyId, headText(last.seq, last.hash)),
  } satisfies AuditHead;
}

export const headText = (seq: number, hash: string) => `audit_head:${seq}:${hash}`;

export function createKvAuditLog(kv: Deno.Kv, now: () => number, keys: AuditKeyring): AuditLog {
  // Appends from this process queue up and are written in batches by one writer (group commit):
  // without it, every concurrent booking raced for the single head key and retried.
  const waiting: Waiting[] = [];
  let writing = false;
  const group = groupCommitOf(kv);
  // The head as this writer last committed it: the next batch chains after it without reading
  // it again. Its check still guards the commit; should anything else have moved the head, the
  // commit fails and the head is read.
  let lastHead: Deno.KvEntryMaybe<AuditHead> | undefined;

  async function appendBatch(batch: Waiting[]): Promise<AuditEntry[]> {
    const inputs = batch.map((w) => w.input);
    for (let attempt = 0; attempt < MAX_APPEND_TRIES; attempt++) {
      const head = lastHead ?? await withKvRetry(() => kv.get<AuditHead>(auditHeadKey));
      lastHead = undefined;
      const staged = await stageAuditEntries(head, inputs, keys, now);
      const res = await group.commit((op) => {
        for (const w of batch) w.alongside?.(op);
        return staged.addTo(op);
      });
      if (res.ok) {
        lastHead = { key: auditHeadKey, value: staged.head, versionstamp: res.versionstamp };
        return staged.entries;
      }
      // Another process moved the head: re-read it and chain again.
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 * (attempt + 1))));
    }
    throw new Error(`Could not append to the audit trail after ${MAX_APPEND_TRIES} tries`);
  }

  async function drain() {
    if (writing) return;
    writing = true;
    try {
      while (waiting.length > 0) {
        const batch = waiting.splice(0, MAX_BATCH);
        try {
          const entries = await appendBatch(batch);
          batch.forEach((w, i) => w.resolve(entries[i]));
        } catch (err) {
          for (const w of batch) w.reject(err);
        }
      }
    } finally {
      writing = false;
    }
  }

  /** The whole trail before `beforeSeq`, newest first. */
  async function* entriesBefore(beforeSeq: number): AsyncGenerator<AuditEntry> {
    const prefix = keySpace("audit");
    const iter = kv.list<AuditEntry>({ prefix, end: [...prefix, beforeSeq] }, { reverse: true });
    for await (const e of iter) yield e.value;
  }

  /** The seqs the index `prefixes` list before `beforeSeq`, merged newest first, each once. */
  async function* newestSeqs(prefixes: Deno.KvKey[], beforeSeq: number): AsyncGenerator<number> {
    const iters = prefixes.map((prefix) =>
      kv.list<number>({ prefix, end: [...prefix, beforeSeq] }, { reverse: true })
    );
    const seqOf = (e: Deno.KvEntry<number>) => e.key[e.key.length - 1] as number;
    const heads = await Promise.all(iters.map((it) => it.next()));
    let last: number | null = null;
    while (true) {
      let best = -1;
      heads.forEach((h, i) => {
        if (!h.done && (best < 0 || seqOf(h.value) > seqOf(heads[best].value!))) best = i;
      });
      if (best < 0) return;
      const seq = seqOf(heads[best].value!);
      heads[best] = await iters[best].next();
      if (seq !== last) yield last = seq;
    }
  }

  /**
   * A seq from which on no entry is before `toMs`: found by bisection (an entry at `toMs` plus
   * the clock skew or later, else one past the head), so a listing of a window long ago starts
   * near it instead of at the newest entry.
   */
  async function seqNotBefore(toMs: number): Promise<number> {
    const head = (await withKvRetry(() => kv.get<AuditHead>(auditHeadKey))).value;
    let lo = 1;
    let hi = (head?.seq ?? 0) + 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const entry = (await withKvRetry(() => kv.get<AuditEntry>(auditKey(mid)))).value;
      if (entry && entry.atMs >= toMs + CLOCK_SKEW_MS) hi = mid;
      else lo = mid + 1;
    }
    return hi;
  }

  return {
    append(input, alongside) {
      return new Promise<AuditEntry>((resolve, reject) => {
        waiting.push({ input, alongside, resolve, reject });
        void drain();
      });
    },

    async list(query, limit, cursor) {
      let beforeSeq = cursor ? decodeCursor(cursor, ["number"])[0] : Number.MAX_SAFE_INTEGER;
      if (query.toMs !== undefined) beforeSeq = Math.min(beforeSeq, await seqNotBefore(query.toMs));
      const index = query.appointmentId
        ? auditIndexPrefix("appointment", query.appointmentId)
        : query.patientId
        ? auditIndexPrefix("patient", query.patientId)
        : query.actorId
        ? auditIndexPrefix("actor", query.actorId)
        : null;
      const items: AuditEntry[] = [];
      let lastSeq: number | null = null;
      let more = false;
      // By actor alone: the actor index, and the patient index of the same id (see `addTo`).
      const byActor = !query.appointmentId && !query.patientId && query.actorId;
      const found = index
        ? newestSeqs(
          byActor ? [index, auditIndexPrefix("patient", byActor)] : [index],
          beforeSeq,
        )
        : entriesBefore(beforeSeq);
      for await (const e of found) {
        const seq = typeof e === "number" ? e : e.seq;
        const entry = typeof e === "number"
          ? (await withKvRetry(() => kv.get<AuditEntry>(auditKey(seq)))).value
          : e;
        if (!entry) continue;
        // Entries only get older from here (up to the clocks' skew): none of them can match.
        if (query.fromMs !== undefined && entry.atMs < query.fromMs - CLOCK_SKEW_MS) break;
        if (!matches(entry, query)) continue;
        if (items.length === limit) {
          more = true;
          break;
        }
        items.push(entry);
        lastSeq = seq;
      }
      return { items, nextCursor: more && lastSeq !== null ? encodeCursor([lastSeq]) : null };
    },
  };
}

function matches(e: AuditEntry, q: AuditQuery): boolean {
  return (!q.appointmentId || e.appointmentId === q.appointmentId) &&
    (!q.patientId || e.patientId === q.patientId) &&
    (!q.actorId || e.actorId === q.actorId) &&
    (q.fromMs === undefined || e.atMs >= q.fromMs) &&
    (q.toMs === undefined || e.atMs < q.toMs);
}

/**
 * The actor of an operator task (`deno task admin:create`, `dlq replay`): whoever runs it has
 * shell access to the stores and no identity the app knows.
 */
export const OPERATOR = { id: "operator", role: "operator" } as const;

/**
 * Appends the entry of a privileged change `user` made through the API or an operator task (a
 * doctor registered, a webhook's secret rotated): who, what, when and the ids acted on, never a
 * phone, URL or secret.
 * Called once the change is stored, so the trail names no change that did not happen.
 */
export function auditChangeBy(
  audit: AuditLog,
  user: { id: string; role: string },
  action: AuditAction,
  ids: Pick<AuditRecordInput, "doctorId" | "targetId">,
): Promise<AuditEntry> {
  return audit.append({ actorId: user.id, actorRole: user.role, action, ...ids });
}
