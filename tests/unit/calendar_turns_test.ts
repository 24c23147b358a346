/**
 * Writes of one process on one doctor's calendar take turns (calendar.ts `inTurn`): each step
 * reads the version the one before it committed, so none of them loses a race to another write of
 * the same process and runs again. Racing them, twelve holds placed at once on one doctor read the
 * same version, one committed and eleven ran again (and again): ~N²/2 steps, and on a shared
 * denokv each of those tries also raced the other instances. A failed step gives up its turn; other
 * doctors' writes never wait for it.
 */
import assert from "node:assert/strict";
import { commitOnCalendar, watchCalendarRaces } from "../../src/stores/kv/calendar.ts";
import { createKvHoldStore } from "../../src/stores/kv/hold_store.ts";
import { calendarKey } from "../../src/stores/kv/keys.ts";
import { ConflictError } from "../../src/errors.ts";
import type { HoldRecord } from "../../src/stores/ports.ts";
import { countingGets } from "../_harness/counting_kv.ts";

const NOW = Date.UTC(2026, 11, 1, 4, 0);
const SLOT_MS = 30 * 60_000;

function hold(n: number): HoldRecord {
  const startMs = NOW + 3_600_000 + n * SLOT_MS;
  return {
    id: `hld_${n}`,
    doctorId: "doc_hot",
    patientId: `pat_${n}`,
    start: new Date(startMs).toISOString(),
    end: new Date(startMs + SLOT_MS).toISOString(),
    startMs,
    endMs: startMs + SLOT_MS,
    expiresAtMs: NOW + 300_000,
    codeHash: "x",
    attempts: 0,
    createdAt: new Date(NOW).toISOString(),
  };
}

/** How many of the recorded `getMany`s read `doctorId`'s calendar version: one per step run. */
function stepsOn(getManys: Deno.KvKey[][], doctorId: string): number {
  const key = JSON.stringify(calendarKey(doctorId));
  return getManys.filter((keys) => keys.some((k) => JSON.stringify(k) === key)).length;
}

Deno.test("twelve holds placed at once on one doctor run one step each, in the order asked", async () => {
  using kv = await Deno.openKv(":memory:");
  const { kv: counting, counted } = countingGets(kv);
  const holds = createKvHoldStore(counting);
  const order: number[] = [];
  const placed = await Promise.all(
    Array.from({ length: 12 }, (_, n) => holds.create(hold(n), 3, NOW).then(() => order.push(n))),
  );
  assert.equal(placed.length, 12);
  assert.equal(stepsOn(counted.getManys, "doc_hot"), 12, "no hold ran its step twice");
  assert.deepEqual(order, Array.from({ length: 12 }, (_, n) => n), "first come, first served");
  const active = await holds.active("doc_hot", NOW, NOW + 86_400_000, NOW);
  assert.equal(active.length, 12);
});

Deno.test("a step that fails gives up its turn: the writes queued behind it go on", async () => {
  using kv = await Deno.openKv(":memory:");
  const { promise: release, resolve } = Promise.withResolvers<void>();
  const failing = commitOnCalendar(kv, "doc_1", "fail", async () => {
    await release;
    throw new ConflictError("version_conflict", "refused on purpose");
  });
  const next = commitOnCalendar(
    kv,
    "doc_1",
    "write",
    () => Promise.resolve({ result: "written", build: (op: Deno.AtomicOperation) => op }),
  );
  resolve();
  await assert.rejects(failing, ConflictError);
  assert.equal(await next, "written");
});

Deno.test("a write on one doctor's calendar never waits for another doctor's", async () => {
  using kv = await Deno.openKv(":memory:");
  const { promise: release, resolve } = Promise.withResolvers<void>();
  const slow = commitOnCalendar(kv, "doc_slow", "wait", async () => {
    await release;
    return { result: "slow", build: (op: Deno.AtomicOperation) => op };
  });
  const other = await commitOnCalendar(
    kv,
    "doc_other",
    "write",
    () => Promise.resolve({ result: "other", build: (op: Deno.AtomicOperation) => op }),
  );
  assert.equal(other, "other", "answered while doc_slow's step still waits");
  resolve();
  assert.equal(await slow, "slow");
  assert.ok((await kv.get(calendarKey("doc_slow"))).versionstamp);
});

Deno.test("a commit another writer beat is counted as a lost race and its step runs again", async () => {
  using kv = await Deno.openKv(":memory:");
  let lost = 0;
  const stop = watchCalendarRaces(kv, () => lost++);
  const attempts: number[] = [];
  const result = await commitOnCalendar(kv, "doc_1", "write", async (attempt) => {
    attempts.push(attempt);
    // Another instance's write lands between this step's read and its commit, once.
    if (attempt === 0) await kv.set(calendarKey("doc_1"), 41);
    return { result: "written", build: (op: Deno.AtomicOperation) => op };
  });
  stop();
  assert.equal(result, "written");
  assert.deepEqual(attempts, [0, 1]);
  assert.equal(lost, 1);
  assert.equal((await kv.get(calendarKey("doc_1"))).value, 42, "bumped from the other write");
});
