import assert from "node:assert/strict";
import { createKeyedHash, keyedMac, sha256Base64Url } from "../../src/crypto/keyed_hash.ts";
import { createDataCipher } from "../../src/crypto/data_cipher.ts";
import { createAuditKeyring } from "../../src/audit/audit_keys.ts";
import { loadNodeCrypto, nodeCrypto } from "../../src/crypto/node_crypto.ts";
import { base64ToBytes, bytesToBase64Url } from "../../src/crypto/encoding.ts";

// Each test file runs in its own isolate: nothing has loaded node:crypto through node_crypto.ts yet.
const loadedAtStart = nodeCrypto();

Deno.test("keys made before node:crypto has loaded answer after its one load, the same bytes as after it", async () => {
  assert.equal(loadedAtStart, undefined, "node:crypto was loaded before the first test");
  const raw = crypto.getRandomValues(new Uint8Array(32));
  const secret = bytesToBase64Url(raw);
  // Made, and checked, without node:crypto: a short secret is still refused at once.
  const keyed = await createKeyedHash(secret);
  const audit = await createAuditKeyring([{ id: "a1", keyBase64: secret }]);
  const cipher = await createDataCipher([{ id: "k1", keyBase64: secret }]);
  await assert.rejects(createKeyedHash(btoa("short")), /at least 32 bytes/);
  await assert.rejects(createDataCipher([{ id: "k1", keyBase64: btoa("short") }]), /32 bytes/);
  assert.equal(nodeCrypto(), undefined, "making the keys loaded node:crypto");
  // The first calls, all at once, wait for the one load.
  const [hash, mac, sealed, digest] = await Promise.all([
    keyed.hash("phone", "+919812345678"),
    audit.mac("a1", "entry"),
    cipher.seal("नमस्ते"),
    sha256Base64Url("body"),
  ]);
  assert.ok(nodeCrypto(), "the first calls loaded node:crypto");
  assert.equal(nodeCrypto(), await loadNodeCrypto());
  const web = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const sign = async (text: string) =>
    new Uint8Array(await crypto.subtle.sign("HMAC", web, new TextEncoder().encode(text)));
  assert.equal(hash, bytesToBase64Url(await sign("phone\u0000+919812345678")));
  assert.equal(mac, (await sign("entry")).toHex());
  assert.equal(await cipher.open(sealed), "नमस्ते");
  assert.equal(digest, await sha256Base64Url("body"));
  // Later calls take the loaded path and agree with the first ones.
  assert.equal(await keyed.hash("phone", "+919812345678"), hash);
  assert.equal(await audit.mac("a1", "entry"), mac);
});

Deno.test("createKeyedHash() gives the same HMAC-SHA256 as WebCrypto, so stored indexes still match", async () => {
  const raw = crypto.getRandomValues(new Uint8Array(32));
  const secret = btoa(String.fromCharCode(...raw));
  const keyed = await createKeyedHash(secret);
  const web = await crypto.subtle.importKey(
    "raw",
    base64ToBytes(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  for (const value of ["hld_01J:123456", "+919812345678", "नमस्ते ü", ""]) {
    const expected = new Uint8Array(
      await crypto.subtle.sign("HMAC", web, new TextEncoder().encode(`phone\u0000${value}`)),
    );
    assert.equal(await keyed.hash("phone", value), bytesToBase64Url(expected));
    assert.equal(
      await keyedMac(raw)(`phone\u0000${value}`, "base64url"),
      bytesToBase64Url(expected),
    );
  }
  assert.notEqual(await keyed.hash("phone", "x"), await keyed.hash("refresh", "x"));
  await assert.rejects(createKeyedHash(btoa("short")), /at least 32 bytes/);
});

Deno.test("keyedMac() gives WebCrypto's HMAC for keys shorter than, as long as and longer than a block, every time", async () => {
  for (const length of [32, 63, 64, 65, 100]) {
    const raw = crypto.getRandomValues(new Uint8Array(length));
    const mac = keyedMac(raw);
    const web = await crypto.subtle.importKey(
      "raw",
      raw,
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    for (const text of ["audit entry", "नमस्ते ü", "", "x".repeat(200)]) {
      const expected = new Uint8Array(
        await crypto.subtle.sign("HMAC", web, new TextEncoder().encode(text)),
      );
      // Twice: a call copies the key's states and leaves them as they were.
      for (let i = 0; i < 2; i++) {
        assert.equal(await mac(text, "hex"), expected.toHex(), `${length} bytes`);
        assert.equal(await mac(text, "base64url"), bytesToBase64Url(expected));
      }
    }
  }
});

Deno.test("sha256Base64Url() gives WebCrypto's SHA-256, base64url without padding", async () => {
  for (const text of ['{"doctorId":"doc_1"}', "नमस्ते ü", ""]) {
    const expected = new Uint8Array(
      await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)),
    );
    assert.equal(await sha256Base64Url(text), bytesToBase64Url(expected));
  }
});
