/**
 * A local KV file's reads on a handle of their own (src/stores/kv/read_handle.ts, opened by
 * bootstrap's `openKv`): reads go to the reading handle, everything else to the writing one, every
 * read after a commit has answered sees it, and closing closes both.
 */
import assert from "node:assert/strict";
import { withReadHandle } from "../../src/stores/kv/read_handle.ts";
import { openKv } from "../../src/bootstrap.ts";
import { commit } from "../../src/stores/kv/kv_commit.ts";

/** Two handles on a fresh KV file, or (`open` given) what `open` makes of its path. */
async function onTempFile<T extends { close(): void }>(
  open: (path: string) => Promise<T>,
  use: (handles: T) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "vaidya-read-handle-" });
  try {
    const handles = await open(`${dir}/kv.sqlite3`);
    try {
      await use(handles);
    } finally {
      handles.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function twoHandles(path: string) {
  const writer = await Deno.openKv(path);
  const reader = await Deno.openKv(path);
  return {
    writer,
    reader,
    close() {
      for (const h of [reader, writer]) {
        try {
          h.close();
        } catch {
          // already closed by the test
        }
      }
    },
  };
}

Deno.test("withReadHandle() reads on the reading handle and writes on the writing one", async () => {
  await onTempFile(twoHandles, async ({ writer, reader }) => {
    const kv = withReadHandle(writer, Promise.resolve(reader));
    await Promise.resolve(); // the open has answered
    assert.equal((await kv.atomic().set(["a"], 1).set(["b"], 2).commit()).ok, true);
    await kv.set(["c"], 3);
    assert.equal((await kv.get(["a"])).value, 1);
    assert.deepEqual((await kv.getMany([["a"], ["b"]])).map((e) => e.value), [1, 2]);
    const seen: unknown[] = [];
    for await (const entry of kv.list({ prefix: [] })) seen.push(entry.value);
    assert.deepEqual(seen, [1, 2, 3]);
    const iter = kv.list({ prefix: [] }, { limit: 1 });
    await iter.next();
    assert.equal(typeof iter.cursor, "string", "list iterators are the real ones");

    // With the reading handle closed, reads fail and commits still land: each went where said.
    reader.close();
    await assert.rejects(() => kv.get(["a"]));
    await assert.rejects(() => kv.getMany([["a"]]));
    await assert.rejects(() => kv.list({ prefix: [] }).next());
    assert.equal((await kv.atomic().set(["d"], 4).commit()).ok, true);
    assert.equal((await writer.get(["d"])).value, 4);
  });
});

Deno.test("withReadHandle() reads on the writing handle until the reading one opens, or if it fails to", async () => {
  await onTempFile(twoHandles, async ({ writer, reader }) => {
    const { promise, resolve } = Promise.withResolvers<Deno.Kv>();
    const kv = withReadHandle(writer, promise);
    await kv.set(["a"], 1);
    reader.close();
    // The reading handle is closed but not yet handed over: reads still answer, from the writer.
    assert.equal((await kv.get(["a"])).value, 1);
    resolve(reader);
    await promise;
    await assert.rejects(() => kv.get(["a"]), "handed over: reads go to the reading handle");
  });
  await onTempFile(twoHandles, async ({ writer }) => {
    const failures: unknown[] = [];
    const kv = withReadHandle(
      writer,
      Promise.reject(new Error("cannot open")),
      (error) => failures.push(error),
    );
    await kv.set(["a"], 2);
    await new Promise((r) => setTimeout(r, 0));
    assert.equal((await kv.get(["a"])).value, 2, "a failed open leaves reads on the writer");
    assert.deepEqual(failures.map(String), ["Error: cannot open"], "and is reported once");
  });
});

Deno.test("withReadHandle() closed before the reading handle opened closes that one when it does", async () => {
  await onTempFile(twoHandles, async ({ writer, reader }) => {
    const { promise, resolve } = Promise.withResolvers<Deno.Kv>();
    const kv = withReadHandle(writer, promise);
    kv.close();
    resolve(reader);
    await promise;
    await assert.rejects(() => reader.get(["a"]), "the late handle was closed");
    await assert.rejects(() => writer.get(["a"]), "the writing handle was closed");
  });
});

Deno.test("withReadHandle() closes both handles, by close() or by disposal", async () => {
  for (const how of ["close", "dispose"] as const) {
    await onTempFile(twoHandles, async ({ writer, reader }) => {
      const kv = withReadHandle(writer, Promise.resolve(reader));
      if (how === "close") kv.close();
      else kv[Symbol.dispose]();
      await assert.rejects(() => writer.get(["a"]), `${how}: the writing handle is closed`);
      await assert.rejects(() => reader.get(["a"]), `${how}: the reading handle is closed`);
    });
  }
});

Deno.test("openKv() on a file: 50 callers each read back their own commits at once, and checks hold", async () => {
  await onTempFile((path) => openKv(path), async (kv) => {
    let stale = 0;
    let refused = 0;
    await Promise.all(Array.from({ length: 50 }, async (_, w) => {
      for (let i = 0; i < 20; i++) {
        const before = await kv.get<number>(["w", w]);
        // Through `commit`, as the app commits: the reading handle may hold the file's lock for
        // a moment (its open, or a lapsed key's delete), and a "database is locked" is retried.
        const res = await commit(() => kv.atomic().check(before).set(["w", w], i));
        assert.equal(res.ok, true, "nobody else writes this caller's key");
        if ((await kv.get<number>(["w", w])).value !== i) stale++;
        // A check against what was read before the commit now fails: the read was current.
        const late = await commit(() => kv.atomic().check(before).set(["w", w], -1));
        if (!late.ok) refused++;
      }
    }));
    assert.equal(stale, 0, "every read after a commit saw it");
    assert.equal(refused, 1_000, "every check on an outdated read was refused");
  });
});

Deno.test("withReadHandle(), two processes on one file, keys lapsing: a read after a commit answered sees it on either", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vaidya-read-handle-" });
  const path = `${dir}/kv.sqlite3`;
  // Keys that lapse all through the test: each handle deletes lapsed keys on its own thread from
  // its open on, so the reading handles write too, and meet the writer's lock.
  const seed = await Deno.openKv(path);
  for (let i = 0; i < 2_000; i += 100) {
    const op = seed.atomic();
    for (let j = i; j < i + 100; j++) op.set(["lapse", j], j, { expireIn: 20 + j });
    await op.commit();
  }
  seed.close();
  // Two processes as SQLite sees them: each a writing and a reading connection to the file.
  const handles = await Promise.all(Array.from({ length: 4 }, () => Deno.openKv(path)));
  const a = withReadHandle(handles[0], Promise.resolve(handles[1]));
  const b = withReadHandle(handles[2], Promise.resolve(handles[3]));
  await Promise.resolve(); // both reading handles have been handed over
  try {
    const stale: string[] = [];
    let reads = 0;
    await Promise.all(Array.from({ length: 20 }, async (_, w) => {
      const key = ["w", w];
      let versionstamp: string | null = null;
      for (let n = 1; n <= 40; n++) {
        // Through the app's commit (a lapsed key's deletion may hold the file's lock: retried).
        const res = await commit(() =>
          a.atomic().check({ key, versionstamp }).set(key, n)
            .set(["lapse", "w", w, n], n, { expireIn: 1 + n % 7 })
        );
        assert.equal(res.ok, true, "nobody else writes this key");
        versionstamp = res.versionstamp;
        for (const [name, kv] of [["this process", a], ["the other process", b]] as const) {
          const consistency = n % 2 ? "strong" : "eventual";
          const got = [
            await kv.get<number>(key, { consistency }),
            (await kv.getMany<[number]>([key], { consistency }))[0],
            (await kv.list<number>({ prefix: ["w"], start: key }, { limit: 1, consistency })
              .next()).value!,
          ];
          for (const [i, entry] of got.entries()) {
            reads++;
            if (entry.value !== n || entry.versionstamp !== versionstamp) {
              stale.push(
                `${name}, read ${i}: ${entry.value}@${entry.versionstamp}, committed ${n}@${versionstamp}`,
              );
            }
          }
        }
      }
    }));
    assert.equal(reads, 4_800);
    assert.deepEqual(stale.slice(0, 5), [], `${stale.length} reads missed an answered commit`);
  } finally {
    a.close();
    b.close();
    await Deno.remove(dir, { recursive: true });
  }
});
