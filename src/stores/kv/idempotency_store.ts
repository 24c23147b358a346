/**
 * Idempotency records in Deno KV: the first answer to a request with an `Idempotency-Key`, kept
 * for replay. A "pending" record marks a request in flight so a concurrent retry does not run the
 * same work twice; it expires after a minute in case the process died mid-request. The stored
 * answer is a blind write (the pending mark is ours), so concurrent answers share a commit.
 */
import type { IdempotencyStore } from "../ports.ts";
import { type GroupCommit, groupCommitOf } from "./group_commit.ts";
import { commit, withKvRetry } from "./kv_commit.ts";
import { idempotencyKey, idempotencyScopeRange } from "./keys.ts";

export interface IdempotencyRecord {
  fingerprint: string;
  state: "pending" | "done";
  status: number;
  body: string;
  contentType: string;
  /** The answer's `ETag` (one appointment's answers), replayed with it. */
  etag?: string;
  expiresAtMs: number;
  /** True when `body` is sealed with the data cipher (src/http/sealed_idempotency.ts). */
  sealed?: boolean;
}

export type BeginResult =
  | { kind: "started" }
  | { kind: "replay"; record: IdempotencyRecord }
  | { kind: "mismatch" }
  | { kind: "in_progress" };

const PENDING_MS = 60_000;

/** Whose request, and which: an idempotency record's scope (`userId` "anon" when signed out). */
export function idempotencyScope(userId: string, method: string, path: string): string {
  return `${userId}:${method}:${path}`;
}

export type { IdempotencyStore } from "../ports.ts";

export function createKvIdempotencyStore(
  kv: Deno.Kv,
  group: GroupCommit = groupCommitOf(kv),
): IdempotencyStore {
  async function forgetScopes(scopeStart: string, where?: (scope: string) => boolean) {
    let n = 0;
    for await (const e of kv.list(idempotencyScopeRange(scopeStart))) {
      if (where && !where(String(e.key[1]))) continue;
      await commit(() => kv.atomic().delete(e.key));
      n++;
    }
    return n;
  }
  return {
    async begin(scope, key, fingerprint, nowMs) {
      const pending: IdempotencyRecord = {
        fingerprint,
        state: "pending",
        status: 0,
        body: "",
        contentType: "",
        expiresAtMs: nowMs + PENDING_MS,
      };
      // A key is almost always new: mark it pending if absent, and read it only if it is not.
      const fresh = await group.commit((op) =>
        op.check({ key: idempotencyKey(scope, key), versionstamp: null })
          .set(idempotencyKey(scope, key), pending, { expireIn: PENDING_MS })
      );
      if (fresh.ok) return { kind: "started" };
      for (let attempt = 0; attempt < 3; attempt++) {
        const entry = await withKvRetry(() =>
          kv.get<IdempotencyRecord>(idempotencyKey(scope, key))
        );
        const rec = entry.value;
        if (rec && rec.expiresAtMs > nowMs) {
          if (rec.fingerprint !== fingerprint) return { kind: "mismatch" };
          return rec.state === "done" ? { kind: "replay", record: rec } : { kind: "in_progress" };
        }
        const res = await group.commit((op) =>
          op.check(entry).set(idempotencyKey(scope, key), pending, { expireIn: PENDING_MS })
        );
        if (res.ok) return { kind: "started" };
      }
      return { kind: "in_progress" };
    },
    async finish(scope, key, record, ttlMs) {
      await group.write(
        (op) => op.set(idempotencyKey(scope, key), record, { expireIn: ttlMs }),
        1,
      );
    },
    async abandon(scope, key) {
      await withKvRetry(() => kv.delete(idempotencyKey(scope, key)));
    },
    forgetUser(userId) {
      return forgetScopes(`${userId}:`);
    },
    forgetScopes,
  };
}
