/**
 * Where the app's Deno KV lives, decided once from the environment. An explicit `KV_PATH` always
 * wins (a file, `:memory:`, or the KV Connect URL of a `denokv` server). Without it: on Deno
 * Deploy, the platform's own database, which only `Deno.openKv()` with no argument opens; anywhere
 * else, the local file `./data/vaidya.kv`. Pure, so the choice is tested without a platform.
 */

export const LOCAL_KV_FILE = "./data/vaidya.kv";

/**
 * True inside Deno Deploy. The new platform sets `DENO_DEPLOY=true` in every context (and
 * `DENO_DEPLOYMENT_ID`, which Deploy Classic set too); both are reserved there (`DENO_` names
 * cannot be configured by users), so neither is found by accident outside it.
 */
export function isDenoDeploy(env: Record<string, string | undefined>): boolean {
  return env.DENO_DEPLOY === "true" || Boolean(env.DENO_DEPLOYMENT_ID);
}

/** The argument for `Deno.openKv`: a path or URL, or `undefined` for the platform's database. */
export function kvLocation(env: Record<string, string | undefined>): string | undefined {
  if (env.KV_PATH) return env.KV_PATH;
  return isDenoDeploy(env) ? undefined : LOCAL_KV_FILE;
}

/** True when the KV is a server reached over the network (denokv or Deno Deploy's database). */
export function isRemoteKv(location: string | undefined): boolean {
  return location === undefined || /^https?:\/\//.test(location);
}

/** True when the KV is a file on this machine: not a server, nor `:memory:` (one handle's). */
export function isKvFile(location: string | undefined): location is string {
  return location !== undefined && location !== ":memory:" && !location.includes("://");
}

/**
 * True when denokv's SQLite schema keeps the KV's rows: a file, `:memory:`, or a `denokv` server
 * named by a plain `http://` URL (one on a private network or loopback, as the cluster runs it).
 * Not Deno Deploy's database (no location, or an `https://` KV Connect URL, which may name it),
 * whose store is another engine.
 */
export function isDenoKvSqlite(location: string | undefined): boolean {
  return location !== undefined && !location.startsWith("https://");
}
