/**
 * Ending a session is a read and then a write: an erasure (or anything that deletes the session)
 * landing between them must not be undone by the write, which put the deleted session record
 * (user id, user agent) back in the store after the patient's data was erased.
 */
import assert from "node:assert/strict";
import { createKeyedHash } from "../../src/crypto/keyed_hash.ts";
import { createRefreshTokens } from "../../src/auth/refresh_tokens.ts";
import { sessionKey } from "../../src/stores/kv/keys.ts";

const hash = await createKeyedHash(btoa("a test key of at least thirty-two bytes"));

/**
 * `kv` whose `nth` read of `key` has `between` run right after it, before the caller goes on
 * (`revokeSession` reads the session to check its owner, then again to end it).
 */
function withStepBetween(
  kv: Deno.Kv,
  key: Deno.KvKey,
  nth: number,
  between: () => Promise<void>,
): Deno.Kv {
  let reads = 0;
  const same = (k: Deno.KvKey) => JSON.stringify(k) === JSON.stringify(key);
  return new Proxy(kv, {
    get(target, prop) {
      if (prop === "get") {
        return async (k: Deno.KvKey, opts?: { consistency?: Deno.KvConsistencyLevel }) => {
          const entry = await target.get(k, opts);
          if (same(k) && ++reads === nth) await between();
          return entry;
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

Deno.test("ending a session the user's erasure deleted meanwhile does not bring its record back", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const user = { id: "pat_revoke_race", role: "patient" as const };
    const issued = await createRefreshTokens(kv, hash, 86_400_000).issue(user, "phone", "pi");
    const racing = withStepBetween(kv, sessionKey(issued.sessionId), 2, async () => {
      await createRefreshTokens(kv, hash, 86_400_000).forgetUser(user.id);
    });
    await createRefreshTokens(racing, hash, 86_400_000).revokeSession(user.id, issued.sessionId);
    const left = await kv.get(sessionKey(issued.sessionId));
    assert.equal(left.value, null, "the erased session record is back");
  } finally {
    kv.close();
  }
});

Deno.test("ending a session that a refresh renewed meanwhile still ends it", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const user = { id: "pat_revoke_renew", role: "patient" as const };
    const tokens = createRefreshTokens(kv, hash, 86_400_000);
    const issued = await tokens.issue(user, "phone", "pi");
    const racing = withStepBetween(kv, sessionKey(issued.sessionId), 2, async () => {
      await tokens.rotate(issued.token);
    });
    await createRefreshTokens(racing, hash, 86_400_000).revokeSession(user.id, issued.sessionId);
    assert.equal(await tokens.isLive(issued.sessionId), false);
  } finally {
    kv.close();
  }
});
