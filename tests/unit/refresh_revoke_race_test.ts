/**
 * Ending a session is a read and then a write: an erasure (or anything that deletes the session)
 * landing between them must not be undone by the write, which put the deleted session record
 * (user id, user agent) back in the store after the patient's data was erased. The same holds for a
 * refresh token presented again within the reuse grace: a logout or erasure in between wins.
 */
import assert from "node:assert/strict";
import { createKeyedHash } from "../../src/crypto/keyed_hash.ts";
import { createRefreshTokens } from "../../src/auth/refresh_tokens.ts";
import { UnauthenticatedError } from "../../src/errors.ts";
import { refreshByUserPrefix, sessionKey } from "../../src/stores/kv/keys.ts";

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

/** The refresh-token records in `kv` (by hash: which family each belongs to). */
async function refreshRecords(kv: Deno.Kv) {
  const out: string[] = [];
  for await (const e of kv.list<{ familyId: string }>({ prefix: ["refresh"] })) {
    out.push(e.value.familyId);
  }
  return out;
}

Deno.test("a logout landing inside a graced reuse wins: 401, and no sibling token is written", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const user = { id: "pat_grace_logout", role: "patient" as const };
    const tokens = createRefreshTokens(kv, hash, 86_400_000, Date.now, 30_000);
    const issued = await tokens.issue(user, "phone", "pi");
    await tokens.rotate(issued.token);
    const racing = withStepBetween(kv, sessionKey(issued.sessionId), 1, async () => {
      await tokens.revokeSession(user.id, issued.sessionId);
    });
    await assert.rejects(
      createRefreshTokens(racing, hash, 86_400_000, Date.now, 30_000).rotate(issued.token),
      (err: unknown) => err instanceof UnauthenticatedError,
    );
    assert.equal((await refreshRecords(kv)).length, 2, "the login's token and its child only");
    assert.equal(await tokens.isLive(issued.sessionId), false);
  } finally {
    kv.close();
  }
});

Deno.test("an erasure landing inside a graced reuse wins: 401, and nothing of the user is written back", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const user = { id: "pat_grace_erase", role: "patient" as const };
    const tokens = createRefreshTokens(kv, hash, 86_400_000, Date.now, 30_000);
    const issued = await tokens.issue(user, "phone", "pi");
    await tokens.rotate(issued.token);
    const racing = withStepBetween(kv, sessionKey(issued.sessionId), 1, async () => {
      await tokens.forgetUser(user.id);
    });
    await assert.rejects(
      createRefreshTokens(racing, hash, 86_400_000, Date.now, 30_000).rotate(issued.token),
      (err: unknown) => err instanceof UnauthenticatedError,
    );
    assert.deepEqual(await refreshRecords(kv), []);
    assert.equal((await kv.get(sessionKey(issued.sessionId))).value, null);
  } finally {
    kv.close();
  }
});

Deno.test("rotate() that loses the race with a use of the same token is graced, not called theft", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const user = { id: "pat_grace_race", role: "patient" as const };
    const tokens = createRefreshTokens(kv, hash, 86_400_000, Date.now, 30_000);
    const issued = await tokens.issue(user, "phone", "pi");
    let other: unknown = null;
    const racing = withStepBetween(kv, sessionKey(issued.sessionId), 1, async () => {
      other = await tokens.rotate(issued.token);
    });
    const mine = await createRefreshTokens(racing, hash, 86_400_000, Date.now, 30_000)
      .rotate(issued.token);
    assert.ok(other, "the other use did not run in between");
    assert.equal(mine.sessionId, issued.sessionId);
    assert.equal(await tokens.isLive(issued.sessionId), true);
    assert.equal((await refreshRecords(kv)).length, 3, "the login's token, a child, a sibling");
    assert.equal((await tokens.rotate(mine.token)).sessionId, issued.sessionId);
  } finally {
    kv.close();
  }
});

/**
 * `kv` whose first listing under `prefix` runs `between` once, right after it has read its first
 * batch (what is written meanwhile is not in it, wherever its key sorts).
 */
function withStepInListing(
  kv: Deno.Kv,
  prefix: Deno.KvKey,
  between: () => Promise<void>,
): Deno.Kv {
  let ran = false;
  const same = (k: Deno.KvKey) => JSON.stringify(k) === JSON.stringify(prefix);
  return new Proxy(kv, {
    get(target, prop) {
      if (prop === "list") {
        return async function* (selector: Deno.KvListSelector, opts?: Deno.KvListOptions) {
          for await (const e of target.list(selector, opts)) {
            if (!ran && "prefix" in selector && same(selector.prefix)) {
              ran = true;
              await between();
            }
            yield e;
          }
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

Deno.test("a refresh landing inside an erasure's scan of the tokens leaves no token of the user behind", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const user = { id: "pat_erase_scan", role: "patient" as const };
    const tokens = createRefreshTokens(kv, hash, 86_400_000, Date.now, 30_000);
    const issued = await tokens.issue(user, "phone", "pi");
    let refreshed: unknown = null;
    const racing = withStepInListing(kv, refreshByUserPrefix(user.id), async () => {
      refreshed = await tokens.rotate(issued.token).catch((err) => err);
    });
    await createRefreshTokens(racing, hash, 86_400_000, Date.now, 30_000).forgetUser(user.id);
    assert.ok(refreshed, "the refresh did not run in between");
    assert.deepEqual(await refreshRecords(kv), [], "a token of the erased user is left");
    assert.equal(await tokens.isLive(issued.sessionId), false);
  } finally {
    kv.close();
  }
});
