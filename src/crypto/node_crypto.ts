/**
 * node:crypto, loaded on first use instead of at start-up. Importing it evaluates a good part of
 * Deno's Node layer (streams among it), ~15-25 ms of CPU that the first answer (a health check)
 * does not need (docs/BENCHMARKS.md, issue 15). `src/main.ts` loads it once the server has answered
 * its first request or been up a second; a caller that needs it before then (a first login, a
 * seal) awaits this one load. Every later call finds it loaded and stays synchronous.
 */
export type NodeCrypto = typeof import("node:crypto");

let loaded: NodeCrypto | undefined;
let loading: Promise<NodeCrypto> | undefined;

/** node:crypto once loaded, else undefined (then `loadNodeCrypto()`). */
export function nodeCrypto(): NodeCrypto | undefined {
  return loaded;
}

/** Loads node:crypto (once per process); resolves to the module. */
export function loadNodeCrypto(): Promise<NodeCrypto> {
  loading ??= import("node:crypto").then((module) => (loaded = module));
  return loading;
}

/**
 * `run(node:crypto)` as a promise: at once when it has loaded (a throw becomes the rejection),
 * else after its one load. The one way the crypto modules reach node:crypto.
 */
export function withNodeCrypto<T>(run: (crypto: NodeCrypto) => T): Promise<T> {
  return loaded === undefined ? loadNodeCrypto().then(run) : Promise.try(run, loaded);
}
