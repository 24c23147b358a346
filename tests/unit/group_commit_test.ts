import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { openKv } from "../../src/bootstrap.ts";
import {
  createGroupCommit,
  type GroupCommit,
  groupCommitOf,
  LASTING_EXPIRE_IN_MS,
  MAX_KNOWN,
  setChangeMark,
} from "../../src/stores/kv/group_commit.ts";
import { countingGets, countingKv } from "../_harness/counting_kv.ts";
import { keySpaceOf } from "../../scripts/load/kv_wire_meter.ts";

type Change = (op: Deno.AtomicOperation) => Deno.AtomicOperation;

/**
 * Sends a lone write first and `changes` while it is in flight, so they queue together and share
 * the next commit; answers whether each landed.
 */
async function landedBehindALoneWrite(group: GroupCommit, changes: Change[]): Promise<boolean[]> {
  const first = group.write((op) => op.set(["first"], 1), 1);
  const results = await Promise.all(changes.map((change) => group.commit(change)));
  await first;
  return results.map((r) => r.ok);
}

Deno.test("createGroupCommit() writes concurrent blind writes in shared commits, each landed when it resolves", async () => {
  const raw = await Deno.openKv(":memory:");
  const { kv, commits } = countingKv(raw);
  const group = createGroupCommit(kv);
  await Promise.all(
    Array.from({ length: 60 }, async (_, i) => {
      await group.write((op) => op.set(["g", i], i).set(["h", i], -i), 2);
      // Resolved only once its own commit is in: both keys are readable right away.
      assert.equal((await raw.get(["g", i])).value, i);
      assert.equal((await raw.get(["h", i])).value, -i);
    }),
  );
  // The first write commits alone; the 59 that queued behind it share one or two commits.
  assert.ok(commits.length <= 3, `60 writes took ${commits.length} commits`);
  assert.ok(commits.every((c) => c.checks === 0 && c.mutations <= 200));
  raw.close();
});

Deno.test("createGroupCommit() fails only the write its commit refused; the others land", async () => {
  const kv = await Deno.openKv(":memory:");
  const group = createGroupCommit(kv);
  const tooBig = "x".repeat(70 * 1024); // over KV's 64 KiB value limit
  const results = await Promise.allSettled([
    group.write((op) => op.set(["ok", 0], 0), 1),
    group.write((op) => op.set(["ok", 1], 1), 1),
    group.write((op) => op.set(["bad"], tooBig), 1),
    group.write((op) => op.set(["ok", 2], 2), 1),
  ]);
  assert.deepEqual(results.map((r) => r.status), [
    "fulfilled",
    "fulfilled",
    "rejected",
    "fulfilled",
  ]);
  for (const i of [0, 1, 2]) assert.equal((await kv.get(["ok", i])).value, i);
  assert.equal((await kv.get(["bad"])).value, null);
  assert.throws(() => group.write(() => {}, 0), RangeError);
  kv.close();
});

Deno.test("createGroupCommit() shares a commit among checked operations on different keys, and answers each as its own commit would", async () => {
  const raw = await Deno.openKv(":memory:");
  const { kv, commits } = countingKv(raw);
  const group = createGroupCommit(kv, { maxChecks: 100 });
  const results = await Promise.all(
    Array.from({ length: 40 }, async (_, i) => {
      const entry = await raw.get(["c", i]);
      return await group.commit((op) => op.check(entry).set(["c", i], i));
    }),
  );
  assert.ok(results.every((r) => r.ok));
  for (let i = 0; i < 40; i++) assert.equal((await raw.get(["c", i])).value, i);
  assert.ok(commits.length <= 3, `40 checked writes took ${commits.length} commits`);
  assert.ok(commits.every((c) => c.checks <= 100));
  raw.close();
});

