/**
 * The operator scripts walk every doctor, deactivated ones too: their appointments stay (README,
 * "Deactivating"), so `export` and `report` must list them, `purge --retention-days` must erase
 * their old medical text, and `rotate-keys` must re-seal their values before the old key goes.
 * On KV records and on MongoDB records (FerretDB).
 */
import assert from "node:assert/strict";
import { openOperatorRuntime } from "../../src/bootstrap.ts";
import { loadConfig } from "../../src/config/config.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { sealedCollections } from "../../src/stores/sealed_fields.ts";
import { allDoctors } from "../../scripts/_appointments.ts";
import { scrubMedical } from "../../scripts/purge.ts";
import { appEnv, startFerretDb } from "../_harness/ferretdb.ts";
import { appointment, doctor } from "../contract/_fixtures.ts";

const DAY_MS = 86_400_000;

async function walksSeeDeactivatedDoctor(env: Record<string, string>) {
  const dir = await Deno.makeTempDir({ prefix: "vaidya-deactivated-walks-" });
  await Deno.mkdir(`${dir}/data`);
  const config = loadConfig({ KV_PATH: `${dir}/data/vaidya.kv`, ...env });
  const rt = await openOperatorRuntime(config, createLogger({ level: "error", write: () => {} }));
  try {
    const kept = doctor({ name: "Dr. Kept" });
    const gone = doctor({ name: "Dr. Gone" });
    for (const d of [kept, gone]) await rt.records.doctors.create(d);
    const deactivatedAt = new Date().toISOString();
    await rt.records.doctors.update({ ...gone, deactivatedAt, version: 2 });
    const startMs = Math.floor((Date.now() - 90 * DAY_MS) / 300_000) * 300_000; // on the grid
    const visit = appointment(gone.id, "pat_old", 0, 30, {
      start: new Date(startMs).toISOString(),
      end: new Date(startMs + 1_800_000).toISOString(),
      startMs,
      endMs: startMs + 1_800_000,
      status: "completed",
      reasonSealed: await rt.cipher.seal("knee pain since March"),
    });
    await rt.records.appointments.book(visit);

    const walked: string[] = [];
    for await (const d of allDoctors(rt.records)) walked.push(d.id);
    assert.deepEqual(walked, [kept.id, gone.id], "export, report, purge and reconcile's walk");

    const sealed = new Map(sealedCollections(rt.records, rt.kv).map((c) => [c.name, c]));
    const idsOf = async (name: string) => {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await sealed.get(name)!.page(cursor);
        ids.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
      } while (cursor);
      return ids;
    };
    assert.ok((await idsOf("doctors")).includes(gone.id), "rotate-keys re-seals their phone");
    assert.ok((await idsOf("appointments")).includes(visit.id), "and their visits' text");

    const count = await scrubMedical(rt, Date.now() - 30 * DAY_MS, true);
    assert.equal(count.deleted, 1);
    assert.equal((await rt.records.appointments.get(visit.id))!.reasonSealed, null);
    assert.equal((await rt.records.doctors.get(gone.id))!.deactivatedAt, deactivatedAt);
  } finally {
    await rt.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("operator walks on KV records include a deactivated doctor and their appointments", async () => {
  await walksSeeDeactivatedDoctor({});
});

Deno.test("operator walks on MongoDB records include a deactivated doctor and their appointments", async () => {
  const mongo = await startFerretDb();
  try {
    await walksSeeDeactivatedDoctor(appEnv(mongo));
  } finally {
    await mongo.stop();
  }
});
