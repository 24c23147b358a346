/**
 * The console sender's dev outbox: one KV entry per message, under the phone's blind index and
 * without the phone, read newest first; and what earlier releases kept (under the phone itself, and
 * 6b36eb2's copies under ["outbox", …]) still erased.
 */
import assert from "node:assert/strict";
import {
  createConsoleSender,
  forgetRecipient,
  readOutbox,
} from "../../src/notify/console_sender.ts";
import { createKeyedHash } from "../../src/crypto/keyed_hash.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { keySpace, outboxByToKey, outboxKey } from "../../src/stores/kv/keys.ts";

const log = createLogger({ level: "error", write: () => {} });
const hash = await createKeyedHash(btoa("a test key of at least thirty-two bytes"));
const PHONE = "+919811110101";

async function allEntries(kv: Deno.Kv) {
  return await Array.fromAsync(kv.list({ prefix: [] }));
}

Deno.test("createConsoleSender().send() stores a message once, under the phone's blind index", async () => {
  using kv = await Deno.openKv(":memory:");
  const sender = createConsoleSender(kv, log, hash);
  const { providerId } = await sender.send({
    to: PHONE,
    body: "Code 123456",
    code: "123456",
    channel: "sms",
  });
  const entries = await allEntries(kv);
  assert.equal(entries.length, 1, `one entry per message, found ${entries.length}`);
  assert.deepEqual(entries[0].key.slice(0, 2), ["outbox_by_to", await hash.hash("phone", PHONE)]);
  const stored = JSON.stringify([entries[0].key.map(String), entries[0].value]);
  assert.ok(!stored.includes(PHONE.slice(3)), `no phone in the clear: ${stored}`);
  const [message] = await readOutbox(kv, hash, PHONE);
  assert.equal(message.id, providerId);
  assert.equal(message.code, "123456");
  assert.equal(message.to, PHONE, "a read puts back the phone it was asked for");
  assert.equal((await readOutbox(kv, hash, "+919811110102")).length, 0);
});

Deno.test("readOutbox() lists one phone's messages newest first", async () => {
  using kv = await Deno.openKv(":memory:");
  const sender = createConsoleSender(kv, log, hash);
  await sender.send({ to: PHONE, body: "first", code: "111111", channel: "sms" });
  await new Promise((r) => setTimeout(r, 2));
  await sender.send({ to: PHONE, body: "second", code: "222222", channel: "sms" });
  await sender.send({ to: "+919811110102", body: "other", code: "333333", channel: "sms" });
  assert.deepEqual((await readOutbox(kv, hash, PHONE)).map((m) => m.body), ["second", "first"]);
});

Deno.test("forgetRecipient() erases the phone's messages and what earlier releases kept", async () => {
  using kv = await Deno.openKv(":memory:");
  const phoneIndex = await hash.hash("phone", PHONE);
  await createConsoleSender(kv, log, hash).send({ to: PHONE, body: "new", channel: "sms" });
  await createConsoleSender(kv, log, hash).send({
    to: "+919811110102",
    body: "kept",
    channel: "sms",
  });
  // As 49fa038 stored a message (under the phone, with it in the value), and as 6b36eb2 did: the
  // same, plus a copy under ["outbox", sentAtMs, id].
  const sentAtMs = Date.now();
  const old = (id: string) => ({
    id,
    to: PHONE,
    body: "old",
    code: "333333",
    channel: "sms",
    sentAt: new Date(sentAtMs).toISOString(),
  });
  await kv.atomic()
    .set(outboxByToKey(PHONE, sentAtMs, "msg_a"), old("msg_a"))
    .set(outboxKey(sentAtMs, "msg_b"), old("msg_b"))
    .set(outboxByToKey(PHONE, sentAtMs, "msg_b"), old("msg_b"))
    .commit();
  assert.equal(await forgetRecipient(kv, phoneIndex, PHONE), 3);
  const left = await allEntries(kv);
  assert.equal(left.length, 1, "only the other phone's message is left");
  assert.equal((left[0].value as { body: string }).body, "kept");
  assert.equal((await Array.fromAsync(kv.list({ prefix: keySpace("outbox") }))).length, 0);
  // Without the phone (already gone) the messages under the index still go; "" names none.
  await createConsoleSender(kv, log, hash).send({ to: PHONE, body: "again", channel: "sms" });
  assert.equal(await forgetRecipient(kv, phoneIndex, null), 1);
  assert.equal(await forgetRecipient(kv, "", null), 0);
  assert.equal((await allEntries(kv)).length, 1);
});
