/**
 * `onDemand("routes/auth.ts")`: an `import()` of a module of this tree by a specifier that is
 * resolved only when it runs. A string literal in `import()` puts the module's whole graph into the
 * one Deno reads, resolves, parses and transpiles before the program starts, even if it is never
 * imported: ~40-50 ms of CPU before the first answer for the pages, the API groups and the OpenAPI
 * document's parts (src/app.ts), ~6-17 ms for the adapters imported only when configured (MongoDB,
 * Twilio, Upstash: src/bootstrap.ts) (docs/BENCHMARKS.md, issue 15). `typeof import(...)` still
 * types the module, and `deno check` still checks it.
 *
 * Paths are from the repository's root, so they name the same module whether the server runs from
 * the sources or from the bundle `deno task build` writes (scripts/build.ts): there every such
 * module is an entry of its own, `dist/<path>` with `.js` for `.ts`, and the chunks it shares with
 * the rest are the ones the server has loaded already. `inTree(path)` is the same root for files the
 * server reads (its pages' static files), which stay in the tree beside `dist/`.
 *
 * Such an import is checked against `--allow-read` when it runs, so a process importing one needs
 * read access to `./src` (the operator tasks in deno.json grant it).
 */

/** This module is one of the sources (`.ts`), or inside the bundle in `dist/` (`.js`). */
const FROM_SOURCES = import.meta.url.endsWith(".ts");
/** The bundle's root, `dist/`: its entry is `dist/src/main.js`. */
const BUNDLE_ROOT = FROM_SOURCES ? null : new URL("../", Deno.mainModule);
/** The repository's root; the bundle's is the folder that holds `dist/`. */
const TREE_ROOT = BUNDLE_ROOT ? new URL("../", BUNDLE_ROOT) : new URL("../", import.meta.url);

/** The bundle's file for the module at `path` (from the root): `.js` where the source had `.ts`. */
export function bundledPath(path: string): string {
  return path.replace(/\.tsx?$/, ".js");
}

/** A file of the tree at `path` from the repository's root, from the sources or the bundle. */
export function inTree(path: string): URL {
  return new URL(path, TREE_ROOT);
}

export function onDemand<M>(path: string): () => Promise<M> {
  const url = BUNDLE_ROOT ? new URL(bundledPath(path), BUNDLE_ROOT).href : inTree(path).href;
  return () => import(url);
}
