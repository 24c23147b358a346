/**
 * The KV Connect handle pool (src/stores/kv/kv_pool.ts) on in-memory handles that are separate
 * stores on purpose, so where each request went shows in what each store holds afterwards. (In
 * production every handle reaches the same denokv server: tests/http/listing_denokv_test.ts.)
 */
import assert from "node:assert/strict";
import { poolKv } from "../../src/stores/kv/kv_pool.ts";
import { replacingMethods } from "../../src/stores/kv/kv_proxy.ts";

async function stores(n: number): Promise<Deno.Kv[]> {
  return await Promise.all(Array.from({ length: n }, () => Deno.openKv(":memory:")));
}

/** Which store holds `key`, by index (-1: none). */
async function holder(handles: Deno.Kv[], key: Deno.KvKey): Promise<number> {
  const found = await Promise.all(handles.map((h) => h.get(key)));
  return found.findIndex((e) => e.versionstamp !== null);
}

Deno.test("poolKv() sends requests made together to different handles, one after another to the first", async () => {
  const handles = await stores(3);
  const kv = poolKv(handles);
  try {
    await Promise.all([kv.set(["a"], 1), kv.set(["b"], 2), kv.set(["c"], 3)]);
    assert.deepEqual(
      await Promise.all([["a"], ["b"], ["c"]].map((k) => holder(handles, k))),
      [0, 1, 2],
    );
    await kv.set(["d"], 4);
    await kv.set(["e"], 5);
    assert.equal(await holder(handles, ["d"]), 0, "an idle pool uses its first handle");
    assert.equal(await holder(handles, ["e"]), 0);
  } finally {
    kv.close();
  }
});

/** `kv` whose `set` goes through `around` (given the real one), everything else its own. */
function aroundSet(
  kv: Deno.Kv,
  around: (
    key: Deno.KvKey,
    set: () => Promise<Deno.KvCommitResult>,
  ) => Promise<Deno.KvCommitResult>,
): Deno.Kv {
  return replacingMethods(kv, {
    set: (...args: Parameters<Deno.Kv["set"]>) => around(args[0], () => kv.set(...args)),
  });
}

/** `kv` with the most requests it ever had in flight at once in `peak[0]`. */
function metered(kv: Deno.Kv, peak: number[]): Deno.Kv {
  let now = 0;
  return aroundSet(kv, async (_key, set) => {
    peak[0] = Math.max(peak[0], ++now);
    try {
      return await set();
    } finally {
      now--;
    }
  });
}

Deno.test("poolKv() keeps one request in flight per handle: the others wait for one freed", async () => {
  const raw = await stores(3);
  const peaks = raw.map(() => [0]);
  // A wait long enough that no request here ever shares (this machine may be slow).
  const kv = poolKv(raw.map((h, i) => metered(h, peaks[i])), { maxWaitMs: 60_000 });
  try {
    await Promise.all(Array.from({ length: 10 }, (_, n) => kv.set(["k", n], n)));
    assert.deepEqual(peaks.map(([p]) => p), [1, 1, 1]);
    const held = await Promise.all(Array.from({ length: 10 }, (_, n) => holder(raw, ["k", n])));
    assert.ok(!held.includes(-1), `a write was lost: ${held}`);
  } finally {
    kv.close();
  }
});

Deno.test("poolKv() shares the least busy handle after waiting maxWaitMs (a server that does not answer)", async () => {
  const raw = await stores(2);
  const stuck = Promise.withResolvers<void>();
  // Writes under ["stuck"] do not answer until the test lets them, as on a stopped server.
  const gated = raw.map((h) =>
    aroundSet(h, async (key, set) => {
      if (key[0] === "stuck") await stuck.promise;
      return await set();
    })
  );
  const kv = poolKv(gated, { maxWaitMs: 20 });
  try {
    const held = [kv.set(["stuck", 1], 1), kv.set(["stuck", 2], 2)];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const gaveUp = new Promise<string>((r) => timer = setTimeout(() => r("still waiting"), 5_000));
    const third = await Promise.race([kv.set(["free"], 3).then(() => "answered"), gaveUp]);
    clearTimeout(timer);
    assert.equal(third, "answered", "a request waited for a handle beyond maxWaitMs");
    stuck.resolve();
    await Promise.all(held);
  } finally {
    kv.close();
  }
});

Deno.test("poolKv() commits an atomic operation on the handle idle when it was built, and counts it", async () => {
  const handles = await stores(2);
  const kv = poolKv(handles);
  try {
    const committing = kv.atomic().check({ key: ["a"], versionstamp: null }).set(["a"], 1)
      .set(["b"], 2).commit();
    const read = kv.set(["c"], 3); // the first handle is busy with the commit
    assert.equal((await committing).ok, true);
    await read;
    assert.equal(await holder(handles, ["a"]), 0);
    assert.equal(await holder(handles, ["b"]), 0, "one operation, one handle");
    assert.equal(await holder(handles, ["c"]), 1);
    const again = await kv.atomic().check({ key: ["a"], versionstamp: null }).set(["a"], 9)
      .commit();
    assert.equal(again.ok, false, "a failed check still fails through the pool");
  } finally {
    kv.close();
  }
});

Deno.test("poolKv() lists on one handle, page by page, and a failed request frees its handle", async () => {
  const handles = await stores(2);
  const kv = poolKv(handles);
  try {
    for (const k of ["a", "b", "c"]) await handles[1].set([k], k);
    await handles[0].set(["z"], "z");
    const busy = kv.set(["first"], 0); // takes handle 0, so the list goes to handle 1
    const seen: unknown[] = [];
    for await (const entry of kv.list({ prefix: [] }, { batchSize: 1 })) seen.push(entry.value);
    await busy;
    assert.deepEqual(seen, ["a", "b", "c"]);
    await assert.rejects(() => kv.set(["bad"], () => {}));
    await Promise.all([kv.set(["x"], 1), kv.set(["y"], 2)]);
    assert.deepEqual([await holder(handles, ["x"]), await holder(handles, ["y"])], [0, 1]);
  } finally {
    kv.close();
  }
  await assert.rejects(() => handles[1].get(["a"]), "close() closes every handle");
});
