/**
 * rotate-keys over every sealed value: after patient erasures, with webhook secrets, interrupted
 * by kill -9 and resumed from its checkpoint, and on MongoDB (FerretDB). What counts as "every
 * sealed value" is found by scanning the raw stores for anything shaped like a sealed value
 * (`v1.<kid>.<iv>.<ct>`), not from the registry under test.
 */
import { createAppointmentWriter } from "../../src/booking/appointment_writer.ts";
import { createKvHoldStore } from "../../src/stores/kv/hold_store.ts";
import assert from "node:assert/strict";
import { prakritiKey, secretKey } from "../../src/stores/kv/keys.ts";
import { MongoClient } from "mongodb";
import { openOperatorRuntime, type OperatorRuntime } from "../../src/bootstrap.ts";
import { loadConfig } from "../../src/config/config.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { createPatientService } from "../../src/patients/patient_service.ts";
import { createWebhookService } from "../../src/webhooks/webhook_service.ts";
import { createKvWebhookStore } from "../../src/webhooks/webhook_store.ts";
import { appEnv, startFerretDb } from "../_harness/ferretdb.ts";
import { sealedIdempotencyStore } from "../../src/http/sealed_idempotency.ts";
import { createKvIdempotencyStore } from "../../src/stores/kv/idempotency_store.ts";
import { runTask, spawnTask } from "./_run_task.ts";

const SEED = [
  "--doctors",
  "4",
  "--patients",
  "6",
  "--appointments",
  "14",
  "--anchor",
  "2026-06-15",
];
const SEALED = /^v1\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

async function withRuntime<T>(
  dir: string,
  env: Record<string, string>,
  fn: (rt: OperatorRuntime) => Promise<T>,
): Promise<T> {
  const config = loadConfig({ KV_PATH: `${dir}/data/vaidya.kv`, ...env });
  const rt = await openOperatorRuntime(config, createLogger({ level: "error", write: () => {} }));
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}

/** Key ids of every sealed-looking string anywhere in `value`. */
function collectKids(value: unknown, out: string[]) {
  if (typeof value === "string") {
    const m = SEALED.exec(value);
    if (m) out.push(m[1]);
  } else if (Array.isArray(value)) value.forEach((v) => collectKids(v, out));
  else if (value && typeof value === "object") {
    for (const v of Object.values(value)) collectKids(v, out);
  }
}

/** Key ids of every sealed value in the KV file and (if given) the MongoDB database. */
async function scanKids(dir: string, mongo?: { uri: string; db: string }): Promise<string[]> {
  const kids: string[] = [];
  const kv = await Deno.openKv(`${dir}/data/vaidya.kv`);
  try {
    for await (const e of kv.list({ prefix: [] })) {
      if (e.key[0] === "secret") continue;
      collectKids(e.value, kids);
    }
  } finally {
    kv.close();
  }
  if (mongo) {
    const client = await MongoClient.connect(mongo.uri);
    try {
      const db = client.db(mongo.db);
      for (const c of await db.listCollections().toArray()) {
        for (const doc of await db.collection(c.name).find({}).toArray()) collectKids(doc, kids);
      }
    } finally {
      await client.close();
    }
  }
  return kids;
}

async function dataKeyIds(dir: string): Promise<string[]> {
  const kv = await Deno.openKv(`${dir}/data/vaidya.kv`);
  try {
    return ((await kv.get<{ id: string }[]>(secretKey("data_keys"))).value ?? []).map((k) => k.id);
  } finally {
    kv.close();
  }
}

