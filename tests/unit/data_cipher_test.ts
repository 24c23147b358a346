import assert from "node:assert/strict";
import { createDataCipher } from "../../src/crypto/data_cipher.ts";
import { base64ToBytes, bytesToBase64Url } from "../../src/crypto/encoding.ts";

const KEY = crypto.getRandomValues(new Uint8Array(32));
const keys = [{ id: "k1", keyBase64: bytesToBase64Url(KEY) }];
const webKey = () => crypto.subtle.importKey("raw", KEY, "AES-GCM", false, ["encrypt", "decrypt"]);
const aad = new TextEncoder().encode("k1");

Deno.test("createDataCipher() seals what WebCrypto's AES-GCM opens, and opens what it sealed, so stored values still open", async () => {
  const cipher = await createDataCipher(keys);
  const key = await webKey();
  for (const text of ["+919812345678", "नमस्ते ü — pitta", "", "x".repeat(5000)]) {
    const [, kid, iv, ct] = (await cipher.seal(text)).split(".");
    assert.equal(kid, "k1");
    const opened = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: base64ToBytes(iv), additionalData: aad },
      key,
      base64ToBytes(ct),
    );
    assert.equal(new TextDecoder().decode(opened), text);

    const webIv = crypto.getRandomValues(new Uint8Array(12));
    const webCt = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv: webIv, additionalData: aad },
      key,
      new TextEncoder().encode(text),
    );
    const sealed = `v1.k1.${bytesToBase64Url(webIv)}.${bytesToBase64Url(new Uint8Array(webCt))}`;
    assert.equal(await cipher.open(sealed), text);
  }
});

Deno.test("createDataCipher() open() rejects a tampered, truncated or foreign value without plaintext", async () => {
  const cipher = await createDataCipher(keys);
  const sealed = await cipher.seal("+919812345678");
  const [v, kid, iv, ct] = sealed.split(".");
  const bytes = base64ToBytes(ct);
  bytes[0] ^= 1;
  await assert.rejects(cipher.open(`${v}.${kid}.${iv}.${bytesToBase64Url(bytes)}`));
  await assert.rejects(cipher.open(`${v}.${kid}.${iv}.${ct.slice(0, 8)}`));
  await assert.rejects(cipher.open(`${v}.other.${iv}.${ct}`), /not configured/);
  await assert.rejects(cipher.open("plain text"), /not a sealed value/);
  const other = await createDataCipher([{
    id: "k1",
    keyBase64: bytesToBase64Url(crypto.getRandomValues(new Uint8Array(32))),
  }]);
  await assert.rejects(other.open(sealed));
  await assert.rejects(createDataCipher([{ id: "k1", keyBase64: "c2hvcnQ" }]), /32 bytes/);
});
