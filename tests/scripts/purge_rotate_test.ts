/**
 * purge and rotate-keys on a temp KV: dry runs change nothing, destructive runs refuse without a
 * terminal unless given --yes, purge removes only what has expired (on MongoDB records also the
 * claims and busy entries of time a week past), and a key rotation re-seals
 * every stored field under the new key while old data stays readable.
 */
import assert from "node:assert/strict";
import {
  doctorKey,
  ephemeralKey,
  holdCellKey,
  holdKey,
  idempotencyKey,
  keySpace,
  outboxKey,
  secretKey,
} from "../../src/stores/kv/keys.ts";
import { runTask } from "./_run_task.ts";
import { appEnv, startFerretDb, storeOptions, withRawDb } from "../_harness/ferretdb.ts";
import { createMongoRecordStores } from "../../src/stores/mongo/record_stores.ts";
import { appointment, id, MINUTE_MS, T0 } from "../contract/_fixtures.ts";

const HOUR = 3_600_000;

async function withKv<T>(path: string, fn: (kv: Deno.Kv) => Promise<T>): Promise<T> {
  const kv = await Deno.openKv(path);
  try {
    return await fn(kv);
  } finally {
    kv.close();
  }
}

Deno.test("purge: dry run by default, --apply needs --yes, removes only expired entries", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vaidya-ops-" });
  await Deno.mkdir(`${dir}/data`);
  const kvPath = `${dir}/data/vaidya.kv`;
  const now = Date.now();
  const expired: Deno.KvKey[] = [
    holdKey("hld_old"),
    holdCellKey("doc_1", 1000),
    idempotencyKey("holds", "k-old"),
    ephemeralKey("otp:old"),
    outboxKey(now - 2 * HOUR, "msg_old"),
  ];
  const live: Deno.KvKey[] = [
    holdKey("hld_recent"),
    idempotencyKey("holds", "k-live"),
    ephemeralKey("otp:live"),
    outboxKey(now, "msg_new"),
    doctorKey("doc_1"),
  ];
  await withKv(kvPath, async (kv) => {
    await kv.set(expired[0], { expiresAtMs: now - 2 * HOUR });
    await kv.set(expired[1], { holdId: "hld_old", expiresAtMs: now - 1000 });
    await kv.set(expired[2], { state: "done", expiresAtMs: now - 1000 });
    await kv.set(expired[3], { value: "x", expiresAtMs: now - 1000 });
    await kv.set(expired[4], { to: "x" });
    // Expired 10 minutes ago: still kept, so a late confirm answers 410 rather than 404.
    await kv.set(live[0], { expiresAtMs: now - 10 * 60_000 });
    await kv.set(live[1], { state: "done", expiresAtMs: now + HOUR });
    await kv.set(live[2], { value: "x", expiresAtMs: now + HOUR });
    await kv.set(live[3], { to: "x" });
    await kv.set(live[4], { id: "doc_1", expiresAtMs: 0 });
  });
  const present = () =>
    withKv(
      kvPath,
      async (kv) => (await kv.getMany([...expired, ...live])).map((e) => e.value !== null),
    );

  const dry = await runTask("purge", [], dir);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /holds\s+1 of 2 expired/);
  assert.match(dry.stdout, /idempotency keys\s+1 of 2 expired/);
  assert.match(dry.stdout, /dry run: 5 entries would be removed/);
  assert.ok((await present()).every(Boolean), "the dry run deleted nothing");

  const refused = await runTask("purge", ["--apply"], dir);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /Refusing without a terminal; pass --yes/);
  assert.ok((await present()).every(Boolean), "a refused run deleted nothing");

  const applied = await runTask("purge", ["--apply", "--yes"], dir);
  assert.equal(applied.code, 0, applied.stderr);
  assert.match(applied.stdout, /purged 5 entries/);
  const after = await present();
  assert.deepEqual(after.slice(0, expired.length), expired.map(() => false));
  assert.deepEqual(after.slice(expired.length), live.map(() => true));
});