/** Erases two seeded patients, registers a webhook and stores a sealed idempotency record. */
async function eraseAndRegister(dir: string, env: Record<string, string> = {}) {
  await withRuntime(dir, env, async (rt) => {
    const patients = createPatientService({
      records: rt.records,
      cipher: rt.cipher,
      erasure: [],
      writer: createAppointmentWriter({
        kv: rt.kv,
        records: rt.records,
        holds: createKvHoldStore(rt.kv),
        log: createLogger({ level: "error", write: () => {} }),
        now: Date.now,
        inlineBudgetMs: 0,
      }),
      now: Date.now,
    });
    const page = await rt.records.patients.list(10);
    assert.ok(page.items.length >= 3);
    for (const p of page.items.slice(0, 2)) await patients.erase(p.id);
    const webhooks = createWebhookService({
      store: createKvWebhookStore(rt.kv),
      cipher: rt.cipher,
      now: Date.now,
      allowPrivateUrls: true,
      rotationGraceMs: 3_600_000,
    });
    const made = await webhooks.register("http://127.0.0.1:9/hook", ["appointment.confirmed"]);
    await webhooks.rotateSecret(made.id);
    // A stored first answer (sealed: it can carry a reason) to replay for a retried request.
    await sealedIdempotencyStore(createKvIdempotencyStore(rt.kv), rt.cipher, rt.hash).finish(
      "pat_1:POST:/v1/holds/hld_1/confirm",
      "retry-key-1",
      {
        fingerprint: "f",
        state: "done",
        status: 201,
        body: '{"reason":"knee pain"}',
        contentType: "application/json",
        expiresAtMs: Date.now() + 3_600_000,
      },
      3_600_000,
    );
  });
}

/** With only the newest data key left, every webhook secret still opens (signing keeps working). */
async function assertWebhookSecretsOpenWithNewKeyOnly(dir: string) {
  const kv = await Deno.openKv(`${dir}/data/vaidya.kv`);
  try {
    const keys = (await kv.get<unknown[]>(secretKey("data_keys"))).value!;
    await kv.set(secretKey("data_keys"), keys.slice(0, 1));
  } finally {
    kv.close();
  }
  await withRuntime(dir, {}, async (rt) => {
    const store = createKvWebhookStore(rt.kv);
    const all = await store.list();
    assert.equal(all.length, 1);
    for (const s of all[0].secrets) assert.match(await rt.cipher.open(s.sealed), /^whsec_/);
  });
}

Deno.test("rotate-keys re-seals every sealed value after erasures, webhook secrets included", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vaidya-rotate-" });
  assert.equal((await runTask("seed", SEED, dir)).code, 0);
  await eraseAndRegister(dir);
  const before = await scanKids(dir);
  const [oldKid] = await dataKeyIds(dir);
  assert.ok(before.length > 10 && before.every((k) => k === oldKid));

  const dry = await runTask("rotate-keys", ["--dry-run"], dir);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /dry run: \d+ records scanned, [1-9]\d* sealed under an older key/);
  assert.deepEqual(await scanKids(dir), before, "the dry run wrote nothing");

  const res = await runTask("rotate-keys", ["--what", "data", "--yes"], dir);
  assert.equal(res.code, 0, res.stderr);
  const [newKid] = await dataKeyIds(dir);
  assert.notEqual(newKid, oldKid);
  const after = await scanKids(dir);
  assert.equal(after.length, before.length);
  assert.deepEqual(after.filter((k) => k !== newKid), [], "nothing left under the old key");
  await assertWebhookSecretsOpenWithNewKeyOnly(dir);
});

Deno.test("rotate-keys --reseal-only seals prakriti answers an earlier version stored in the clear", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vaidya-rotate-" });
  assert.equal((await runTask("seed", SEED, dir)).code, 0);
  const answers = { frame: "frame.b", sleep: "sleep.c" };
  await withRuntime(dir, {}, async (rt) => {
    await rt.kv.set(prakritiKey("pat_clear"), {
      patientId: "pat_clear",
      scores: { vata: 1, pitta: 0, kapha: 0 },
      type: "vata",
      doshas: ["vata"],
      answers,
      assessedAt: "2026-01-01T00:00:00.000Z",
    });
  });
  const dry = await runTask("rotate-keys", ["--reseal-only", "--dry-run"], dir);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /1 stored in the clear/);
  const res = await runTask("rotate-keys", ["--reseal-only", "--yes"], dir);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /1 stored in the clear/);
  await withRuntime(dir, {}, async (rt) => {
    const raw = (await rt.kv.get<Record<string, unknown>>(prakritiKey("pat_clear"))).value;
    assert.ok(raw, "the assessment is kept");
    assert.equal(raw.answers, undefined, "no answers left in the clear");
    assert.match(String(raw.answersSealed), SEALED);
    assert.deepEqual(JSON.parse(await rt.cipher.open(String(raw.answersSealed))), answers);
    assert.equal(raw.type, "vata");
  });
  const again = await runTask("rotate-keys", ["--reseal-only", "--yes"], dir);
  assert.match(again.stdout, /0 stored in the clear/, "a second run finds nothing to seal");
});

