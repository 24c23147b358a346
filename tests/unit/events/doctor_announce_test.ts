/**
 * MongoDB records: a doctor's record is stored in MongoDB and then announced by bumping the
 * doctor's calendar version in KV (`announceDoctorUpdates`), which is what makes every instance's
 * calendar view read the record again. A process that dies between the two must not leave the
 * other instances listing (and holding) by the old hours for good.
 */
import assert from "node:assert/strict";
import { LEASE_MS } from "../../../src/events/dispatcher.ts";
import { announceDoctorUpdates } from "../../../src/stores/kv/calendar.ts";
import { createKvCalendarView } from "../../../src/stores/kv/calendar_view.ts";
import { createMongoRecordStores } from "../../../src/stores/mongo/record_stores.ts";
import { doctor } from "../../contract/_fixtures.ts";
import { startFerretDb, storeOptions } from "../../_harness/ferretdb.ts";
import { eventHarness } from "./_harness.ts";

Deno.test("a doctor's new hours reach other instances' listings when the process that stored them died before announcing them (MongoDB records)", async () => {
  const server = await startFerretDb();
  const records = await createMongoRecordStores(storeOptions(server, server.database()));
  const h = await eventHarness(Date.now(), {}, undefined, { records });
  try {
    // Another instance's listings.
    const otherView = createKvCalendarView(h.kv, {
      doctors: records.doctors,
      appointments: records.appointments,
      holds: h.holds,
    });
    const d = doctor();
    await records.doctors.create(d);
    assert.deepEqual((await otherView.read(d.id))?.doctor.schedule, d.schedule);

    // The process stores the doctor's new hours and dies before its calendar bump.
    const dying = announceDoctorUpdates({
      ...records,
      doctors: {
        ...records.doctors,
        async update(next) {
          await records.doctors.update(next);
          throw new Error("the process died");
        },
      },
    }, h.kv);
    const next = {
      ...d,
      schedule: { ...d.schedule, weekly: [{ day: "tue" as const, start: "14:00", end: "18:00" }] },
      version: d.version + 1,
    };
    await assert.rejects(dying.doctors.update(next), /died/);
    assert.deepEqual((await records.doctors.get(d.id))?.schedule, next.schedule, "stored");

    // The surviving instances' relays pass for a while.
    for (let i = 0; i < 5; i++) await h.advance(LEASE_MS);
    assert.deepEqual(
      (await otherView.read(d.id))?.doctor.schedule,
      next.schedule,
      "another instance still lists by the old hours",
    );
  } finally {
    await records.close();
    await h.close();
    await server.stop();
  }
});

Deno.test("a doctor update that announces itself leaves no fallback entry in the outbox (MongoDB records)", async () => {
  const server = await startFerretDb();
  const records = await createMongoRecordStores(storeOptions(server, server.database()));
  const h = await eventHarness(Date.now(), {}, undefined, { records });
  try {
    const announcing = announceDoctorUpdates(records, h.kv, () => h.clock.now);
    const d = doctor();
    await records.doctors.create(d);
    await announcing.doctors.update({ ...d, fee: 600, version: d.version + 1 });
    assert.deepEqual(await h.queue(), []);
  } finally {
    await records.close();
    await h.close();
    await server.stop();
  }
});
