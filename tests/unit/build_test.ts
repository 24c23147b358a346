/**
 * The bundle `deno task build` writes (scripts/build.ts) holds every module the server imports on
 * demand, under the path `onDemand` asks for there, and is rebuilt when a source changes.
 */
import assert from "node:assert/strict";
import { walk } from "../../scripts/_walk.ts";
import {
  BUNDLE_DIR,
  BUNDLE_MAIN,
  ensureBuilt,
  isCurrent,
  onDemandModules,
  sourcesHash,
} from "../../scripts/build.ts";
import { bundledPath } from "../../src/on_demand.ts";

const root = new URL("../../", import.meta.url);

Deno.test("every onDemand call names its module in the form the build finds", async () => {
  let calls = 0;
  for (const folder of ["src", "routes"]) {
    for await (const path of walk(new URL(folder, root).pathname, /\.tsx?$/)) {
      if (path.endsWith("/src/on_demand.ts")) continue;
      calls += (await Deno.readTextFile(path)).match(/\bonDemand</g)?.length ?? 0;
    }
  }
  const modules = await onDemandModules();
  // A call the build's pattern missed would leave its module out of the bundle.
  assert.equal(modules.length, calls);
  assert.ok(
    modules.includes("routes/auth.ts") && modules.includes("src/stores/mongo/record_stores.ts"),
  );
  for (const path of modules) await Deno.stat(new URL(path, root));
});

Deno.test({
  name: "the bundle has the server's entry and one file per module imported on demand",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await ensureBuilt();
    assert.equal(await isCurrent(), true);
    await Deno.stat(new URL(BUNDLE_MAIN, root));
    for (const path of await onDemandModules()) {
      const file = new URL(`${BUNDLE_DIR}/${bundledPath(path)}`, root);
      // Its source map beside it, not named in it (a named map is read and kept at load).
      assert.doesNotMatch(await Deno.readTextFile(file), /sourceMappingURL/, path);
      const map = JSON.parse(await Deno.readTextFile(new URL(`${file.href}.map`)));
      assert.equal(typeof map.mappings, "string", path);
    }
  },
});

Deno.test("the sources' hash follows their contents", async () => {
  const before = await sourcesHash();
  assert.match(before, /^[0-9a-f]{64}$/);
  assert.equal(await sourcesHash(), before);
  const probe = new URL("src/zz_build_probe.ts", root);
  await Deno.writeTextFile(probe, "export const probe = 1;\n");
  try {
    assert.notEqual(await sourcesHash(), before);
  } finally {
    await Deno.remove(probe);
  }
  assert.equal(await sourcesHash(), before);
});

Deno.test("every error class names itself, as the bundle may rename a class", async () => {
  const named: string[] = [];
  for (const folder of ["src", "routes"]) {
    for await (const path of walk(new URL(folder, root).pathname, /\.tsx?$/)) {
      const text = await Deno.readTextFile(path);
      for (const m of text.matchAll(/class (\w+) extends \w*Error\b[^{]*\{/g)) {
        const body = text.slice(m.index + m[0].length, text.indexOf("\n}", m.index));
        assert.match(body, new RegExp(`name = "${m[1]}";`), `${path}: ${m[1]}`);
        named.push(m[1]);
      }
    }
  }
  assert.ok(named.includes("ValidationError") && named.includes("ConfigError"), named.join());
  const { SlotUnavailableError } = await import("../../src/errors.ts");
  assert.equal(new SlotUnavailableError().name, "SlotUnavailableError");
});
