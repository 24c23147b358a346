/**
 * The dead-letter list: envelopes whose handler failed on every try (written by the dispatcher)
 * or that the KV queue itself could not deliver (`keysIfUndelivered` parks the raw envelope).
 * `deno task dlq` lists and replays them; a replay starts the envelope over at attempt 0 and the
 * handler's idempotency record keeps it from acting twice.
 */
import { newId } from "../crypto/random.ts";
import { commit, withKvRetry } from "../stores/kv/kv_commit.ts";
import { eventDlqKey, keySpace } from "../stores/kv/keys.ts";
import { type EventEnvelope, isEnvelope } from "./event_types.ts";
import type { QueueTransport } from "./queue_transport.ts";

export interface DeadLetter {
  id: string;
  envelope: EventEnvelope;
  error: string;
  failedAt: string;
}

export async function addDeadLetter(
  kv: Deno.Kv,
  envelope: EventEnvelope,
  error: string,
  nowMs: number,
): Promise<void> {
  const id = newId("dlq", nowMs);
  const letter: DeadLetter = { id, envelope, error, failedAt: new Date(nowMs).toISOString() };
  await commit(() => kv.atomic().set(eventDlqKey(id), letter));
}

function toLetter(id: string, value: unknown): DeadLetter | null {
  if (isEnvelope(value)) {
    return { id, envelope: value, error: "undelivered by the queue", failedAt: "" };
  }
  const v = value as Partial<DeadLetter> | null;
  return v && isEnvelope(v.envelope)
    ? { id, envelope: v.envelope, error: v.error ?? "", failedAt: v.failedAt ?? "" }
    : null;
}

export async function listDeadLetters(kv: Deno.Kv, limit = 1000): Promise<DeadLetter[]> {
  const out: DeadLetter[] = [];
  for await (const e of kv.list({ prefix: keySpace("event_dlq") }, { limit })) {
    const letter = toLetter(String(e.key[1]), e.value);
    if (letter) out.push(letter);
  }
  return out;
}

/** Puts a dead letter back on the queue and removes it from the list, in one commit. */
export async function replayDeadLetter(
  kv: Deno.Kv,
  transport: QueueTransport,
  id: string,
): Promise<boolean> {
  const entry = await withKvRetry(() => kv.get(eventDlqKey(id)));
  const letter = entry.value === null ? null : toLetter(id, entry.value);
  if (!letter) return false;
  await transport.enqueue([{ ...letter.envelope, attempt: 0, notBeforeMs: 0 }], 0);
  const res = await commit(() => kv.atomic().check(entry).delete(eventDlqKey(id)));
  return res.ok;
}
