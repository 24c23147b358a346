/**
 * The development secrets (src/crypto/secrets.ts): generated on a fresh KV in one commit, the same
 * for every process that starts at once on that KV and after a restart, and never generated nor
 * stored when configured.
 */
import assert from "node:assert/strict";
import { resolveSecrets } from "../../src/crypto/secrets.ts";
import { loadConfig } from "../../src/config/config.ts";
import { secretKey } from "../../src/stores/kv/keys.ts";

const NAMES = ["jwt_keys", "data_keys", "hmac", "audit_keys"];

async function withKvFile(run: (path: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "vaidya-secrets-" });
  try {
    await run(`${dir}/vaidya.kv`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a fresh KV gets every generated secret in one commit", async () => {
  await withKvFile(async (path) => {
    const kv = await Deno.openKv(path);
    try {
      const secrets = await resolveSecrets(loadConfig({ KV_PATH: path }), kv);
      assert.deepEqual(secrets.generated, ["jwt", "data", "hmac", "audit"]);
      const stored = await kv.getMany(NAMES.map(secretKey));
      assert.ok(stored.every((entry) => entry.value !== null));
      const stamps = new Set(stored.map((entry) => entry.versionstamp));
      assert.equal(stamps.size, 1, "the secrets were written by more than one commit");
    } finally {
      kv.close();
    }
  });
});

Deno.test("processes starting at once on one KV, and a restart, agree on every secret", async () => {
  await withKvFile(async (path) => {
    const config = loadConfig({ KV_PATH: path });
    const handles = await Promise.all(Array.from({ length: 6 }, () => Deno.openKv(path)));
    try {
      const all = await Promise.all(handles.map((kv) => resolveSecrets(config, kv)));
      for (const secrets of all.slice(1)) assert.deepEqual(secrets, all[0]);
      const again = await resolveSecrets(config, handles[0]);
      assert.deepEqual(again, all[0]);
      assert.equal(all[0].jwtPrivateJwks[0].kid, "dev-1");
    } finally {
      for (const kv of handles) kv.close();
    }
  });
});

Deno.test("a configured secret is neither generated nor stored", async () => {
  await withKvFile(async (path) => {
    const kv = await Deno.openKv(path);
    try {
      // 40 bytes: a shorter one is refused (keyed_hash.ts, and loadConfig).
      const hmacSecret = btoa("h".repeat(40));
      const secrets = await resolveSecrets(
        loadConfig({ KV_PATH: path, HMAC_SECRET: hmacSecret }),
        kv,
      );
      assert.equal(secrets.hmacSecret, hmacSecret);
      assert.deepEqual(secrets.generated, ["jwt", "data", "audit"]);
      assert.equal((await kv.get(secretKey("hmac"))).value, null);
      assert.notEqual((await kv.get(secretKey("data_keys"))).value, null);
    } finally {
      kv.close();
    }
  });
});
