import assert from "node:assert/strict";
import {
  createKeyedHash,
  hmacKey,
  hmacSha256,
  sha256Base64Url,
} from "../../src/crypto/keyed_hash.ts";
import { base64ToBytes, bytesToBase64Url } from "../../src/crypto/encoding.ts";

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
      hmacSha256(hmacKey(raw), `phone\u0000${value}`, "base64url"),
      bytesToBase64Url(expected),
    );
  }
  assert.notEqual(await keyed.hash("phone", "x"), await keyed.hash("refresh", "x"));
  await assert.rejects(createKeyedHash(btoa("short")), /at least 32 bytes/);
});

Deno.test("hmacSha256() gives WebCrypto's HMAC for keys shorter than, as long as and longer than a block, every time", async () => {
  for (const length of [32, 63, 64, 65, 100]) {
    const raw = crypto.getRandomValues(new Uint8Array(length));
    const key = hmacKey(raw);
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
        assert.equal(hmacSha256(key, text, "hex"), expected.toHex(), `${length} bytes`);
        assert.equal(hmacSha256(key, text, "base64url"), bytesToBase64Url(expected));
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