Deno.test("purge on MongoDB records: a booking a week past loses its claims and busy entry, a coming one keeps them", async () => {
  const mongo = await startFerretDb();
  const dir = await Deno.makeTempDir({ prefix: "vaidya-ops-" });
  await Deno.mkdir(`${dir}/data`);
  try {
    const dbName = mongo.database();
    const env = appEnv(mongo, dbName);
    const doctorId = id("doc");
    // Appointments on the 5-minute grid, by days from now (the fixtures count minutes from T0).
    const onGrid = (days: number) => {
      const ms = Date.now() + days * 86_400_000;
      return (ms - (ms % (5 * MINUTE_MS)) - T0) / MINUTE_MS;
    };
    const stores = await createMongoRecordStores(storeOptions(mongo, dbName));
    try {
      await stores.appointments.book(appointment(doctorId, id("pat"), onGrid(-10)));
      await stores.appointments.book(appointment(doctorId, id("pat"), onGrid(2)));
    } finally {
      await stores.close();
    }
    // The purge goes doctor by doctor; the record store's `book` stores no doctor.
    await withRawDb(
      mongo,
      dbName,
      (db) => db.collection<{ _id: string }>("doctors").insertOne({ _id: doctorId }),
    );
    /** Claims and busy entries stored. */
    const guards = () =>
      withRawDb(mongo, dbName, async (db) => [
        await db.collection("claims").countDocuments({}),
        await db.collection("busy_entries").countDocuments({}),
      ]);
    assert.deepEqual(
      await guards(),
      [12, 2],
      "two 30-minute bookings: six cells and an entry each",
    );

    const dry = await runTask("purge", ["--only", "past claims,past busy entries"], dir, env);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /past claims\s+6 of 6 expired/);
    assert.match(dry.stdout, /past busy entries\s+1 of 1 expired/);
    assert.deepEqual(await guards(), [12, 2], "the dry run deleted nothing");

    const applied = await runTask("purge", ["--apply", "--yes"], dir, env);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /purged 7 entries/);
    assert.deepEqual(await guards(), [6, 1], "the coming booking keeps its claims and entry");
  } finally {
    await mongo.stop();
  }
});

Deno.test("rotate-keys: dry run changes nothing; a rotation re-seals under the new key", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vaidya-ops-" });
  const kvPath = `${dir}/data/vaidya.kv`;
  const anchor = "2026-06-15";
  const shift = (d: number) =>
    new Date(Date.parse(anchor) + d * 86_400_000).toISOString().slice(0, 10);
  const seed = ["--doctors", "4", "--patients", "5", "--appointments", "12", "--anchor", anchor];
  assert.equal((await runTask("seed", seed, dir)).code, 0);
  const keyIds = () =>
    withKv(kvPath, async (kv) => {
      const data = (await kv.get<{ id: string }[]>(secretKey("data_keys"))).value ?? [];
      const jwt = (await kv.get<{ kid: string }[]>(secretKey("jwt_keys"))).value ?? [];
      const sealed: string[] = [];
      for await (const e of kv.list<Record<string, unknown>>({ prefix: keySpace("patient") })) {
        sealed.push(String(e.value.phoneSealed));
      }
      for await (const e of kv.list<Record<string, unknown>>({ prefix: keySpace("appointment") })) {
        if (e.value.reasonSealed) sealed.push(String(e.value.reasonSealed));
      }
      return { data: data.map((k) => k.id), jwt: jwt.map((k) => k.kid), sealed };
    });
  const before = await keyIds();
  assert.equal(before.data.length, 1);

  const dry = await runTask("rotate-keys", ["--dry-run"], dir);
  assert.equal(dry.code, 0, dry.stderr);
  assert.deepEqual(await keyIds(), before, "dry run wrote nothing");
  const refused = await runTask("rotate-keys", [], dir);
  assert.notEqual(refused.code, 0);
  assert.deepEqual(await keyIds(), before, "a refused run wrote nothing");

  const res = await runTask("rotate-keys", ["--yes"], dir);
  assert.equal(res.code, 0, res.stderr);
  const after = await keyIds();
  assert.equal(after.data.length, 2);
  assert.deepEqual(after.data.slice(1), before.data, "the old data key stays, second");
  assert.deepEqual(after.jwt.slice(1), before.jwt, "the old signing key stays, second");
  assert.ok(after.sealed.length >= 5);
  for (const s of after.sealed) assert.equal(s.split(".")[1], after.data[0], "re-sealed");
  assert.match(res.stdout, new RegExp(`re-sealed under ${after.data[0]}`));

  const exported = await runTask("export", [
    ...["--from", shift(-3), "--to", shift(3), "--format", "jsonl", "--include-medical"],
  ], dir);
  assert.equal(exported.code, 0, exported.stderr);
  const rows = exported.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.ok(rows.length > 0 && rows.every((r) => r.reason === "Demo consultation"));
  const again = await runTask("rotate-keys", ["--reseal-only"], dir);
  assert.match(again.stdout, /0 sealed under an older key/, "a second pass finds nothing to do");
});

Deno.test("rotate-keys with keys in the environment prints new values and writes nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vaidya-ops-" });
  const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
  const res = await runTask("rotate-keys", ["--what", "data"], dir, {
    DATA_ENCRYPTION_KEYS: `prod1:${key}`,
  });
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /^DATA_ENCRYPTION_KEYS='k\d{14}:[\w-]+,prod1:/);
  assert.match(res.stderr, /--reseal-only/);
  const kvHasDataKeys = await withKv(
    `${dir}/data/vaidya.kv`,
    async (kv) => (await kv.get(secretKey("data_keys"))).value !== null,
  );
  assert.equal(kvHasDataKeys, false);
});
