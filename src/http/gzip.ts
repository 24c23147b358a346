/**
 * gzip for answers worth compressing once and sending compressed many times (the API explorer's
 * files, a slot listing kept for reuse): whether a request accepts gzip, and a body's gzip form.
 * Deno's server sent a listing uncompressed to a client asking for gzip (measured with curl):
 * a week's listing is ~7.9 KB as JSON and ~0.7 KB gzipped (issue 15).
 */

/** The last `Accept-Encoding` value read and its answer: clients repeat one value. */
let lastHeader: string | undefined;
let lastAccepts = false;

/** True when `Accept-Encoding` lists gzip (or `*`) without `q=0`. */
export function acceptsGzip(header: string | undefined | null): boolean {
  if (!header) return false;
  if (header === lastHeader) return lastAccepts;
  const accepts = header.split(",").some((entry) => {
    const [coding, ...params] = entry.split(";").map((part) => part.trim().toLowerCase());
    if (coding !== "gzip" && coding !== "*") return false;
    const q = params.find((p) => p.startsWith("q="));
    return q === undefined || Number(q.slice(2)) > 0;
  });
  lastHeader = header;
  lastAccepts = accepts;
  return accepts;
}

/** Bodies up to this size are gzipped in one synchronous call; larger ones through a stream. */
const SYNC_GZIP_MAX_BYTES = 64 * 1024;

/**
 * `body` gzipped. Up to SYNC_GZIP_MAX_BYTES in one synchronous call (node:zlib, imported on the
 * first): a week's listing takes 137–186 µs, against 256–303 µs through a compression stream's
 * promises, and only one compressor is alive at a time. A larger body goes through the runtime's
 * compression stream, which leaves the thread to other requests meanwhile (the API explorer's
 * 1.7 MB bundle held it 40–54 ms in one call).
 */
export async function gzip(
  body: string | Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  if (bytes.byteLength > SYNC_GZIP_MAX_BYTES) {
    const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }
  const { gzipSync } = await import("node:zlib");
  const out = gzipSync(bytes);
  // A copy of its own, exactly its length (the Buffer may be a view of a larger one).
  const copy = new Uint8Array(out.byteLength);
  copy.set(out);
  return copy;
}
