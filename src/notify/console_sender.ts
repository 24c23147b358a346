/**
 * The embedded message sender: keeps every message in a development outbox in KV (read by
 * `GET /v1/dev/outbox` and by tests) and logs that a message went out, without the phone or body.
 * Refused in production by config. Messages are blind writes, so concurrent sends share a commit
 * (group_commit.ts).
 *
 * A message is one entry, under its phone (["outbox_by_to", to, sentAtMs, id]): the outbox is only
 * ever read by phone. Releases up to 6b36eb2 also wrote a copy under ["outbox", sentAtMs, id] that
 * nothing read; they read the by-phone entries as this one writes them, and their copies expire
 * within the hour (erasure still deletes them).
 */
import type { Logger } from "../observability/logger.ts";
import { newId } from "../crypto/random.ts";
import { commit } from "../stores/kv/kv_commit.ts";
import { type GroupCommit, groupCommitOf } from "../stores/kv/group_commit.ts";
import { outboxByToKey, outboxByToPrefix, outboxKey } from "../stores/kv/keys.ts";
import type { MessageSender } from "./message_sender.ts";

export interface OutboxMessage {
  id: string;
  to: string;
  body: string;
  code: string | null;
  channel: string;
  sentAt: string;
}

const OUTBOX_TTL_MS = 60 * 60 * 1000;

export function createConsoleSender(
  kv: Deno.Kv,
  log: Logger,
  group: GroupCommit = groupCommitOf(kv),
): MessageSender {
  return {
    name: "console",
    async send(message) {
      const sentAtMs = Date.now();
      const id = newId("msg", sentAtMs);
      const entry: OutboxMessage = {
        id,
        to: message.to,
        body: message.body,
        code: message.code ?? null,
        channel: message.channel,
        sentAt: new Date(sentAtMs).toISOString(),
      };
      await group.write(
        (op) => op.set(outboxByToKey(message.to, sentAtMs, id), entry, { expireIn: OUTBOX_TTL_MS }),
        1,
      );
      log.info("message sent to dev outbox", { channel: message.channel, messageId: id });
      return { providerId: id };
    },
  };
}

/**
 * The messages to one phone, newest first: a scan of that phone's messages only, so load tests
 * that read a code per booking stay O(1).
 */
export async function readOutbox(kv: Deno.Kv, to: string, limit = 50): Promise<OutboxMessage[]> {
  const out: OutboxMessage[] = [];
  const cutoff = Date.now() - OUTBOX_TTL_MS;
  const prefix = outboxByToPrefix(to);
  for await (const e of kv.list<OutboxMessage>({ prefix }, { reverse: true, limit })) {
    if (Date.parse(e.value.sentAt) < cutoff) break;
    out.push(e.value);
  }
  return out;
}

/**
 * Deletes every dev-outbox message to `to` (erasure), with the copy an earlier release kept of
 * each (see the header). Returns how many.
 */
export async function forgetRecipient(kv: Deno.Kv, to: string): Promise<number> {
  let n = 0;
  for await (const e of kv.list<OutboxMessage>({ prefix: outboxByToPrefix(to) })) {
    await commit(() =>
      kv.atomic().delete(e.key).delete(outboxKey(Date.parse(e.value.sentAt), e.value.id))
    );
    n++;
  }
  return n;
}
