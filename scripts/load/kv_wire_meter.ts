/**
 * A TCP relay in front of a `denokv` server that measures what the app instances really send it:
 * bytes each way, and the KV Connect calls in them — snapshot reads (and their key ranges) and
 * atomic writes (and their checks and mutations) — read from the protobuf bodies of the HTTP/2
 * requests (see `countRequest`). It only counts and relays; it never changes a byte.
 */

export interface KvWireCounts {
  bytesToKv: number;
  bytesFromKv: number;
  reads: number;
  readRanges: number;
  commits: number;
  checks: number;
  mutations: number;
  /** Watch streams opened (keys only, no mutation). */
  watches: number;
  /** Requests whose body could not be parsed (e.g. chunked); counted in bytes only. */
  unparsed: number;
  /**
   * Mutations by key space (the key's first part, `keySpace` in src/stores/kv/keys.ts): where a
   * commit's writes go, and which spaces grow when instances contend (a refused commit is sent
   * again, with its mutations).
   */
  mutationsBySpace: Record<string, number>;
  /** Read ranges by the key space of their start key: what the instances read, and how often. */
  rangesBySpace: Record<string, number>;
}

/** The counts kept by key space (each a map from space to count). */
export const BY_SPACE = ["mutationsBySpace", "rangesBySpace"] as const;

export interface KvWireMeter {
  url: string;
  counts(): KvWireCounts;
  close(): Promise<void>;
}

/** Counts of nothing yet. */
export const emptyWireCounts = (): KvWireCounts => ({
  bytesToKv: 0,
  bytesFromKv: 0,
  reads: 0,
  readRanges: 0,
  commits: 0,
  checks: 0,
  mutations: 0,
  watches: 0,
  unparsed: 0,
  mutationsBySpace: {},
  rangesBySpace: {},
});

/**
 * The first part of an encoded KV key when it is a string (type byte 0x02, the UTF-8 bytes, 0x00;
 * every key space here is one); "?" for anything else.
 */
export function keySpaceOf(key: Uint8Array): string {
  if (key[0] !== 0x02) return "?";
  const end = key.indexOf(0x00, 1);
  return new TextDecoder().decode(key.subarray(1, end < 0 ? key.length : end));
}

/** Fields of a protobuf message, in order, with the bytes of length-delimited ones. */
function fields(body: Uint8Array): { field: number; bytes: Uint8Array | null }[] {
  const out: { field: number; bytes: Uint8Array | null }[] = [];
  let i = 0;
  const varint = () => {
    let value = 0;
    let shift = 0;
    while (i < body.length) {
      const b = body[i++];
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return value;
      shift += 7;
    }
    throw new RangeError("truncated varint");
  };
  while (i < body.length) {
    const tag = varint();
    const wire = tag & 7;
    let bytes: Uint8Array | null = null;
    if (wire === 0) varint();
    else if (wire === 1) i += 8;
    else if (wire === 2) {
      const n = varint();
      bytes = body.subarray(i, i + n);
      i += n;
    } else if (wire === 5) i += 4;
    else throw new RangeError(`unsupported wire type ${wire}`);
    out.push({ field: Math.floor(tag / 8), bytes });
  }
  return out;
}

/**
 * Classifies one KV Connect request body. KV Connect runs over HTTP/2, whose paths are HPACK-
 * coded, so the body tells: a SnapshotRead is only ranges (field 1), each with a `limit` (field
 * 3); an AtomicWrite has checks (1: key, versionstamp; no field 3), mutations (2), enqueues (3);
 * a Watch is only keys (field 1, no field 3) — an atomic write of checks alone would be counted
 * as one, but the app never sends that.
 */