Deno.test("createGroupCommit() never lets two operations on one checked key share a commit: exactly one of racing compare-and-sets wins", async () => {
  const raw = await Deno.openKv(":memory:");
  const { kv, commits } = countingKv(raw);
  const group = createGroupCommit(kv, { maxChecks: 100 });
  await raw.set(["counter"], 0);
  // All read the same version, then all try to move it: in any serial order only the first lands.
  const entry = await raw.get<number>(["counter"]);
  const results = await Promise.all(
    Array.from(
      { length: 30 },
      (_, i) =>
        group.commit((op) =>
          op.check(entry).set(["counter"], entry.value! + 1).set(["winner"], i).set(["other", i], i)
        ),
    ),
  );
  assert.equal(results.filter((r) => r.ok).length, 1);
  assert.equal((await raw.get(["counter"])).value, 1);
  const winner = results.findIndex((r) => r.ok);
  assert.equal((await raw.get(["winner"])).value, winner);
  // A refused operation changed nothing.
  for (let i = 0; i < 30; i++) {
    assert.equal((await raw.get(["other", i])).value, i === winner ? i : null);
  }
  assert.ok(commits.every((c) => c.checks <= 1 + 0), "no commit carried two checks of the key");
  raw.close();
});

Deno.test("createGroupCommit() fails only the operation whose check went stale; those sharing its commit land, sent once more", async () => {
  const raw = await Deno.openKv(":memory:");
  const { kv: counted, commits } = countingKv(raw);
  const { kv, counted: reads } = countingGets(counted);
  const group = createGroupCommit(kv, { maxChecks: 100 });
  const stale = await raw.get(["s"]);
  await raw.set(["s"], "moved");
  const entries = await Promise.all(Array.from({ length: 7 }, (_, i) => raw.get(["k", i])));
  // A first commit holds the writer, so the eight below queue together and share the next one.
  const landed = await landedBehindALoneWrite(group, [
    ...entries.map((entry, i): Change => (op) => op.check(entry).set(["k", i], i)),
    (op) => op.check(stale).set(["s"], "lost"),
  ]);
  assert.deepEqual(landed, [true, true, true, true, true, true, true, false]);
  assert.equal((await raw.get(["s"])).value, "moved");
  for (let i = 0; i < 7; i++) assert.equal((await raw.get(["k", i])).value, i);
  // The shared commit was refused; one read of its eight checked keys found the stale check, and
  // the seven others went again together: not in halves, each resent down to the stale one.
  assert.deepEqual(commits.map((c) => c.mutations), [1, 8, 7]);
  assert.deepEqual(reads.getManys.map((keys) => keys.length), [8]);
  raw.close();
});

