/**
 * `onDemand(path, import.meta.url)`: an `import()` of a module of this tree by a specifier that is
 * resolved only when it runs. A string literal in `import()` puts the module's whole graph into the
 * one Deno reads, resolves, parses and transpiles before the program starts, even if it is never
 * imported: ~40-50 ms of CPU before the first answer for the pages, the API groups and the OpenAPI
 * document's parts (src/app.ts), ~6-17 ms for the adapters imported only when configured (MongoDB,
 * Twilio, Upstash: src/bootstrap.ts) (docs/BENCHMARKS.md, issue 15). `typeof import(...)` still
 * types the module, and `deno check` still checks it.
 *
 * Such an import is checked against `--allow-read` when it runs, so a process importing one needs
 * read access to `./src` (the operator tasks in deno.json grant it).
 */
export function onDemand<M>(path: string, base: string): () => Promise<M> {
  const url = new URL(path, base).href;
  return () => import(url);
}
