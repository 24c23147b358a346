/**
 * A local KV file's reads on a handle of their own (src/stores/kv/read_handle.ts, opened by
 * bootstrap's `openKv`): reads go to the reading handle, everything else to the writing one, every
 * read after a commit has answered sees it, and closing closes both.
 */
import assert from "node:assert/strict";
import { withReadHandle } from "../../src/stores/kv/read_handle.ts";
import { openKv } from "../../src/bootstrap.ts";

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
    const kv = withReadHandle(writer, Promise.reject(new Error("cannot open")));
    await kv.set(["a"], 2);
    await new Promise((r) => setTimeout(r, 0));
    assert.equal((await kv.get(["a"])).value, 2, "a failed open leaves reads on the writer");
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
        const res = await kv.atomic().check(before).set(["w", w], i).commit();
        assert.equal(res.ok, true, "nobody else writes this caller's key");
        if ((await kv.get<number>(["w", w])).value !== i) stale++;
        // A check against what was read before the commit now fails: the read was current.
        const late = await kv.atomic().check(before).set(["w", w], -1).commit();
        if (!late.ok) refused++;
      }
    }));
    assert.equal(stale, 0, "every read after a commit saw it");
    assert.equal(refused, 1_000, "every check on an outdated read was refused");
  });
});
