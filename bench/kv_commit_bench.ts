/**
 * The cost of one Deno KV atomic commit on the embedded default (a SQLite file), alone and 50 at
 * once: on a disk where every commit waits for its fsync this bounds bookings per second, so
 * docs/BENCHMARKS.md reads it next to the commits-per-booking count. Uses a temp file, removed at
 * the end.
 */
const dir = await Deno.makeTempDir({ prefix: "vaidya-kv-bench-" });
const kv = await Deno.openKv(`${dir}/bench.kv`);
let n = 0;

Deno.bench("kv.atomic().set().commit() on a file KV", { group: "kv" }, async () => {
  await kv.atomic().set(["bench", n++], { value: n, at: Date.now() }).commit();
});

Deno.bench("50 concurrent commits on a file KV", { group: "kv" }, async () => {
  await Promise.all(
    Array.from({ length: 50 }, () => kv.atomic().set(["bench", n++], { value: n }).commit()),
  );
});

Deno.bench("kv.get() on a file KV", { group: "kv", baseline: true }, async () => {
  await kv.get(["bench", 1]);
});

globalThis.addEventListener("unload", () => {
  kv.close();
  Deno.removeSync(dir, { recursive: true });
});
