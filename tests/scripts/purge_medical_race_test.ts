/**
 * `deno task purge --retention-days N --apply`'s medical-text scrub beside serving instances: an
 * appointment its doctor changes between the scrub's read and its write is read again and scrubbed,
 * and the run goes on to the rest instead of stopping with the writer's conflict. The race is made
 * deterministic by a records view whose listing lets the doctor's change land right after the read.
 */
import assert from "node:assert/strict";
import { openOperatorRuntime, type OperatorRuntime } from "../../src/bootstrap.ts";
import { loadConfig } from "../../src/config/config.ts";
import { createLogger } from "../../src/observability/logger.ts";
import type { AppointmentStore } from "../../src/stores/ports.ts";
import { appointment, doctor } from "../contract/_fixtures.ts";
import { scrubMedical } from "../../scripts/purge.ts";

const DAY_MS = 86_400_000;

Deno.test("purge's medical-text scrub reads again an appointment changed after its read and finishes the rest", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vaidya-purge-race-" });
  await Deno.mkdir(`${dir}/data`);
  const config = loadConfig({ KV_PATH: `${dir}/data/vaidya.kv` });
  const rt = await openOperatorRuntime(config, createLogger({ level: "error", write: () => {} }));
  try {
    const d = doctor();
    await rt.records.doctors.create(d);
    const startMs = Date.now() - 90 * DAY_MS;
    const past = (offsetMinutes: number) => {
      const s = startMs + offsetMinutes * 60_000;
      return {
        start: new Date(s).toISOString(),
        end: new Date(s + 1_800_000).toISOString(),
        startMs: s,
        endMs: s + 1_800_000,
        status: "completed" as const,
      };
    };
    const raced = appointment(d.id, "pat_race", 0, 30, {
      ...past(0),
      reasonSealed: await rt.cipher.seal("knee pain since March"),
    });
    const other = appointment(d.id, "pat_other", 60, 30, {
      ...past(60),
      reasonSealed: await rt.cipher.seal("sleeplessness"),
    });
    await rt.records.appointments.book(raced);
    await rt.records.appointments.book(other);

    // The doctor adds a note to `raced` right after the scrub read it.
    const store = rt.records.appointments;
    let changed = false;
    const racing: AppointmentStore = Object.create(store, {
      listForDoctor: {
        value: async (...args: Parameters<AppointmentStore["listForDoctor"]>) => {
          const page = await store.listForDoctor(...args);
          if (!changed) {
            changed = true;
            const cur = (await store.get(raced.id))!;
            await rt.writer.write({
              prev: cur,
              next: {
                ...cur,
                notesSealed: await rt.cipher.seal("follow up in a month"),
                updatedAt: new Date().toISOString(),
                version: cur.version + 1,
              },
              events: [],
            }, { step: "notes" });
          }
          return page;
        },
      },
    });
    const view: OperatorRuntime = { ...rt, records: { ...rt.records, appointments: racing } };

    const count = await scrubMedical(view, Date.now() - 30 * DAY_MS, true);
    assert.ok(changed, "the race happened");
    assert.equal(count.expired, 2);
    assert.equal(count.deleted, 2);
    for (const id of [raced.id, other.id]) {
      const a = (await store.get(id))!;
      assert.equal(a.reasonSealed, null, `${id}: reason erased`);
      assert.equal(a.notesSealed, null, `${id}: notes erased`);
    }
  } finally {
    await rt.close();
  }
});
