/**
 * `deno task reconcile` re-stores doctors whose searchable texts an earlier release kept as typed
 * (before they were stored in NFC), on both record stores: the record is written straight into the
 * store, as that release did, a search typed in NFC misses it, the dry run reports it and changes
 * nothing, `--fix --yes` repairs it through the doctor service, and a second run finds nothing.
 */
import assert from "node:assert/strict";
import { openOperatorRuntime, type OperatorRuntime } from "../../src/bootstrap.ts";
import { loadConfig } from "../../src/config/config.ts";
import { createDoctorService } from "../../src/doctors/doctor_service.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { doctor } from "../contract/_fixtures.ts";
import { appEnv, startFerretDb } from "../_harness/ferretdb.ts";
import { runTask } from "./_run_task.ts";

async function withRuntime<T>(
  dir: string,
  env: Record<string, string>,
  fn: (rt: OperatorRuntime) => Promise<T>,
): Promise<T> {
  await Deno.mkdir(`${dir}/data`, { recursive: true });
  const config = loadConfig({ KV_PATH: `${dir}/data/vaidya.kv`, ...env });
  const rt = await openOperatorRuntime(config, createLogger({ level: "error", write: () => {} }));
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}

const service = (rt: OperatorRuntime) =>
  createDoctorService({ records: rt.records, cipher: rt.cipher, hash: rt.hash, now: Date.now });

// Not NFC: e + combining acute (U+0301) as some keyboards type it, and the precomposed ज़ (U+095B),
// which NFC writes as ज + nukta (U+093C), a composition exclusion.
const DECOMPOSED = {
  name: "Dr. Rame\u0301sh Ja\u0301dhav",
  city: "Pune\u0301",
  specializations: ["Panchakarma", "Kayachikitsa\u0301"],
  languages: ["Marathi", "\u095bबान"],
};
const NFC = {
  q: "Ramésh",
  city: "Puné",
  specialization: "Kayachikitsá",
  language: "\u091c\u093cबान",
};

async function searches(rt: OperatorRuntime, id: string): Promise<boolean[]> {
  const doctors = service(rt);
  const found = [];
  for (const [field, value] of Object.entries(NFC)) {
    const page = await doctors.search({ [field]: value }, 50);
    found.push(page.items.some((d) => d.id === id));
  }
  return found;
}

async function repairs(env: Record<string, string>) {
  const dir = await Deno.makeTempDir({ prefix: "vaidya-nfc-" });
  const stored = doctor(DECOMPOSED);
  const other = doctor({ name: "Dr. Asha Menon", city: "Kochi" });
  await withRuntime(dir, env, async (rt) => {
    await rt.records.doctors.create(stored);
    await rt.records.doctors.create(other);
    assert.deepEqual(await searches(rt, stored.id), [false, false, false, false], "misses it");
  });

  const dry = await runTask("reconcile", [], dir, env);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, new RegExp(`doctor_text_not_nfc\\tdoctor=${stored.id}`));
  assert.doesNotMatch(dry.stdout, new RegExp(other.id));
  assert.doesNotMatch(dry.stdout, /Ja\u0301dhav|Jádhav/, "no names printed");
  assert.match(dry.stdout, /1 findings/);
  await withRuntime(dir, env, async (rt) => {
    assert.equal((await rt.records.doctors.get(stored.id))?.version, 1, "a dry run writes nothing");
  });

  const fixed = await runTask("reconcile", ["--fix", "--yes"], dir, env);
  assert.equal(fixed.code, 0, fixed.stderr);
  assert.match(fixed.stdout, /1 repaired/);
  await withRuntime(dir, env, async (rt) => {
    assert.deepEqual(await searches(rt, stored.id), [true, true, true, true], "finds it");
    const after = (await rt.records.doctors.get(stored.id))!;
    assert.equal(after.version, 2);
    assert.equal(after.city, "Puné");
    assert.equal(after.phoneIndex, stored.phoneIndex);
    assert.deepEqual(after.schedule, stored.schedule);
    assert.equal((await rt.records.doctors.get(other.id))?.version, 1, "the other untouched");
  });

  const again = await runTask("reconcile", ["--fix", "--yes"], dir, env);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /0 findings/);
  await withRuntime(dir, env, async (rt) => {
    assert.equal((await rt.records.doctors.get(stored.id))?.version, 2, "a re-run writes nothing");
  });
}

Deno.test("reconcile --fix re-stores doctors an earlier release kept in texts not in NFC (Deno KV)", async () => {
  await repairs({});
});

Deno.test("reconcile --fix re-stores doctors an earlier release kept in texts not in NFC (MongoDB)", async () => {
  const mongo = await startFerretDb();
  try {
    await repairs(appEnv(mongo));
  } finally {
    await mongo.stop();
  }
});
