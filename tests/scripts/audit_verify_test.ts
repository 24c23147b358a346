/**
 * `deno task audit:verify` against the attack a plain hash chain cannot see: someone with write
 * access to the store but without the audit key deletes an entry, renumbers the rest and
 * recomputes every hash and the head. The attacker's recomputation is written here from the
 * entry format alone (SHA-256 and, separately, HMAC under a key of their own), not with the
 * module under test.
 */
import assert from "node:assert/strict";
import { createKvAuditLog } from "../../src/audit/audit_log.ts";
import { createAuditKeyring } from "../../src/audit/audit_keys.ts";
import { loadConfig } from "../../src/config/config.ts";
import { resolveSecrets } from "../../src/crypto/secrets.ts";
import { runTask } from "./_run_task.ts";

type Entry = Record<string, unknown> & { seq: number; prevHash: string; hash: string };

function canonical(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  const o = value as Record<string, unknown>;
  return `{${
    Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(",")
  }}`;
}

const hex = (b: ArrayBuffer) =>
  Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, "0")).join("");
const sha256 = async (t: string) =>
  hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(t)));
async function hmacWith(secret: Uint8Array<ArrayBuffer>) {
  const key = await crypto.subtle.importKey(
    "raw",
    secret,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return async (t: string) =>
    hex(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(t)));
}

/** A chain of 5 entries written by the app's audit log with its generated development key. */
async function writeChain(dir: string) {
  await Deno.mkdir(`${dir}/data`, { recursive: true });
  const kv = await Deno.openKv(`${dir}/data/vaidya.kv`);
  try {
    const config = loadConfig({ KV_PATH: `${dir}/data/vaidya.kv` });
    const secrets = await resolveSecrets(config, kv);
    const log = createKvAuditLog(kv, Date.now, await createAuditKeyring(secrets.auditKeys));
    for (let i = 0; i < 5; i++) {
      await log.append({
        actorId: `doc_${i}`,
        actorRole: "doctor",
        action: "appointment.notes_read",
        appointmentId: `apt_${i}`,
        patientId: "pat_1",
        doctorId: `doc_${i}`,
      });
    }
  } finally {
    kv.close();
  }
}

/** Deletes entry 3, renumbers 4 and 5, and rechains everything from 3 on with `hash`. */
async function deleteAndRechain(dir: string, hash: (text: string) => Promise<string>) {
  const kv = await Deno.openKv(`${dir}/data/vaidya.kv`);
  try {
    const entries: Entry[] = [];
    for await (const e of kv.list<Entry>({ prefix: ["audit"] })) entries.push(e.value);
    const kept = entries.filter((e) => e.seq !== 3);
    let prev = kept[1].hash;
    const op = kv.atomic().delete(["audit", 5]);
    for (const e of kept.slice(2)) {
      const next: Entry = { ...e, seq: e.seq - 1, prevHash: prev, hash: "" };
      const { hash: _, ...body } = next;
      next.hash = await hash(prev + canonical(body));
      prev = next.hash;
      op.set(["audit", next.seq], next);
    }
    const head = (await kv.get<Record<string, unknown>>(["audit_head"])).value!;
    op.set(["audit_head"], {
      ...head,
      seq: 4,
      hash: prev,
      mac: await hash(`audit_head:4:${prev}`),
    });
    assert.ok((await op.commit()).ok);
  } finally {
    kv.close();
  }
}

Deno.test("audit:verify passes an untouched chain and exits 1 after delete-and-recompute without the key", async (t) => {
  const attackers: [string, (text: string) => Promise<string>][] = [
    ["plain SHA-256", sha256],
    ["HMAC under a guessed key", await hmacWith(crypto.getRandomValues(new Uint8Array(32)))],
  ];
  for (const [name, hash] of attackers) {
    await t.step(name, async () => {
      const dir = await Deno.makeTempDir({ prefix: "vaidya-audit-" });
      await writeChain(dir);
      const intact = await runTask("audit:verify", [], dir);
      assert.equal(intact.code, 0, intact.stderr);
      assert.match(intact.stdout, /intact: 5 entries/);

      await deleteAndRechain(dir, hash);
      const res = await runTask("audit:verify", [], dir);
      assert.equal(res.code, 1, res.stdout);
      assert.match(res.stderr, /BROKEN at entry 3/);
      assert.match(res.stderr, /keyed hash/);
    });
  }
});

Deno.test("audit:verify with AUDIT_KEY: a rotated key keeps old entries verifiable", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vaidya-audit-" });
  await Deno.mkdir(`${dir}/data`, { recursive: true });
  const key = () => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
  const first = `a1:${key()}`;
  const second = `a2:${key()}`;
  const append = async (spec: string, n: number) => {
    const kv = await Deno.openKv(`${dir}/data/vaidya.kv`);
    const config = loadConfig({ KV_PATH: `${dir}/data/vaidya.kv`, AUDIT_KEY: spec });
    const log = createKvAuditLog(
      kv,
      Date.now,
      await createAuditKeyring((await resolveSecrets(config, kv)).auditKeys),
    );
    for (let i = 0; i < n; i++) {
      await log.append({ actorId: "adm_1", actorRole: "admin", action: "appointment.cancel" });
    }
    kv.close();
  };
  await append(first, 2);
  await append(`${second},${first}`, 2);
  const both = await runTask("audit:verify", [], dir, { AUDIT_KEY: `${second},${first}` });
  assert.equal(both.code, 0, both.stderr);
  assert.match(both.stdout, /intact: 4 entries/);
  const newOnly = await runTask("audit:verify", [], dir, { AUDIT_KEY: second });
  assert.equal(newOnly.code, 1);
  assert.match(newOnly.stderr, /entry 1 .*audit key "a1", which is not configured/);
  const bad = await runTask("audit:verify", [], dir, { AUDIT_KEY: "a1:short" });
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /AUDIT_KEY/);
});