export function countRequest(body: Uint8Array, counts: KvWireCounts): void {
  const top = fields(body);
  const ones = top.filter((f) => f.field === 1);
  const isRead = top.length > 0 && ones.length === top.length &&
    ones.every((f) => f.bytes !== null && fields(f.bytes).some((g) => g.field === 3));
  if (isRead) {
    counts.reads++;
    counts.readRanges += ones.length;
    // ReadRange{start: 1, end: 2, limit: 3, reverse: 4}
    for (const f of ones) addBySpace(counts.rangesBySpace, f.bytes!);
  } else if (top.length > 0 && ones.length === top.length) {
    counts.watches++;
  } else if (top.length > 0) {
    counts.commits++;
    counts.checks += ones.length;
    counts.mutations += top.filter((f) => f.field === 2 || f.field === 3).length;
    for (const f of top) {
      if (f.field !== 2 || f.bytes === null) continue;
      // Mutation{key: 1, value: 2, mutation_type: 3, expire_at_ms: 4}
      addBySpace(counts.mutationsBySpace, f.bytes);
    }
  }
}

/** Counts one more in the space of the message's field 1 (a key, or a range's start key). */
function addBySpace(bySpace: Record<string, number>, message: Uint8Array): void {
  const key = fields(message).find((g) => g.field === 1)?.bytes;
  const space = key ? keySpaceOf(key) : "?";
  bySpace[space] = (bySpace[space] ?? 0) + 1;
}

const PREFACE_BYTES = 24;

/** Reassembles the request bodies (DATA frames per stream) of a client's HTTP/2 stream. */
function requestParser(counts: KvWireCounts) {
  let buf = new Uint8Array(0);
  let prefaceSeen = false;
  const bodies = new Map<number, Uint8Array[]>();
  return (chunk: Uint8Array) => {
    const joined = new Uint8Array(buf.length + chunk.length);
    joined.set(buf);
    joined.set(chunk, buf.length);
    buf = joined;
    if (!prefaceSeen) {
      if (buf.length < PREFACE_BYTES) return;
      buf = buf.slice(PREFACE_BYTES);
      prefaceSeen = true;
    }
    while (buf.length >= 9) {
      const length = (buf[0] << 16) | (buf[1] << 8) | buf[2];
      if (buf.length < 9 + length) return;
      const [type, flags] = [buf[3], buf[4]];
      const stream = ((buf[5] & 0x7f) << 24) | (buf[6] << 16) | (buf[7] << 8) | buf[8];
      let payload = buf.subarray(9, 9 + length);
      if (type === 0) {
        if (flags & 0x8) payload = payload.subarray(1, payload.length - payload[0]);
        const parts = bodies.get(stream) ?? [];
        parts.push(payload.slice());
        bodies.set(stream, parts);
        if (flags & 0x1) {
          bodies.delete(stream);
          const body = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
          let at = 0;
          for (const p of parts) {
            body.set(p, at);
            at += p.length;
          }
          try {
            countRequest(body, counts);
          } catch {
            counts.unparsed++;
          }
        }
      }
      buf = buf.slice(9 + length);
    }
  };
}

/** Listens on a free 127.0.0.1 port and relays every connection to `upstreamPort`. */
export function startKvWireMeter(upstreamPort: number): KvWireMeter {
  const counts = emptyWireCounts();
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const relays: Promise<void>[] = [];
  const accepting = (async () => {
    for await (const client of listener) {
      relays.push(relay(client));
    }
  })().catch(() => {});

  async function relay(client: Deno.Conn) {
    let upstream: Deno.Conn;
    try {
      upstream = await Deno.connect({ hostname: "127.0.0.1", port: upstreamPort });
    } catch {
      client.close();
      return;
    }
    conns.add(client);
    conns.add(upstream);
    const parse = requestParser(counts);
    const up = client.readable.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, out) {
          counts.bytesToKv += chunk.length;
          parse(chunk);
          out.enqueue(chunk);
        },
      }),
    ).pipeTo(upstream.writable).catch(() => {});
    const down = upstream.readable.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, out) {
          counts.bytesFromKv += chunk.length;
          out.enqueue(chunk);
        },
      }),
    ).pipeTo(client.writable).catch(() => {});
    await Promise.all([up, down]);
    conns.delete(client);
    conns.delete(upstream);
  }

  return {
    url: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    counts: () => ({
      ...counts,
      mutationsBySpace: { ...counts.mutationsBySpace },
      rangesBySpace: { ...counts.rangesBySpace },
    }),
    async close() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch {
          // already closed by its peer
        }
      }
      await accepting;
      await Promise.allSettled(relays);
    },
  };
}
