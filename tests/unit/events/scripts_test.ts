import assert from "node:assert/strict";
import type { AuditEntry } from "../../../src/audit/audit_chain.ts";
import { createKvAuditLog } from "../../../src/audit/audit_log.ts";
import { createAuditKeyring } from "../../../src/audit/audit_keys.ts";
import { generateDataKeyBase64 } from "../../../src/crypto/data_cipher.ts";
import { addDeadLetter, listDeadLetters } from "../../../src/events/dead_letters.ts";
import { ENVELOPE_KIND } from "../../../src/events/event_types.ts";
import { listDue } from "../../../src/events/outbox.ts";
import { auditKey } from "../../../src/stores/kv/keys.ts";

async function run(script: string, args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `scripts/${script}`, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, text: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

async function tempKv() {
  return `${await Deno.makeTempDir({ prefix: "vaidya-events-" })}/test.kv`;
}

Deno.test("audit:verify exits 1 naming the first modified entry", async () => {
  const path = await tempKv();
  const kv = await Deno.openKv(path);
  const keys = [{ id: "a1", keyBase64: generateDataKeyBase64() }];
  await kv.set(["secret", "audit_keys"], keys);
  const log = createKvAuditLog(kv, () => Date.now(), await createAuditKeyring(keys));
  for (let i = 0; i < 3; i++) {
    await log.append({ actorId: "adm_1", actorRole: "admin", action: "appointment.cancel" });
  }
  assert.equal((await run("audit_verify.ts", ["--kv", path])).code, 0);
  const e2 = (await kv.get<AuditEntry>(auditKey(2))).value!;
  await kv.set(auditKey(2), { ...e2, actorRole: "patient" });
  kv.close();
  const broken = await run("audit_verify.ts", ["--kv", path]);
  assert.equal(broken.code, 1);
  assert.match(broken.text, new RegExp(`entry 2 \\(${e2.id}\\)`));
});

Deno.test("dlq lists, refuses to replay without --yes off a terminal, and replays with it", async () => {
  const path = await tempKv();
  const kv = await Deno.openKv(path);
  await kv.set(["secret", "audit_keys"], [{ id: "a1", keyBase64: generateDataKeyBase64() }]);
  await addDeadLetter(
    kv,
    {
      kind: ENVELOPE_KIND,
      handler: "webhooks.deliver",
      event: { id: "evt-1", type: "webhook.delivery", occurredAtMs: 0, data: {} },
      attempt: 4,
      notBeforeMs: 0,
    },
    "Endpoint answered 500",
    Date.now(),
  );
  const [letter] = await listDeadLetters(kv);
  kv.close();

  const list = await run("dlq.ts", ["list", "--kv", path]);
  assert.equal(list.code, 0);
  assert.match(list.text, new RegExp(`${letter.id}\\s+webhooks.deliver\\s+webhook.delivery`));
  assert.match((await run("dlq.ts", ["--help"])).text, /Usage: deno task dlq/);
  const dry = await run("dlq.ts", ["replay", "--all", "--dry-run", "--kv", path]);
  assert.match(dry.text, /1 dead letter\(s\) would be replayed/);
  const refused = await run("dlq.ts", ["replay", "--id", letter.id, "--kv", path]);
  assert.notEqual(refused.code, 0);
  assert.match(refused.text, /--yes/);
  const done = await run("dlq.ts", ["replay", "--id", letter.id, "--yes", "--kv", path]);
  assert.equal(done.code, 0, done.text);
  assert.match(done.text, /Replayed 1 of 1/);

  const after = await Deno.openKv(path);
  assert.equal((await listDeadLetters(after)).length, 0);
  const [back] = await listDue(after, Date.now(), 10);
  assert.equal(back?.event.id, "evt-1", "the replayed envelope waits in the outbox");
  assert.equal(back.attempt, 0);
  after.close();
});
