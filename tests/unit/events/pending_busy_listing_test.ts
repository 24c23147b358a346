/**
 * MongoDB records: a transition marks the busy index's entries it touches pending (pending counts
 * as busy), writes the document, then settles them; a pending entry older than the grace period
 * is a dead write's, and `busy()` settles it from the appointment. A cancel whose process died
 * between its document write and that settle leaves the old interval pending; another instance's
 * relay moves the cancel's events and bumps the doctor's calendar a couple of seconds later, so
 * every calendar view reloads the busy time then, while the entry still counts as busy. Once the
 * grace has passed, the slot must be offered again.
 */
import assert from "node:assert/strict";
import {
  type Actor,
  cancel,
  confirmFromHold,
  type HeldSlot,
} from "../../../src/domain/appointment_machine.ts";
import { createKvCalendarView } from "../../../src/stores/kv/calendar_view.ts";
import { createBusyIndex } from "../../../src/stores/mongo/busy_index.ts";
import { createGraceLocks } from "../../../src/stores/mongo/locks.ts";
import { createMongoRecordStores } from "../../../src/stores/mongo/record_stores.ts";
import { doctor, patient, T0 } from "../../contract/_fixtures.ts";
import { startFerretDb, storeOptions, withRawDb } from "../../_harness/ferretdb.ts";
import { eventHarness } from "./_harness.ts";

const GRACE_MS = 2_000;
const DAY = 86_400_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("calendar views on MongoDB records offer a cancelled slot again once the pending busy entry of a cancel that died before settling it is past the grace", async () => {
  const server = await startFerretDb();
  const dbName = server.database();
  const records = await createMongoRecordStores(
    storeOptions(server, dbName, { claimGraceMs: GRACE_MS, writerWindowMs: 0 }),
  );
  let crashAt: string | undefined;
  const h = await eventHarness(T0 - 3 * DAY, {}, undefined, {
    records,
    crashPoint: (name) => {
      if (name === crashAt) throw new Error(`process died at ${name}`);
    },
  });
  try {
    // Another instance's listings: they reload the busy time whenever the calendar moves.
    const otherView = createKvCalendarView(h.kv, {
      doctors: records.doctors,
      appointments: records.appointments,
      holds: h.holds,
    });
    const busyAtT0 = async () => {
      const calendar = await otherView.read(d.id);
      const busy = await calendar!.busy(T0 - DAY, T0 + DAY, h.clock.now);
      return busy.some((b) => b.startMs === T0);
    };

    const d = doctor({ name: "Dr. Asha Menon" });
    const p = patient({ phoneSealed: await h.cipher.seal("+919812345678") });
    await records.doctors.create(d);
    await records.patients.getOrCreate(p);
    const actor: Actor = { id: p.id, role: "patient" };
    const held: HeldSlot = {
      id: `hld_${p.id}`,
      doctorId: d.id,
      patientId: p.id,
      startMs: T0,
      endMs: T0 + 30 * 60_000,
      start: new Date(T0).toISOString(),
      end: new Date(T0 + 30 * 60_000).toISOString(),
    };
    const change = confirmFromHold(held, { reasonSealed: null, online: false }, actor, h.clock.now);
    const a = await h.writer.write(change, { step: "confirm" });
    await h.drain();
    assert.equal(await busyAtT0(), true, "the booked slot is busy");

    // The cancel's document is written; its process dies before settling the busy index (played
    // by marking the entry pending again as `begin` left it) and before its calendar bump.
    crashAt = "cancel.after_commit";
    await assert.rejects(h.writer.write(cancel(a, actor, null, h.clock.now), { step: "cancel" }));
    crashAt = undefined;
    await withRawDb(
      server,
      dbName,
      (db) =>
        createBusyIndex(db, createGraceLocks(db, GRACE_MS), { graceMs: GRACE_MS })
          .begin(d.id, a.id, a.version + 1, [{ startMs: T0, endMs: T0 + 30 * 60_000 }]),
    );
    assert.equal((await records.appointments.get(a.id))?.status, "cancelled");

    // Another instance's relay moves the cancel's events and bumps the calendar.
    await h.drain();
    assert.equal(await busyAtT0(), true, "within the grace the pending entry counts as busy");

    await sleep(GRACE_MS + 500);
    h.clock.now += GRACE_MS + 500;
    const stored = await records.appointments.busy(d.id, T0 - DAY, T0 + DAY);
    assert.equal(stored.some((b) => b.startMs === T0), false, "the index holds the slot free");
    assert.equal(await busyAtT0(), false, "the cancelled slot is never offered again");
  } finally {
    await records.close();
    await h.close();
    await server.stop();
  }
});
