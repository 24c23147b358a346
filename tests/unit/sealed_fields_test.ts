/**
 * The registry of sealed fields (src/stores/sealed_fields.ts) is complete: every `*Sealed` field of
 * the stored records and every property written from `cipher.seal(` in src/ and scripts/ is one
 * of its fields, so key rotation cannot miss a value added later.
 */
import assert from "node:assert/strict";
import { sealedCollections } from "../../src/stores/sealed_fields.ts";
import { createKvRecordStores } from "../../src/stores/kv/record_stores.ts";
import { REPO_ROOT } from "../_harness/ports.ts";
import { walk } from "../../scripts/_walk.ts";

async function registeredFields(): Promise<string[]> {
  const kv = await Deno.openKv(":memory:");
  try {
    return sealedCollections(createKvRecordStores(kv), kv).flatMap((c) => c.fields);
  } finally {
    kv.close();
  }
}

/** The TypeScript files under `dir`, tests left out. */
async function* sourceFiles(dir: string): AsyncGenerator<string> {
  for await (const path of walk(dir, /\.tsx?$/)) if (!path.endsWith("_test.ts")) yield path;
}

Deno.test("sealedCollections() lists every *Sealed field of the stored records", async () => {
  const fields = await registeredFields();
  const records = await Deno.readTextFile(`${REPO_ROOT}src/stores/records.ts`);
  const found: string[] = [];
  for (const m of records.matchAll(/export interface (\w+) \{([^}]*)\}/g)) {
    for (const f of m[2].matchAll(/^\s+(\w+Sealed)\??:/gm)) found.push(`${m[1]}.${f[1]}`);
  }
  assert.ok(found.length >= 7, found.join());
  assert.deepEqual(found.filter((f) => !fields.includes(f)), []);
});

Deno.test("sealedCollections() covers every property written from cipher.seal(", async () => {
  const fields = await registeredFields();
  const names = new Set(fields.map((f) => f.split(".").at(-1)!));
  const missing: string[] = [];
  let calls = 0;
  for (const root of ["src", "scripts"]) {
    for await (const path of sourceFiles(`${REPO_ROOT}${root}`)) {
      // The rotation itself re-seals whatever the registry hands it.
      if (path.endsWith("scripts/_reseal.ts")) continue;
      const text = await Deno.readTextFile(path);
      for (const m of text.matchAll(/(\w+):\s*(?:[^,\n]*\?\s*)?await [\w.]*cipher\.seal\(/g)) {
        calls++;
        if (!names.has(m[1])) missing.push(`${path.slice(REPO_ROOT.length)}: ${m[1]}`);
      }
    }
  }
  assert.ok(calls >= 10, `found ${calls} sealing sites`);
  assert.deepEqual(missing, []);
});
