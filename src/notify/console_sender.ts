/**
 * The embedded message sender: keeps every message in a development outbox in KV (read by
 * `GET /v1/dev/outbox` and by tests) and logs that a message went out, without the phone or body.
 * Refused in production by config. Messages are blind writes, so concurrent sends share a commit
 * (group_commit.ts).
 *
 * A message is one entry under its phone's blind index (["outbox_by_to", phoneIndex, sentAtMs,
 * id], the keyed hash every phone lookup uses): the outbox is only ever read by phone, and no phone
 * is stored in the clear, here as anywhere (the entry leaves the phone out; a read puts back the
 * one it was asked for). Releases up to 49fa038 keyed the entry by the phone itself and kept it in
 * the value; up to 6b36eb2 they also wrote a copy under ["outbox", sentAtMs, id] that nothing read.
 * Both expire within the hour; erasure still deletes them.
 */
import type { KeyedHash } from "../crypto/keyed_hash.ts";
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

/** What the outbox keeps of a message: everything but the phone, which its key stands for. */
type StoredMessage = Omit<OutboxMessage, "to">;

const OUTBOX_TTL_MS = 60 * 60 * 1000;

export function createConsoleSender(
  kv: Deno.Kv,
  log: Logger,
  hash: KeyedHash,
  group: GroupCommit = groupCommitOf(kv),
): MessageSender {
  return {
    name: "console",
    async send(message) {
      const phoneIndex = await hash.hash("phone", message.to);
      const sentAtMs = Date.now();
      const id = newId("msg", sentAtMs);
      const entry: StoredMessage = {
        id,
        body: message.body,
        code: message.code ?? null,
        channel: message.channel,
        sentAt: new Date(sentAtMs).toISOString(),
      };
      await group.write(
        (op) => op.set(outboxByToKey(phoneIndex, sentAtMs, id), entry, { expireIn: OUTBOX_TTL_MS }),
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
export async function readOutbox(
  kv: Deno.Kv,
  hash: KeyedHash,
  to: string,
  limit = 50,
): Promise<OutboxMessage[]> {
  const out: OutboxMessage[] = [];
  const cutoff = Date.now() - OUTBOX_TTL_MS;
  const prefix = outboxByToPrefix(await hash.hash("phone", to));
  for await (const e of kv.list<StoredMessage>({ prefix }, { reverse: true, limit })) {
    if (Date.parse(e.value.sentAt) < cutoff) break;
    const { id, body, code, channel, sentAt } = e.value;
    out.push({ id, to, body, code, channel, sentAt });
  }
  return out;
}

/**
 * Deletes every dev-outbox message to the phone (erasure): those under its blind index, and with
 * `phone` those earlier releases kept under the phone itself and their copies (see the header).
 * Returns how many messages.
 */
export async function forgetRecipient(
  kv: Deno.Kv,
  phoneIndex: string,
  phone: string | null,
): Promise<number> {
  let n = 0;
  // An erased patient's index is "": no message is under it.
  if (phoneIndex) {
    for await (const e of kv.list<StoredMessage>({ prefix: outboxByToPrefix(phoneIndex) })) {
      await commit(() => kv.atomic().delete(e.key));
      n++;
    }
  }
  if (phone === null) return n;
  for await (const e of kv.list<StoredMessage>({ prefix: outboxByToPrefix(phone) })) {
    await commit(() =>
      kv.atomic().delete(e.key).delete(outboxKey(Date.parse(e.value.sentAt), e.value.id))
    );
    n++;
  }
  return n;
}
