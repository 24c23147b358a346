/**
 * The console sender's dev outbox: one KV entry per message, under its phone, read newest first;
 * and the copies an earlier release (6b36eb2) also kept under ["outbox", …] still erased.
 */
import assert from "node:assert/strict";
import {
  createConsoleSender,
  forgetRecipient,
  readOutbox,
} from "../../src/notify/console_sender.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { keySpace, outboxByToKey, outboxKey } from "../../src/stores/kv/keys.ts";

const log = createLogger({ level: "error", write: () => {} });
const PHONE = "+919811110101";

async function allKeys(kv: Deno.Kv): Promise<Deno.KvKey[]> {
  const out: Deno.KvKey[] = [];
  for await (const e of kv.list({ prefix: [] })) out.push(e.key);
  return out;
}

Deno.test("createConsoleSender().send() stores a message once, under its phone", async () => {
  using kv = await Deno.openKv(":memory:");
  const sender = createConsoleSender(kv, log);
  const { providerId } = await sender.send({
    to: PHONE,
    body: "Code 123456",
    code: "123456",
    channel: "sms",
  });
  const keys = await allKeys(kv);
  assert.equal(keys.length, 1, `one entry per message, found ${JSON.stringify(keys)}`);
  assert.equal(keys[0][0], "outbox_by_to");
  const [message] = await readOutbox(kv, PHONE);
  assert.equal(message.id, providerId);
  assert.equal(message.code, "123456");
  assert.equal((await readOutbox(kv, "+919811110102")).length, 0);
});

Deno.test("readOutbox() lists one phone's messages newest first", async () => {
  using kv = await Deno.openKv(":memory:");
  const sender = createConsoleSender(kv, log);
  await sender.send({ to: PHONE, body: "first", code: "111111", channel: "sms" });
  await new Promise((r) => setTimeout(r, 2));
  await sender.send({ to: PHONE, body: "second", code: "222222", channel: "sms" });
  assert.deepEqual((await readOutbox(kv, PHONE)).map((m) => m.body), ["second", "first"]);
});

Deno.test("forgetRecipient() erases the phone's messages and an earlier release's copies", async () => {
  using kv = await Deno.openKv(":memory:");
  await createConsoleSender(kv, log).send({ to: PHONE, body: "new", channel: "sms" });
  // As 6b36eb2 stored a message: the by-phone entry and a copy under ["outbox", sentAtMs, id].
  const sentAtMs = Date.now();
  const old = {
    id: "msg_old",
    to: PHONE,
    body: "old",
    code: "333333",
    channel: "sms",
    sentAt: new Date(sentAtMs).toISOString(),
  };
  await kv.atomic().set(outboxKey(sentAtMs, old.id), old).set(
    outboxByToKey(PHONE, sentAtMs, old.id),
    old,
  ).commit();
  assert.equal((await readOutbox(kv, PHONE)).length, 2);
  assert.equal(await forgetRecipient(kv, PHONE), 2);
  assert.deepEqual(await allKeys(kv), []);
  assert.equal((await Array.fromAsync(kv.list({ prefix: keySpace("outbox") }))).length, 0);
});
