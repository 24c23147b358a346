/**
 * Committing atomic operations against a Deno KV that another connection may be writing too. The
 * local SQLite backend answers "database is locked" when two write at once (another process, or
 * this process's reading handle deleting lapsed keys: read_handle.ts); that is transient, so the
 * commit is retried a bounded number of times with jittered backoff. Shared production
 * deployments use Deno Deploy's KV or a `denokv` server and never see it.
 */
import { ServiceUnavailableError } from "../../errors.ts";

const MAX_LOCK_RETRIES = 8;

export function isLockedError(err: unknown): boolean {
  return err instanceof Error && /database is locked|SQLITE_BUSY/i.test(err.message);
}

/** Runs a KV call, retrying while the file is locked by another process. */
export async function withKvRetry<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0;; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isLockedError(err)) throw err;
      if (attempt >= MAX_LOCK_RETRIES) {
        throw new ServiceUnavailableError("The KV store stayed locked; try again", { cause: err });
      }
      await new Promise((r) => setTimeout(r, 2 ** attempt + Math.random() * 5 * (attempt + 1)));
    }
  }
}

const MAX_CONFLICT_RETRIES = 100;

/**
 * Runs one optimistic read-check-commit `step` until it settles: `step` answers a value, or
 * `undefined` when its check lost to a concurrent writer. Losers back off with jitter, so a
 * burst of writers to one key all get through instead of failing (a failure here would be a
 * 500, or an uncounted attempt). `what` names the operation for the 503 after too many losses;
 * it must never hold a key (keys can carry phone hashes).
 */
export async function untilCommitted<T>(
  what: string,
  step: () => Promise<T | undefined>,
): Promise<T> {
  for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
    const out = await step();
    if (out !== undefined) return out;
    await new Promise((r) => setTimeout(r, Math.random() * Math.min(25, attempt + 1)));
  }
  throw new ServiceUnavailableError(`${what}: too many concurrent writers; try again`);
}

/** Builds and commits an atomic operation; `build` is called again on every lock retry. */
export function commit(
  build: () => Deno.AtomicOperation,
): Promise<Deno.KvCommitResult | Deno.KvCommitError> {
  return withKvRetry(() => build().commit());
}

/** `kv.getMany` takes at most 10 keys at a time. */
export async function getManyChunked<T>(
  kv: Deno.Kv,
  keys: Deno.KvKey[],
): Promise<Deno.KvEntryMaybe<T>[]> {
  const out: Deno.KvEntryMaybe<T>[] = [];
  for (let i = 0; i < keys.length; i += 10) {
    const part = await withKvRetry(() => kv.getMany<T[]>(keys.slice(i, i + 10)));
    out.push(...part);
  }
  return out;
}
