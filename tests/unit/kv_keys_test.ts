/**
 * keys.ts is the single source of every KV key: its header table lists exactly the key spaces of
 * KEY_SPACES, every builder builds a key in a listed space, every space has a builder, and no file
 * in src/ or scripts/ passes a hand-written key array to KV.
 */
import assert from "node:assert/strict";
import * as keys from "../../src/stores/kv/keys.ts";
import { REPO_ROOT } from "../_harness/ports.ts";
import { walk } from "../../scripts/_walk.ts";

const KEYS_FILE = `${REPO_ROOT}src/stores/kv/keys.ts`;
const spaces = Object.keys(keys.KEY_SPACES);

/** Every exported key or key builder, called with placeholder arguments. */
function builtKeys(): Map<string, Deno.KvKey> {
  const built = new Map<string, Deno.KvKey>();
  for (const [name, value] of Object.entries(keys)) {
    if (name === "KEY_SPACES" || name === "keySpace") continue;
    if (Array.isArray(value)) built.set(name, value as Deno.KvKey);
    else if (typeof value === "function") {
      const made = (value as (...args: string[]) => unknown)("a", "b", "c", "d");
      // A range builder gives `{start, end}`: both ends are keys of the space.
      if (made && typeof made === "object" && "start" in made && "end" in made) {
        built.set(`${name}.start`, made.start as Deno.KvKey);
        built.set(`${name}.end`, made.end as Deno.KvKey);
      } else built.set(name, made as Deno.KvKey);
    }
  }
  return built;
}

Deno.test("keys.ts: the header table lists exactly the key spaces of KEY_SPACES, in order", async () => {
  const source = await Deno.readTextFile(KEYS_FILE);
  const header = source.slice(0, source.indexOf("*/"));
  const listed = [...header.matchAll(/^ \* \| \["(\w+)"/gm)].map((m) => m[1]);
  assert.deepEqual(listed, spaces);
});

Deno.test("keys.ts: every builder builds a key in a listed space, and every space has one", () => {
  const used = new Set<string>();
  for (const [name, key] of builtKeys()) {
    assert.ok(Array.isArray(key) && key.length > 0, `${name} built no key`);
    assert.ok(spaces.includes(String(key[0])), `${name} builds a key in unlisted space ${key[0]}`);
    used.add(String(key[0]));
  }
  assert.deepEqual(spaces.filter((s) => !used.has(s)), [], "spaces without a builder");
});

Deno.test("no file in src/ or scripts/ hands KV a key array of its own", async () => {
  const space = spaces.join("|");
  const inline = new RegExp(
    `(?:\\b(?:prefix|start|end|key)\\s*[:=]\\s*|\\.(?:get|set|delete|list|getMany|check|sum|enqueue)(?:<[^>]*>)?\\(\\s*)\\[\\s*"(?:${space})"`,
  );
  const offenders: string[] = [];
  for (const dir of ["src", "scripts"]) {
    for await (const path of walk(`${REPO_ROOT}${dir}`, /\.tsx?$/)) {
      if (path === KEYS_FILE) continue;
      const lines = (await Deno.readTextFile(path)).split("\n");
      lines.forEach((line, i) => {
        if (/^\s*(\*|\/\/)/.test(line)) return;
        if (inline.test(line)) {
          offenders.push(`${path.slice(REPO_ROOT.length)}:${i + 1}: ${line.trim()}`);
        }
      });
    }
  }
  assert.deepEqual(offenders, [], "use a builder from src/stores/kv/keys.ts");
});
