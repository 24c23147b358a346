/**
 * The transactional outbox in Deno KV: one entry per (event, handler) under
 * ["event_due", dueMs, eventId, handler], written by the same atomic commit as the state change
 * that causes the event (`addToOutbox`), or on its own by a handler that fans out further work
 * (`writeToOutbox`). Entries are plain `set`s with deterministic keys, so writing one twice is
 * harmless; delivery (dispatcher.ts) deletes an entry when its handler is done with it.
 */
import type { CommitPart } from "../stores/ports.ts";
import { commit, untilCommitted, withKvRetry } from "../stores/kv/kv_commit.ts";
import { eventDueKey, keySpace } from "../stores/kv/keys.ts";
import { type EventEnvelope, isEnvelope } from "./event_types.ts";

/** Mutations per standalone outbox commit: far below KV's 1000, and small values. */
const WRITE_CHUNK = 50;

export function dueKeyOf(envelope: EventEnvelope): Deno.KvKey {
  return eventDueKey(envelope.notBeforeMs, envelope.event.id, envelope.handler);
}

/** Adds the envelopes to an atomic operation that also carries the change causing them. */
export function addToOutbox(op: Deno.AtomicOperation, envelopes: readonly EventEnvelope[]) {
  for (const e of envelopes) op.set(dueKeyOf(e), e);
  return op;
}

/** Adds the removal of the envelopes' entries (written, not delivered) to an atomic operation. */
export function removeFromOutbox(op: Deno.AtomicOperation, envelopes: readonly EventEnvelope[]) {
  for (const e of envelopes) op.delete(dueKeyOf(e));
  return op;
}

/**
 * Writes envelopes with no state change of their own (handlers' follow-up work, replays, events
 * moved out of MongoDB records). `alongside`'s checks and mutations go in the first commit, which
 * is built again, `alongside` called anew, while one of its checks refuses it.
 */
export async function writeToOutbox(
  kv: Deno.Kv,
  envelopes: readonly EventEnvelope[],
  alongside?: CommitPart,
) {
  let from = 0;
  if (alongside) {
    const first = envelopes.slice(0, WRITE_CHUNK);
    await untilCommitted("Writing events to the outbox", async () => {
      const add = await alongside();
      const res = await commit(() => add(addToOutbox(kv.atomic(), first)));
      return res.ok ? true : undefined;
    });
    from = first.length;
  }
  for (let i = from; i < envelopes.length; i += WRITE_CHUNK) {
    const part = envelopes.slice(i, i + WRITE_CHUNK);
    const res = await commit(() => addToOutbox(kv.atomic(), part));
    if (!res.ok) throw new Error("Could not write events to the outbox: the commit was refused");
  }
}

/** Entries due at `nowMs`, oldest first. */
export async function listDue(
  kv: Deno.Kv,
  nowMs: number,
  limit: number,
): Promise<EventEnvelope[]> {
  const out: EventEnvelope[] = [];
  const iter = kv.list<unknown>(
    { start: keySpace("event_due"), end: [...keySpace("event_due"), nowMs + 1] },
    { limit, batchSize: Math.min(limit, 500) },
  );
  for await (const e of iter) if (isEnvelope(e.value)) out.push(e.value);
  return out;
}

export interface OutboxStats {
  /** Entries waiting, due or not (scheduled ones counted up to `SCHEDULED_CAP`). */
  depth: number;
  /** Entries already due (counted up to `cap`). */
  due: number;
  /** Age of the oldest due entry, 0 when none is due. */
  oldestDueAgeMs: number;
}

/**
 * Scheduled entries (reminders days ahead) counted for the gauge at most: every booking leaves
 * two, so counting them all read the whole future outbox on every stats pass, and under load
 * that read competed with the bookings for KV (docs/BENCHMARKS.md, issue 15).
 */
const SCHEDULED_CAP = 1000;

/** Depth and oldest age for the metrics gauges; stops counting due entries at `cap`. */
export async function outboxStats(kv: Deno.Kv, nowMs: number, cap = 10_000): Promise<OutboxStats> {
  const space = keySpace("event_due");
  const split: Deno.KvKey = [...space, nowMs + 1];
  let due = 0;
  let oldest: number | null = null;
  for await (const e of kv.list({ start: space, end: split }, { limit: cap, batchSize: 1000 })) {
    due++;
    oldest ??= e.key[1] as number;
  }
  let scheduled = 0;
  const later = kv.list({ start: split, end: [...space, Number.MAX_SAFE_INTEGER] }, {
    limit: SCHEDULED_CAP,
    batchSize: SCHEDULED_CAP,
  });
  for await (const _ of later) scheduled++;
  return { depth: due + scheduled, due, oldestDueAgeMs: oldest === null ? 0 : nowMs - oldest };
}

/** Reads one entry (tests and the dead-letter replay). */
export async function readEntry(kv: Deno.Kv, envelope: EventEnvelope) {
  return await withKvRetry(() => kv.get<EventEnvelope>(dueKeyOf(envelope)));
}
