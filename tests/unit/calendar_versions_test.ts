/**
 * Shared reads of calendar versions on a real in-memory KV, writes going through the real
 * `commitOnCalendar`: a read never answers from a store read that began before it was asked, the
 * calendar epoch spares re-reading doctors nothing touched, and concurrent reads share `getMany`s.
 * On a KV file with its commit witness, rounds skip the epoch's read while nothing commits, and
 * still see a write through another connection (as another process's) once it has answered.
 */
import assert from "node:assert/strict";
import { bumpCalendar, delayCalendarAnswers } from "../../src/stores/kv/calendar.ts";
import {
  ANSWER_MARGIN_MS,
  createCalendarVersions,
  MIN_ROUND_GAP_MS,
  REMOTE_MIN_ROUND_GAP_MS,
} from "../../src/stores/kv/calendar_versions.ts";
import { calendarKey } from "../../src/stores/kv/keys.ts";
import { type CommitWitness, openCommitWitness } from "../../src/stores/kv/commit_witness.ts";

/** A KV whose reads take their snapshot at once but answer only when `release()` is called. */
function slowReadKv(kv: Deno.Kv) {
  let gate: PromiseWithResolvers<void> | null = null;
  const reads = { get: 0, getMany: 0, keys: 0 };
  const held = async <T>(read: Promise<T>) => {
    const value = await read;
    if (gate) await gate.promise;
    return value;
  };
  const proxy = new Proxy(kv, {
    get(target, prop) {
      if (prop === "get") {
        return (key: Deno.KvKey) => {
          reads.get++;
          reads.keys++;
          return held(target.get(key));
        };
      }
      if (prop === "getMany") {
        return (keys: Deno.KvKey[]) => {
          reads.getMany++;
          reads.keys += keys.length;
          return held(target.getMany(keys));
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return {
    kv: proxy,
    reads,
    hold: () => void (gate = Promise.withResolvers()),
    release: () => {
      gate?.resolve();
      gate = null;
    },
  };
}

/** A calendar write as every writer makes it (a helper here once built its own atomic, which the
 * group commit never sent: no version ever moved, and every test passed on nulls). */
async function bump(kv: Deno.Kv, doctorId: string) {
  const before = await stamp(kv, doctorId);
  await bumpCalendar(kv, doctorId);
  assert.notEqual(await stamp(kv, doctorId), before, "the calendar version did not move");
}

async function stamp(kv: Deno.Kv, doctorId: string) {
  return (await kv.get(calendarKey(doctorId))).versionstamp;
}

for (const gap of [MIN_ROUND_GAP_MS, REMOTE_MIN_ROUND_GAP_MS]) {
  Deno.test(`createCalendarVersions() never answers a read from a round that began before it (rounds ≥ ${gap} ms apart)`, async () => {
    await using kv = await Deno.openKv(":memory:");
    const slow = slowReadKv(kv);
    const versions = createCalendarVersions(slow.kv, { minRoundGapMs: gap });
    await bump(kv, "d1");
    const before = await stamp(kv, "d1");
    assert.equal(await versions.read("d1"), before);

    slow.hold();
    const early = versions.read("d1"); // its round reads after the gap, and answers late
    await new Promise((r) => setTimeout(r, gap + 5));
    await bump(kv, "d1"); // a write answers while that round is in flight
    const after = await stamp(kv, "d1");
    const late = versions.read("d1");
    slow.release();
    assert.equal(await early, before);
    assert.equal(await late, after, "a read asked after the write answered saw the old version");

    // A write answering while the next round waits out its gap is seen by a read asked after it.
    const waiting = versions.read("d1");
    await bump(kv, "d1");
    const latest = await stamp(kv, "d1");
    const asked = versions.read("d1");
    assert.equal(await asked, latest, "a read asked after the write answered saw the old version");
    assert.ok([after, latest].includes(await waiting));
  });
}

Deno.test("with freshForMs, a read answers from a round that recent without reading, and a write that answered (delayed that long) is still seen", async () => {
  await using kv = await Deno.openKv(":memory:");
  const slow = slowReadKv(kv);
  const freshForMs = 300;
  const versions = createCalendarVersions(slow.kv, { minRoundGapMs: 5, freshForMs });
  delayCalendarAnswers(kv, freshForMs + ANSWER_MARGIN_MS);
  await bump(kv, "d1");
  const first = await stamp(kv, "d1");
  assert.equal(await versions.read("d1"), first); // a round: d1 was unknown
  const keys = slow.reads.keys;
  assert.equal(await versions.read("d1"), first);
  assert.equal(slow.reads.keys, keys, "a read right after a round read the KV again");

  await bump(kv, "d1"); // answers freshForMs after it landed
  assert.equal(
    await versions.read("d1"),
    await stamp(kv, "d1"),
    "a write that answered was not seen",
  );
});

Deno.test("createCalendarVersions() confirms unchanged doctors with one read of the epoch", async () => {
  await using kv = await Deno.openKv(":memory:");
  const slow = slowReadKv(kv);
  const versions = createCalendarVersions(slow.kv);
  for (const d of ["d1", "d2"]) await bump(kv, d);
  await Promise.all([versions.read("d1"), versions.read("d2")]);

  const first = { ...slow.reads };
  assert.deepEqual(
    await Promise.all([versions.read("d1"), versions.read("d2")]),
    [await stamp(kv, "d1"), await stamp(kv, "d2")],
  );
  assert.deepEqual(
    { get: slow.reads.get - first.get, getMany: slow.reads.getMany - first.getMany },
    { get: 1, getMany: 0 },
  );

  // Another doctor's write moves the epoch: d1 is read again and is still exact.
  await bump(kv, "d3");
  assert.equal(await versions.read("d1"), await stamp(kv, "d1"));
  await bump(kv, "d1");
  assert.equal(await versions.read("d1"), await stamp(kv, "d1"));
  assert.equal(await versions.read("never-written"), null);
});

Deno.test("createCalendarVersions() reads concurrent callers' doctors together, at most 10 keys a read", async () => {
  await using kv = await Deno.openKv(":memory:");
  const slow = slowReadKv(kv);
  const versions = createCalendarVersions(slow.kv);
  const ids = Array.from({ length: 25 }, (_, i) => `d${i}`);
  for (const id of ids) await bump(kv, id);
  const got = await Promise.all([...ids, ...ids].map((id) => versions.read(id)));
  assert.deepEqual(got, await Promise.all([...ids, ...ids].map((id) => stamp(kv, id))));
  // 25 doctors, 9 per getMany beside the epoch: 3 reads of at most 10 keys.
  assert.deepEqual(slow.reads, { get: 0, getMany: 3, keys: 28 });
});

/** A KV file, a second handle on it (its own SQLite connection, as another process has) and the
 * file's commit witness, loaded. */
async function kvFile() {
  const dir = await Deno.makeTempDir({ prefix: "vaidya-versions-" });
  const path = `${dir}/kv.sqlite`;
  const kv = await Deno.openKv(path);
  const other = await Deno.openKv(path);
  await kv.set(["created"], true);
  const witness: CommitWitness = openCommitWitness(path)!;
  for (let i = 0; witness.mark() === undefined; i++) {
    if (i === 200) throw new Error("the witness never gave a mark");
    await new Promise((r) => setTimeout(r, 5));
  }
  return {
    kv,
    other,
    witness,
    async [Symbol.asyncDispose]() {
      witness.close();
      other.close();
      kv.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("with a file's commit witness, createCalendarVersions() skips the epoch's read while nothing commits, and sees another connection's write once answered", async () => {
  await using file = await kvFile();
  const slow = slowReadKv(file.kv);
  const versions = createCalendarVersions(slow.kv, { witness: file.witness });
  for (const d of ["d1", "d2"]) await bump(file.kv, d);
  await Promise.all([versions.read("d1"), versions.read("d2")]);
  await versions.read("d1"); // the first round under a mark that then holds

  const first = { ...slow.reads };
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(
      await Promise.all([versions.read("d1"), versions.read("d2")]),
      [await stamp(file.kv, "d1"), await stamp(file.kv, "d2")],
    );
  }
  assert.deepEqual(slow.reads, first, "a round read the KV though nothing had committed");

  // A write through the other connection: the next read sees it.
  await bump(file.other, "d1");
  assert.deepEqual(
    await Promise.all([versions.read("d1"), versions.read("d2")]),
    [await stamp(file.kv, "d1"), await stamp(file.kv, "d2")],
  );
  // A commit that moves no calendar: one read of the epoch, the same versions.
  const before = { ...slow.reads };
  await file.other.set(["unrelated"], 1);
  assert.equal(await versions.read("d2"), await stamp(file.kv, "d2"));
  assert.deepEqual(
    { get: slow.reads.get - before.get, getMany: slow.reads.getMany - before.getMany },
    { get: 1, getMany: 0 },
  );
});

Deno.test("with a file's commit witness, a write answering while a round reads is seen by a read asked after it", async () => {
  await using file = await kvFile();
  const slow = slowReadKv(file.kv);
  const versions = createCalendarVersions(slow.kv, { witness: file.witness });
  await bump(file.kv, "d1");
  const before = await stamp(file.kv, "d1");
  assert.equal(await versions.read("d1"), before);

  // A commit that moves no calendar, so the next round reads the epoch (and finds d1 unchanged).
  await file.kv.set(["unrelated"], 1);
  slow.hold();
  const early = versions.read("d1");
  await new Promise((r) => setTimeout(r, MIN_ROUND_GAP_MS + 5));
  assert.equal(slow.reads.get, 1, "the round is reading the epoch");
  await bump(file.other, "d1"); // answers while that round's read is in flight
  const after = await stamp(file.kv, "d1");
  const late = versions.read("d1");
  slow.release();
  assert.equal(await early, before);
  assert.equal(await late, after, "a read asked after the write answered saw the old version");
});
