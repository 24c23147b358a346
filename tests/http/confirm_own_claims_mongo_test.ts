/**
 * A confirm on MongoDB records whose first try claimed the slot's cells and then lost MongoDB
 * before inserting the appointment (a 503) leaves those claims to be healed after the grace
 * period. The patient's retry meanwhile meets claims of this very booking, not someone else's: it
 * must not be told that the slot is taken (409 sends them to pick another time while their hold
 * keeps it from everyone), but to try again once the grace has passed (503 with Retry-After);
 * then it books. In-process, on FerretDB.
 */
import assert from "node:assert/strict";
import { startAppWithDoctor } from "../_harness/app.ts";
import { holdSlot } from "../_harness/book.ts";
import { appEnv, startFerretDb, withRawDb } from "../_harness/ferretdb.ts";
import { appointmentIdFor } from "../../src/domain/appointment_machine.ts";
import { cellsOf } from "../../src/stores/records.ts";
import type { ClaimDocument } from "../../src/stores/mongo/claims.ts";
import { CLAIM_GRACE_MS } from "../../src/stores/mongo/record_stores.ts";

Deno.test("a confirm retried while its first try's claims wait for healing answers 503 with Retry-After, then books (MongoDB records)", async () => {
  const mongo = await startFerretDb();
  try {
    const env = appEnv(mongo);
    await using app = await startAppWithDoctor(env);
    const { api, doctor, patient, token, slots } = app;
    const { holdId, code } = await holdSlot(api, patient, doctor.id, slots[0].start);
    const [startMs, endMs] = [Date.parse(slots[0].start), Date.parse(slots[0].end)];
    const claims = (db: Parameters<Parameters<typeof withRawDb>[2]>[0]) =>
      db.collection<ClaimDocument>("claims");
    // What the first try left: its claims, and no appointment.
    await withRawDb(
      mongo,
      env.MONGODB_DB,
      (db) =>
        claims(db).insertMany(
          cellsOf(startMs, endMs).map((cell) => ({
            _id: `${doctor.id}:${cell}`,
            doctorId: doctor.id,
            start: new Date(cell),
            appointmentId: appointmentIdFor(holdId),
            claimToken: "first-try",
            createdAt: new Date(),
          })),
        ),
    );
    const confirm = () =>
      api.request<Record<string, unknown>>("POST", `/v1/holds/${holdId}/confirm`, {
        token,
        body: { code },
      });
    const retry = await confirm();
    assert.equal(retry.status, 503, JSON.stringify(retry.body));
    const wait = Number(retry.headers.get("Retry-After"));
    assert.ok(wait >= 1 && wait <= CLAIM_GRACE_MS / 1000 + 1, `Retry-After ${wait}`);

    // Once the grace has passed, the claims are healed and the retry books the slot.
    await withRawDb(mongo, env.MONGODB_DB, (db) =>
      claims(db).updateMany({ doctorId: doctor.id }, {
        $set: { createdAt: new Date(Date.now() - CLAIM_GRACE_MS - 1_000) },
      }));
    const later = await confirm();
    assert.equal(later.status, 201, JSON.stringify(later.body));
  } finally {
    await mongo.stop();
  }
});