/** `kv` with its `getMany` answered by `getMany` instead (a refused commit's read back). */
function withGetMany(
  kv: Deno.Kv,
  getMany: (keys: Deno.KvKey[]) => Promise<Deno.KvEntryMaybe<unknown>[]>,
): Deno.Kv {
  return new Proxy(kv, {
    get(target, prop) {
      if (prop === "getMany") return getMany;
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

Deno.test("createGroupCommit() falls back to halves when the read back fails", async () => {
  const raw = await Deno.openKv(":memory:");
  const { kv: counted, commits } = countingKv(raw);
  const kv = withGetMany(counted, () => Promise.reject(new TypeError("not this time")));
  const group = createGroupCommit(kv, { maxChecks: 100 });
  const fresh = await raw.get(["k"]);
  const stale = await raw.get(["s"]);
  await raw.set(["s"], "moved");
  const landed = await landedBehindALoneWrite(group, [
    (op) => op.check(fresh).set(["k"], 1),
    (op) => op.check(stale).set(["s"], "lost"),
  ]);
  assert.deepEqual(landed, [true, false]);
  assert.deepEqual(commits.map((c) => c.mutations), [1, 2, 1, 1]);
  raw.close();
});

Deno.test("createGroupCommit() falls back to halves when the read finds every check holding", async () => {
  const raw = await Deno.openKv(":memory:");
  const absent = await raw.get(["gone"]);
  const { kv: counted, commits } = countingKv(raw);
  // A key expected absent is created and deleted again between the commit and its read back:
  // the refused commit's read finds every check holding, so halves find the refusal.
  let moved = false;
  const kv = withGetMany(counted, async (keys) => {
    if (!moved) {
      moved = true;
      await raw.delete(["gone"]);
    }
    return await counted.getMany(keys);
  });
  const group = createGroupCommit(kv, { maxChecks: 100 });
  const entry = await raw.get(["k"]);
  await raw.set(["gone"], 1);
  const landed = await landedBehindALoneWrite(group, [
    (op) => op.check(entry).set(["k"], 1),
    (op) => op.check(absent).set(["gone"], 2),
  ]);
  // After the halves each went alone, and the second found the key absent again, as expected.
  assert.deepEqual(landed, [true, true]);
  assert.deepEqual(commits.map((c) => c.mutations), [1, 2, 1, 1]);
  raw.close();
});

Deno.test("createGroupCommit() keeps a shared commit within maxChecks", async () => {
  const raw = await Deno.openKv(":memory:");
  const { kv, commits } = countingKv(raw);
  const group = createGroupCommit(kv);
  await Promise.all(
    Array.from(
      { length: 20 },
      (_, i) =>
        group.commit((op) =>
          op.check({ key: ["a", i], versionstamp: null }, { key: ["b", i], versionstamp: null })
            .set(["a", i], i)
        ),
    ),
  );
  assert.ok(commits.every((c) => c.checks <= 10), JSON.stringify(commits.map((c) => c.checks)));
  assert.ok(commits.length < 20);
  raw.close();
});

/**
 * A group commit (100 checks a commit) over a counting in-memory KV, after one compare-and-set
 * write of ["cal"] from 0 to 1; `before` is ["cal"] as read before that write.
 */
async function afterOneCalendarWrite() {
  const raw = await Deno.openKv(":memory:");
  const { kv, commits } = countingKv(raw);
  const group = createGroupCommit(kv, { maxChecks: 100 });
  await raw.set(["cal"], 0);
  const before = await raw.get<number>(["cal"]);
  assert.ok((await group.commit((op) => op.check(before).set(["cal"], 1))).ok);
  return { raw, commits, group, before };
}

Deno.test("createGroupCommit() refuses without a commit an operation whose check a write of the queue has already outdated, so it never fails a shared commit", async () => {
  const { raw, commits, group, before } = await afterOneCalendarWrite();
  const afterFirst = commits.length;
  // Read before the write above: refused, and no commit is spent on it.
  assert.equal((await group.commit((op) => op.check(before).set(["cal"], 2))).ok, false);
  assert.equal(commits.length, afterFirst);
  // A second writer that waited behind the first on one key, among others that land: the shared
  // commit is not refused (no halving), and each gets its own answer.
  const now = await raw.get<number>(["cal"]);
  const landed = await landedBehindALoneWrite(group, [
    (op) => op.check(now).set(["cal"], 3),
    (op) => op.check(now).set(["cal"], 4),
    ...Array.from({ length: 5 }, (_, i): Change => (op) => op.set(["o", i], i)),
  ]);
  assert.deepEqual(landed, [true, false, true, true, true, true, true]);
  assert.equal((await raw.get(["cal"])).value, 3);
  assert.ok(commits.length - afterFirst <= 3, `${commits.length - afterFirst} commits`);
  raw.close();
});

Deno.test("createGroupCommit() remembers only the last MAX_KNOWN compare-and-set keys: a check outdated earlier goes to KV, which refuses it", async () => {
  const { raw, commits, group, before } = await afterOneCalendarWrite();
  // MAX_KNOWN newer compare-and-set keys, 100 to an operation (one check and one set each).
  for (let first = 0; first < MAX_KNOWN; first += 100) {
    const ok = await group.commit((op) => {
      for (let i = first; i < Math.min(first + 100, MAX_KNOWN); i++) {
        op.check({ key: ["k", i], versionstamp: null }).set(["k", i], i);
      }
      return op;
    });
    assert.ok(ok.ok);
  }
  const spent = commits.length;
  // ["cal"] is forgotten: the stale check costs a commit, and KV's answer is the same refusal.
  assert.equal((await group.commit((op) => op.check(before).set(["cal"], 2))).ok, false);
  assert.equal(commits.length, spent + 1);
  assert.equal((await raw.get(["cal"])).value, 1);
  // A key among the last MAX_KNOWN is still refused here, without a commit.
  const last = await group.commit((op) =>
    op.check({ key: ["k", MAX_KNOWN - 1], versionstamp: before.versionstamp }).set(["x"], 1)
  );
  assert.equal(last.ok, false);
  assert.equal(commits.length, spent + 1);
  raw.close();
});

Deno.test("createGroupCommit() sends a check several operations make alike once, so more of them share a commit within maxChecks", async () => {
  const raw = await Deno.openKv(":memory:");
  const { kv, commits } = countingKv(raw);
  const group = createGroupCommit(kv, { maxChecks: 3 });
  await raw.set(["mark"], { any: false });
  const mark = await raw.get(["mark"]);
  const withMark = (i: number) =>
    group.commit((op) =>
      op.check(mark, { key: ["own", i], versionstamp: null }).check(mark).set(["own", i], i)
    );
  const results = await Promise.all([0, 1, 2, 3, 4].map(withMark));
  assert.ok(results.every((r) => r.ok));
  // The first commits alone; the four queued behind it share commits two by two (the mark once
  // and two own keys: 3 checks), where counting the mark per operation fits one per commit.
  assert.deepEqual(commits.map((c) => c.checks), [2, 3, 3]);
  for (const i of [0, 1, 2, 3, 4]) assert.equal((await raw.get(["own", i])).value, i);

  // Once the mark moved, every operation that checks the old one is refused, and only those.
  await raw.set(["mark"], { any: true });
  const after = await Promise.all([
    withMark(10),
    withMark(11),
    group.commit((op) => op.check({ key: ["own", 12], versionstamp: null }).set(["own", 12], 12)),
    withMark(13),
  ]);
  assert.deepEqual(after.map((r) => r.ok), [false, false, true, false]);
  assert.deepEqual(
    (await raw.getMany([["own", 10], ["own", 11], ["own", 12], ["own", 13]])).map((e) => e.value),
    [null, null, 12, null],
  );
  raw.close();
});

Deno.test("createGroupCommit() keeps a check apart from a write queued before it, even in a key space first checked after that write was looked at", async () => {
  const raw = await Deno.openKv(":memory:");
  const { kv } = countingKv(raw);
  const group = createGroupCommit(kv, { maxChecks: 100 });
  await raw.set(["fresh", 1], "old");
  const read = await raw.get(["fresh", 1]);
  const cal = await raw.get(["cal"]);
  // `first` holds the writer. Behind it, `a` takes the next commit and the blind write (of a key
  // `a` checks) waits for the one after: its keys are looked at while no operation has ever
  // checked a "fresh" key.
  const first = group.write((op) => op.set(["first"], 1), 1);
  const a = group.commit((op) => op.check(cal).set(["cal"], 1));
  const blind = group.write((op) => op.set(["cal"], 9).set(["fresh", 1], "blind"), 2);
  assert.ok((await a).ok);
  // Queued behind the blind write, with a check read before it: one after the other, stale.
  const checked = group.commit((op) => op.check(read).set(["fresh", 1], "checked"));
  await Promise.all([first, blind]);
  assert.equal((await checked).ok, false, "shared with the blind write, it would have landed");
  assert.equal((await raw.get(["fresh", 1])).value, "blind");
  raw.close();
});

Deno.test("createGroupCommit() sets a change mark that several operations of one commit make once, and it moves with each of them", async () => {
  const raw = await Deno.openKv(":memory:");
  const { kv, commits } = countingKv(raw);
  const group = createGroupCommit(kv);
  const first = group.write((op) => op.set(["first"], 1), 1);
  const results = await Promise.all(
    [0, 1, 2, 3, 4].map((i) =>
      group.commit((op) => setChangeMark(op.set(["own", i], i), ["epoch"]))
    ),
  );
  await first;
  assert.ok(results.every((r) => r.ok));
  const marks = commits.map((c) => c.prefixes.filter((p) => p === "epoch").length);
  assert.ok(marks.every((n) => n <= 1), `marks per commit: ${marks}`);
  assert.ok(marks.filter((n) => n === 1).length < 5, "the queued operations shared a mark");
  const epoch = await raw.get(["epoch"]);
  assert.equal(epoch.value, 0);
  // The mark's versionstamp is that of the last commit that carried it, as with one set each.
  const last = results.map((r) => (r as Deno.KvCommitResult).versionstamp).sort().at(-1);
  assert.equal(epoch.versionstamp, last);
  // Outside a group commit it is a plain set.
  assert.ok((await setChangeMark(raw.atomic(), ["epoch"]).commit()).ok);
  assert.equal((await raw.get(["epoch"])).value, 0);
  raw.close();
});

/** A write of `key` queued one timer tick from now, and the tick's end. */
function writeAfterATick(
  group: ReturnType<typeof createGroupCommit>,
  key: Deno.KvKey,
): { queued: Promise<void>; landed: () => Promise<void> } {
  let landed: Promise<void> = Promise.resolve();
  const queued = new Promise<void>((resolve) =>
    setTimeout(() => {
      landed = group.write((op) => op.set(key, true), 1);
      resolve();
    }, 0)
  );
  return { queued, landed: () => landed };
}

Deno.test("createGroupCommit() commits a lone caller's operation at once: one queued a tick later is not waited for", async () => {
  const raw = await Deno.openKv(":memory:");
  const { kv, commits } = countingKv(raw);
  const group = createGroupCommit(kv);
  for (let i = 0; i < 3; i++) {
    const late = writeAfterATick(group, ["late", i]);
    await group.write((op) => op.set(["lone", i], i), 1);
    await late.queued;
    await late.landed();
  }
  // Each lone write and each late one in a commit of its own: nobody waited for anybody.
  assert.equal(commits.length, 6);
  raw.close();
});

Deno.test("createGroupCommit() under load lets the first operation wait a tick, so one queued meanwhile shares its commit", async () => {
  const raw = await Deno.openKv(":memory:");
  const { kv, commits } = countingKv(raw);
  const group = createGroupCommit(kv);
  // Load: the first write commits alone, the two that queued behind it share the next commit.
  await Promise.all([0, 1, 2].map((i) => group.write((op) => op.set(["busy", i], i), 1)));
  assert.equal(commits.length, 2);
  const late = writeAfterATick(group, ["late"]);
  await group.write((op) => op.set(["first"], true), 1);
  await late.queued;
  await late.landed();
  assert.equal(commits.length, 3, "the write queued a tick later shared the first one's commit");
  assert.equal(commits[2].mutations, 2);
  assert.equal((await raw.get(["late"])).value, true);
  assert.equal((await raw.get(["first"])).value, true);
  raw.close();
});

/** Each row's expiry as denokv's SQLite stores it (-1: none), by the key's one string part. */
function expiries(file: string): Map<string, number> {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const rows = db.prepare("select k, expiration_ms from kv").all() as {
      k: Uint8Array;
      expiration_ms: number;
    }[];
    return new Map(rows.map((r) => [keySpaceOf(r.k), r.expiration_ms]));
  } finally {
    db.close();
  }
}

/** Sets through `group` that name no expiry (set, mutate, change mark) and two that name one. */
async function writeSome(group: ReturnType<typeof createGroupCommit>) {
  await group.commit((op) =>
    setChangeMark(
      op.set(["plain"], 1)
        .set(["brief"], 1, { expireIn: 60_000 })
        .mutate(
          { type: "set", key: ["mutated"], value: 1 },
          { type: "set", key: ["mutated-brief"], value: 1, expireIn: 60_000 },
        ),
      ["mark"],
    )
  );
}

Deno.test("createGroupCommit() with lastingExpireInMs gives a set that names no expiry that expiry, and keeps one a set names", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/kv.sqlite3`;
  try {
    const kv = await Deno.openKv(file);
    const before = Date.now();
    await writeSome(createGroupCommit(kv, { lastingExpireInMs: LASTING_EXPIRE_IN_MS }));
    kv.close();
    const stored = expiries(file);
    for (const key of ["plain", "mutated", "mark"]) {
      const at = stored.get(key)!;
      assert.ok(at >= before + LASTING_EXPIRE_IN_MS, `${key}: ${at}`);
      assert.ok(at <= Date.now() + LASTING_EXPIRE_IN_MS, `${key}: ${at}`);
    }
    for (const key of ["brief", "mutated-brief"]) {
      const at = stored.get(key)!;
      assert.ok(at >= before + 60_000 && at <= Date.now() + 60_000, `${key}: ${at}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("createGroupCommit() without lastingExpireInMs stores a set that names no expiry without one", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/kv.sqlite3`;
  try {
    const kv = await Deno.openKv(file);
    await writeSome(createGroupCommit(kv));
    kv.close();
    const stored = expiries(file);
    for (const key of ["plain", "mutated", "mark"]) assert.equal(stored.get(key), -1, key);
    assert.ok(stored.get("brief")! > 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openKv() gives a KV file's group commit the lasting expiry", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/data/kv.sqlite3`;
  try {
    const kv = await openKv(file);
    await groupCommitOf(kv).write((op) => op.set(["plain"], 1), 1);
    kv.close();
    assert.ok(expiries(file).get("plain")! > Date.now() + LASTING_EXPIRE_IN_MS / 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
