import assert from "node:assert/strict";
import { base64ToBytes, bytesToBase64, bytesToBase64Url } from "../../src/crypto/encoding.ts";

/** Base64 the way the platform's `btoa` writes it, from a binary string a byte at a time. */
function viaBtoa(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

Deno.test("bytesToBase64() and bytesToBase64Url() write what btoa writes, so stored ids and sealed values still read", () => {
  const lengths = [...Array(70).keys(), 255, 256, 0x8000 - 1, 0x8000, 0x8000 + 1, 100_000];
  for (const length of lengths) {
    const bytes = crypto.getRandomValues(new Uint8Array(Math.min(length, 65_536)));
    const big = length > 65_536
      ? new Uint8Array(length).map((_, i) => bytes[i % bytes.length])
      : bytes;
    const expected = viaBtoa(big);
    assert.equal(bytesToBase64(big), expected, `${length} bytes`);
    const url = bytesToBase64Url(big);
    assert.equal(url, expected.replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, ""));
    assert.match(url, /^[A-Za-z0-9_-]*$/);
    assert.deepEqual(base64ToBytes(url), big);
    assert.deepEqual(base64ToBytes(expected), big);
  }
  // Every byte value, in both alphabets' special characters.
  const all = new Uint8Array(256).map((_, i) => i);
  assert.equal(bytesToBase64Url(new Uint8Array([0xfb, 0xff])), "-_8");
  assert.equal(bytesToBase64(new Uint8Array([0xfb, 0xff])), "+/8=");
  assert.equal(bytesToBase64(all), viaBtoa(all));
});
