/**
 * src/http/gzip.ts: which Accept-Encoding values take gzip (the one-value memory never answers for
 * another value), and gzip() round-trips small bodies (one synchronous call) and large ones (a
 * stream) alike.
 */
import assert from "node:assert/strict";
import { acceptsGzip, gzip } from "../../src/http/gzip.ts";

Deno.test("acceptsGzip() takes gzip or * unless q=0, whatever came before", () => {
  const cases: [string | undefined | null, boolean][] = [
    ["gzip", true],
    [undefined, false],
    ["gzip, deflate, br", true],
    [null, false],
    ["br", false],
    ["GZIP;q=0.5, br;q=1", true],
    ["gzip;q=0", false],
    ["*", true],
    ["deflate, gzip;q=0.0", false],
    ["identity", false],
    ["*;q=0", false],
    ["gzip", true],
    ["", false],
  ];
  // Twice over, each value after a different one: the last value's memory answers only for it.
  for (const [header, accepts] of [...cases, ...cases.toReversed()]) {
    assert.equal(acceptsGzip(header), accepts, String(header));
    assert.equal(acceptsGzip(header), accepts, `${header} again`);
  }
});

async function gunzip(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

Deno.test("gzip() gives gzip that decodes to the body, small and large, string or bytes", async () => {
  const small = JSON.stringify({ slots: Array.from({ length: 100 }, (_, i) => ({ start: i })) });
  const large = new TextEncoder().encode("0123456789abcdef".repeat(8 * 1024)); // 128 KB
  for (const body of [small, new TextEncoder().encode(small), large]) {
    const zipped = await gzip(body);
    assert.deepEqual([zipped[0], zipped[1]], [0x1f, 0x8b], "a gzip member");
    const plain = typeof body === "string" ? new TextEncoder().encode(body) : body;
    assert.ok(zipped.byteLength < plain.byteLength / 4);
    assert.deepEqual(await gunzip(zipped), plain);
    assert.equal(zipped.buffer.byteLength, zipped.byteLength, "its own buffer, exactly its size");
  }
});
