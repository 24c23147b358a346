/**
 * The dead-letter list: outbox entries whose handler failed on every try (moved here by the
 * dispatcher). `deno task dlq` lists and replays them; a replay puts the envelope back in the
 * outbox, due now at attempt 0, and removes the letter in one commit; the handler's idempotency
 * record keeps a replay of work already done from acting twice.
 */
import { newId } from "../crypto/random.ts";
import { commit, withKvRetry } from "../stores/kv/kv_commit.ts";
import { eventDlqKey, keySpace } from "../stores/kv/keys.ts";
import { type EventEnvelope, isEnvelope } from "./event_types.ts";
import { addToOutbox } from "./outbox.ts";

export interface DeadLetter {
  id: string;
  envelope: EventEnvelope;
  error: string;
  failedAt: string;
}

export function newDeadLetter(envelope: EventEnvelope, error: string, nowMs: number): DeadLetter {
  return {
    id: newId("dlq", nowMs),
    envelope,
    error,
    failedAt: new Date(nowMs).toISOString(),
  };
}

/** Parks an envelope in the list (the dispatcher does it in the commit that drops the entry). */
export async function addDeadLetter(
  kv: Deno.Kv,
  envelope: EventEnvelope,
  error: string,
  nowMs: number,
): Promise<void> {
  const letter = newDeadLetter(envelope, error, nowMs);
  await commit(() => kv.atomic().set(eventDlqKey(letter.id), letter));
}

function toLetter(id: string, value: unknown): DeadLetter | null {
  // Raw envelopes were parked by the KV queue of earlier versions (keysIfUndelivered).
  if (isEnvelope(value)) {
    return { id, envelope: value, error: "undelivered by the queue", failedAt: "" };
  }
  const v = value as Partial<DeadLetter> | null;
  return v && isEnvelope(v.envelope)
    ? { id, envelope: v.envelope, error: v.error ?? "", failedAt: v.failedAt ?? "" }
    : null;
}

/** The dead letters, oldest first: all of them, or the first `limit`. */
export async function listDeadLetters(kv: Deno.Kv, limit?: number): Promise<DeadLetter[]> {
  const out: DeadLetter[] = [];
  const options = limit === undefined ? {} : { limit };
  for await (const e of kv.list({ prefix: keySpace("event_dlq") }, options)) {
    const letter = toLetter(String(e.key[1]), e.value);
    if (letter) out.push(letter);
  }
  return out;
}

/** Puts a dead letter back in the outbox (due `nowMs`, attempt 0) and removes it, in one commit. */
export async function replayDeadLetter(
  kv: Deno.Kv,
  id: string,
  nowMs = Date.now(),
): Promise<boolean> {
  const entry = await withKvRetry(() => kv.get(eventDlqKey(id)));
  const letter = entry.value === null ? null : toLetter(id, entry.value);
  if (!letter) return false;
  const again: EventEnvelope = { ...letter.envelope, attempt: 0, notBeforeMs: nowMs };
  const res = await commit(() =>
    addToOutbox(kv.atomic().check(entry).delete(eventDlqKey(id)), [again])
  );
  return res.ok;
}
