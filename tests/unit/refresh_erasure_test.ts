/**
 * Erasing a user deletes their refresh tokens. Tokens are keyed by hash only, so finding them once
 * meant reading every user's tokens: at millions of sessions one erasure read them all. Each token
 * now has an entry under its user, and the whole space is read only while tokens written before
 * those entries existed may still live.
 */
import assert from "node:assert/strict";
import { createKeyedHash } from "../../src/crypto/keyed_hash.ts";
import { createRefreshTokens } from "../../src/auth/refresh_tokens.ts";
import { keySpace, refreshKey } from "../../src/stores/kv/keys.ts";

const hash = await createKeyedHash(btoa("a test key of at least thirty-two bytes"));
const DAY_MS = 86_400_000;
const TTL_MS = 30 * DAY_MS;

/** `kv` that records the prefix of every list it is asked for. */
function listing(kv: Deno.Kv, prefixes: string[]): Deno.Kv {
  return new Proxy(kv, {
    get(target, prop) {
      if (prop === "list") {
        return (selector: Deno.KvListSelector, opts?: Deno.KvListOptions) => {
          prefixes.push(JSON.stringify("prefix" in selector ? selector.prefix : null));
          return target.list(selector, opts);
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** Who owns each refresh-token record in `kv`. */
async function owners(kv: Deno.Kv): Promise<string[]> {
  const out: string[] = [];
  for await (const e of kv.list<{ user: { id: string } }>({ prefix: keySpace("refresh") })) {
    out.push(e.value.user.id);
  }
  return out.sort();
}

Deno.test("erasing a user deletes their tokens without reading everyone's, once no older token can live", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    let t = Date.UTC(2026, 0, 1);
    const tokens = createRefreshTokens(kv, hash, TTL_MS, () => t, 30_000);
    const erased = { id: "pat_erased", role: "patient" as const };
    const other = { id: "pat_other", role: "patient" as const };
    const first = await tokens.issue(erased, "phone", "pi-1");
    const child = await tokens.rotate(first.token);
    await tokens.rotate(first.token); // within the grace: a sibling
    await tokens.rotate(child.token);
    await tokens.issue(erased, "laptop", "pi-1");
    await tokens.issue(other, "phone", "pi-2");
    assert.deepEqual(await owners(kv), [...Array(5).fill("pat_erased"), "pat_other"]);

    t += TTL_MS + 2 * DAY_MS;
    const prefixes: string[] = [];
    const n = await createRefreshTokens(listing(kv, prefixes), hash, TTL_MS, () => t)
      .forgetUser(erased.id);
    assert.deepEqual(await owners(kv), ["pat_other"]);
    assert.equal(n, 2 + 5, "two sessions and five tokens");
    assert.ok(
      !prefixes.includes(JSON.stringify(keySpace("refresh"))),
      `read every user's tokens: ${prefixes.join(" ")}`,
    );
    const left = [];
    for await (const e of kv.list({ prefix: ["refresh_by_user"] })) left.push(e.key[1]);
    assert.deepEqual(left, ["pat_other"]);
  } finally {
    kv.close();
  }
});

Deno.test("erasing a user still deletes tokens written before tokens were indexed by user", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const t = Date.UTC(2026, 0, 1);
    const legacy = (id: string) => ({
      familyId: `ses_${id}`,
      user: { id, role: "patient" },
      phoneIndex: "pi",
      expiresAtMs: t + TTL_MS,
      rotatedAtMs: null,
    });
    // An earlier version's tokens: no entry under their user, no note of when indexing began.
    await kv.set(refreshKey("legacy-1"), legacy("pat_erased"));
    await kv.set(refreshKey("legacy-2"), legacy("pat_other"));
    const tokens = createRefreshTokens(kv, hash, TTL_MS, () => t);
    assert.equal(await tokens.forgetUser("pat_erased"), 1);
    assert.deepEqual(await owners(kv), ["pat_other"]);

    // This version's first token notes when indexing began; a token lifetime later (and a day
    // for a rollout), an older token could still live, so the whole space is still read.
    await kv.set(refreshKey("legacy-3"), legacy("pat_erased"));
    await tokens.issue({ id: "pat_new", role: "patient" }, "phone", "pi-3");
    const later = createRefreshTokens(kv, hash, TTL_MS, () => t + TTL_MS + DAY_MS - 1);
    assert.equal(await later.forgetUser("pat_erased"), 1);
    assert.deepEqual(await owners(kv), ["pat_new", "pat_other"]);
  } finally {
    kv.close();
  }
});