Deno.test("rotate-keys --dry-run fails where a real run fails (a value that does not open)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vaidya-rotate-" });
  assert.equal((await runTask("seed", SEED, dir)).code, 0);
  await withRuntime(dir, {}, async (rt) => {
    const p = (await rt.records.patients.list(1)).items[0];
    await rt.records.patients.update({
      ...p,
      nameSealed: "v1.gone.AAAA.BBBB",
      version: p.version + 1,
    });
  });
  const dry = await runTask("rotate-keys", ["--dry-run"], dir);
  const real = await runTask("rotate-keys", ["--what", "data", "--yes"], dir);
  assert.notEqual(real.code, 0);
  assert.match(real.stderr, /data key gone is not configured/);
  assert.equal(dry.code, real.code, dry.stdout);
  assert.match(dry.stderr, /data key gone is not configured/);
});

Deno.test("rotate-keys killed with SIGKILL mid-way resumes from its checkpoint", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vaidya-rotate-" });
  assert.equal((await runTask("seed", SEED, dir)).code, 0);
  await eraseAndRegister(dir);
  const total = (await scanKids(dir)).length;
  const child = spawnTask("rotate-keys", ["--what", "data", "--yes"], dir, {
    APP_ENV: "test",
    FAULT_INJECTION: "reseal.after_page:hang",
  });
  let stderr = "";
  const decoder = new TextDecoder();
  for await (const chunk of child.stderr) {
    stderr += decoder.decode(chunk);
    if (stderr.includes("fault injection: hanging at reseal.after_page")) break;
  }
  child.kill("SIGKILL");
  const status = await child.status;
  assert.equal(status.signal, "SIGKILL", stderr);

  const [newKid, oldKid] = await dataKeyIds(dir);
  const mid = await scanKids(dir);
  const moved = mid.filter((k) => k === newKid).length;
  assert.ok(moved > 0 && moved < total, `part done when killed: ${moved} of ${total}`);

  const resumed = await runTask("rotate-keys", ["--reseal-only"], dir);
  assert.equal(resumed.code, 0, resumed.stderr);
  const scanned = Number(/(\d+) records scanned/.exec(resumed.stdout)?.[1]);
  const full = await runTask("rotate-keys", ["--reseal-only", "--dry-run"], dir);
  const all = Number(/(\d+) records scanned/.exec(full.stdout)?.[1]);
  assert.ok(scanned < all, `resumed after the checkpoint: ${scanned} of ${all} records read`);
  const after = await scanKids(dir);
  assert.equal(after.length, total);
  assert.deepEqual(after.filter((k) => k !== newKid), [], `nothing left under ${oldKid}`);
});

Deno.test("rotate-keys on MongoDB (FerretDB) re-seals records after erasures", async () => {
  const mongo = await startFerretDb();
  try {
    const dir = await Deno.makeTempDir({ prefix: "vaidya-rotate-" });
    const db = mongo.database();
    const env = appEnv(mongo, db);
    const seeded = await runTask("seed", SEED, dir, env);
    assert.equal(seeded.code, 0, seeded.stderr);
    await eraseAndRegister(dir, env);
    const before = await scanKids(dir, { uri: mongo.uri, db });
    assert.ok(before.length > 10);

    const res = await runTask("rotate-keys", ["--what", "data", "--yes"], dir, env);
    assert.equal(res.code, 0, res.stderr);
    const [newKid] = await dataKeyIds(dir);
    const after = await scanKids(dir, { uri: mongo.uri, db });
    assert.equal(after.length, before.length);
    assert.deepEqual(after.filter((k) => k !== newKid), [], "nothing left under the old key");
  } finally {
    await mongo.stop();
  }
});
