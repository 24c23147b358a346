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

/** `body` gzipped by the runtime's compression stream. */
export async function gzip(
  body: string | Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([body]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
