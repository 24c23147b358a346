/**
 * Privileged changes made by operator tasks are in the audit trail like an admin's over the API:
 * granting or revoking admin (`deno task admin:create`) and replaying dead letters (`deno task
 * dlq replay`, which sends notices and webhook deliveries again). Ids only, never the phone.
 */
import assert from "node:assert/strict";
import type { AuditEntry } from "../../src/audit/audit_chain.ts";
import { createAuditKeyring } from "../../src/audit/audit_keys.ts";
import { verifyAuditChain } from "../../src/audit/audit_verify.ts";
import { generateDataKeyBase64 } from "../../src/crypto/data_cipher.ts";
import { addDeadLetter, listDeadLetters } from "../../src/events/dead_letters.ts";
import { ENVELOPE_KIND } from "../../src/events/event_types.ts";
import { keySpace } from "../../src/stores/kv/keys.ts";
import { randomPhone } from "../_harness/api.ts";
import { runTask } from "./_run_task.ts";

async function tempDir() {
  const dir = await Deno.makeTempDir({ prefix: "vaidya-op-audit-" });
  await Deno.mkdir(`${dir}/data`);
  return dir;
}

/** The trail, oldest first, after checking its chain with the keys the tasks signed with. */
async function trailOf(kvPath: string): Promise<AuditEntry[]> {
  const kv = await Deno.openKv(kvPath);
  try {
    const keys =
      (await kv.get<{ id: string; keyBase64: string }[]>(["secret", "audit_keys"])).value;
    assert.ok(keys, "the audit keys are in KV");
    const verified = await verifyAuditChain(kv, await createAuditKeyring(keys));
    assert.equal(verified.ok, true, JSON.stringify(verified.broken));
    const out: AuditEntry[] = [];
    for await (const e of kv.list<AuditEntry>({ prefix: keySpace("audit") })) out.push(e.value);
    return out;
  } finally {
    kv.close();
  }
}

Deno.test("admin:create grant and revoke are audit entries naming the admin id, not the phone", async () => {
  const dir = await tempDir();
  const phone = randomPhone();
  const granted = await runTask("admin:create", ["--phone", phone], dir);
  assert.equal(granted.code, 0, granted.stderr);
  const revoked = await runTask("admin:create", ["--phone", phone, "--revoke", "--yes"], dir);
  assert.equal(revoked.code, 0, revoked.stderr);

  const trail = await trailOf(`${dir}/data/vaidya.kv`);
  assert.deepEqual(trail.map((e) => [e.action, e.actorRole]), [
    ["admin.grant", "operator"],
    ["admin.revoke", "operator"],
  ]);
  assert.match(String(trail[0].targetId), /^adm_/);
  assert.equal(trail[1].targetId, trail[0].targetId);
  assert.equal(JSON.stringify(trail).includes(phone.slice(1)), false);
});

Deno.test("dlq replay is an audit entry per replayed letter", async () => {
  const dir = await tempDir();
  const kvPath = `${dir}/data/vaidya.kv`;
  const kv = await Deno.openKv(kvPath);
  await kv.set(["secret", "audit_keys"], [{ id: "a1", keyBase64: generateDataKeyBase64() }]);
  for (const id of ["evt-1", "evt-2"]) {
    await addDeadLetter(
      kv,
      {
        kind: ENVELOPE_KIND,
        handler: "webhooks.deliver",
        event: { id, type: "webhook.delivery", occurredAtMs: 0, data: {} },
        attempt: 4,
        notBeforeMs: 0,
      },
      "Endpoint answered 500",
      Date.now(),
    );
  }
  const letters = await listDeadLetters(kv);
  kv.close();

  const done = await runTask("dlq", ["replay", "--all", "--yes"], dir);
  assert.equal(done.code, 0, done.stderr);
  const trail = await trailOf(kvPath);
  assert.deepEqual(
    trail.map((e) => [e.action, e.actorRole, e.targetId]),
    letters.map((l) => ["event.dlq_replay", "operator", l.id]),
  );
});
