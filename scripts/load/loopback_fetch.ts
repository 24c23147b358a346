/**
 * A small HTTP/1.1 keep-alive `fetch` for the load generator, over `Deno.connect` on loopback.
 * Deno's own fetch costs the generator well over 100 µs of CPU per request (its client, URL and
 * header handling); this one writes the request line and headers as one string on a pooled
 * connection and parses the answer itself, so the generator's CPU per booking stays small beside
 * the server's (docs/BENCHMARKS.md, helper "gen9"). It is handed to the typed client
 * (clients/vaidya.ts) as its `fetch`, so the calls stay checked against the OpenAPI document.
 *
 * Scope: one origin (`http://127.0.0.1:PORT`), no redirects, no request streaming. Every in-flight
 * request has a connection of its own; an idle one goes back to the pool after its answer is read
 * in full, unless the server said `Connection: close`. A socket that closes or breaks before the
 * answer is complete rejects with a `TypeError` (as fetch does for a network error), except that
 * a pooled connection failing before any byte of the answer (the server closed it while idle)
 * sends the request once more on a new connection; an aborted
 * `signal` rejects with its reason (a `TimeoutError` for `AbortSignal.timeout`) and drops the
 * connection.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const CRLF_CRLF = [13, 10, 13, 10] as const;
const READ_CHUNK = 16 * 1024;

/** The parts of a `Request` the transport reads. */
type Outgoing = Pick<Request, "url" | "method" | "headers" | "signal">;

/**
 * What the typed client builds per call in place of Deno's `Request` (openapi-fetch's `Request`
 * option): the fields the transport reads, the body kept as the string the client serialised.
 * Deno's Request (URL parsing, header validation, a body stream and a dependent abort signal per
 * call) costs the generator more CPU than the whole exchange on the socket.
 */
export class LoopbackRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly signal: AbortSignal;
  readonly payload: string | null;

  constructor(url: string, init: RequestInit = {}) {
    this.url = url;
    this.method = (init.method ?? "GET").toUpperCase();
    this.headers = init.headers instanceof Headers ? init.headers : new Headers(init.headers);
    this.signal = init.signal ?? new AbortController().signal;
    const body = init.body ?? null;
    if (body !== null && typeof body !== "string") {
      throw new TypeError("LoopbackRequest takes a string body only");
    }
    this.payload = body;
  }
}

/** Answer headers by lower-case name (what the typed client and the generator read). */
export class LoopbackHeaders {
  constructor(private readonly map: Map<string, string>) {}
  get(name: string): string | null {
    return this.map.get(name.toLowerCase()) ?? null;
  }
  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }
}

/** The answer handed back for a LoopbackRequest: status, headers and the body read in full. */
export class LoopbackResponse {
  readonly ok: boolean;
  readonly headers: LoopbackHeaders;
  readonly bodyUsed = false;
  constructor(
    readonly status: number,
    headers: Map<string, string>,
    private readonly bytes: Uint8Array<ArrayBuffer> | null,
  ) {
    this.ok = status >= 200 && status < 300;
    this.headers = new LoopbackHeaders(headers);
  }
  text(): Promise<string> {
    return Promise.resolve(this.bytes ? decoder.decode(this.bytes) : "");
  }
  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
  arrayBuffer(): Promise<ArrayBuffer> {
    return Promise.resolve(this.bytes ? this.bytes.slice().buffer : new ArrayBuffer(0));
  }
}

interface Answer {
  status: number;
  headers: Map<string, string>;
  body: Uint8Array<ArrayBuffer> | null;
  keep: boolean;
}

export interface LoopbackFetch {
  fetch(input: Request | LoopbackRequest): Promise<Response>;
  /** Connections opened so far (for tests and reports). */
  readonly opened: number;
  /** Closes every idle connection; in-flight ones close when their answer is read. */
  close(): void;
}

class ConnectionError extends TypeError {
  constructor(message: string) {
    super(message.startsWith("loopback fetch: ") ? message : `loopback fetch: ${message}`);
  }
}

/** The connection failed before any byte of the answer came back. */
class StaleConnection extends ConnectionError {}

/** One keep-alive connection with its read buffer (bytes read past the last answer stay). */
class Conn {
  private buf = new Uint8Array(READ_CHUNK);
  private start = 0;
  private end = 0;
  closed = false;
  /** Bytes read from the socket so far. */
  bytesRead = 0;

  constructor(readonly conn: Deno.TcpConn) {}

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.conn.close();
    } catch { /* already closed by the peer */ }
  }

  /** Reads more bytes into the buffer; false at end of stream. */
  private async fill(): Promise<boolean> {
    if (this.start > 0 && this.start === this.end) this.start = this.end = 0;
    if (this.end === this.buf.length) {
      const live = this.end - this.start;
      if (live === this.buf.length) {
        const next = new Uint8Array(this.buf.length * 2);
        next.set(this.buf);
        this.buf = next;
      } else this.buf.copyWithin(0, this.start, this.end);
      this.start = 0;
      this.end = live;
    }
    const n = await this.conn.read(this.buf.subarray(this.end));
    if (n === null) return false;
    this.end += n;
    this.bytesRead += n;
    return true;
  }

  /** The bytes up to (not including) `delim`, consumed with it. */
  private async until(delim: readonly number[], what: string): Promise<Uint8Array<ArrayBuffer>> {
    let from = this.start;
    for (;;) {
      const at = indexOf(this.buf, delim, from, this.end);
      if (at >= 0) {
        const out = this.buf.slice(this.start, at);
        this.start = at + delim.length;
        return out;
      }
      from = Math.max(this.start, this.end - delim.length + 1);
      const before = this.start;
      if (!(await this.fill())) throw new ConnectionError(`connection closed in ${what}`);
      from -= before - this.start;
    }
  }

  private async take(n: number): Promise<Uint8Array<ArrayBuffer>> {
    while (this.end - this.start < n) {
      if (!(await this.fill())) throw new ConnectionError("connection closed in the body");
    }
    const out = this.buf.slice(this.start, this.start + n);
    this.start += n;
    return out;
  }

  /** Reads one answer: status, headers, the whole body, and whether the server keeps the link. */
  async readResponse(method: string): Promise<Answer> {
    const head = decoder.decode(await this.until(CRLF_CRLF, "the head"));
    const lines = head.split("\r\n");
    const m = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/.exec(lines[0]);
    if (!m) throw new ConnectionError(`bad status line ${JSON.stringify(lines[0].slice(0, 80))}`);
    const status = Number(m[2]);
    const headers = new Map<string, string>();
    let length = -1;
    let chunked = false;
    let keep = m[1] === "1";
    for (let i = 1; i < lines.length; i++) {
      const colon = lines[i].indexOf(":");
      if (colon <= 0) throw new ConnectionError("bad header line");
      const name = lines[i].slice(0, colon).trim().toLowerCase();
      const value = lines[i].slice(colon + 1).trim();
      const seen = headers.get(name);
      headers.set(name, seen === undefined ? value : `${seen}, ${value}`);
      if (name === "content-length") length = Number(value);
      else if (name === "transfer-encoding") chunked = /(^|,)\s*chunked\s*$/i.test(value);
      else if (name === "connection") {
        const v = value.toLowerCase();
        if (v.includes("close")) keep = false;
        else if (v.includes("keep-alive")) keep = true;
      }
    }
    let body: Uint8Array<ArrayBuffer> | null = null;
    const bodiless = method === "HEAD" || status === 204 || status === 304 || status < 200;
    if (!bodiless) {
      if (chunked) body = await this.readChunked();
      else if (length >= 0) {
        if (!Number.isSafeInteger(length)) throw new ConnectionError("bad content-length");
        body = await this.take(length);
      } else {
        // No length and not chunked: the body runs to the end of the stream.
        keep = false;
        const parts: Uint8Array<ArrayBuffer>[] = [];
        for (;;) {
          parts.push(this.buf.slice(this.start, this.end));
          this.start = this.end;
          if (!(await this.fill())) break;
        }
        body = concat(parts);
      }
    }
    return { status, headers, body, keep };
  }

  private async readChunked(): Promise<Uint8Array<ArrayBuffer>> {
    const parts: Uint8Array<ArrayBuffer>[] = [];
    for (;;) {
      const line = decoder.decode(await this.until([13, 10], "a chunk size"));
      const size = parseInt(line.split(";")[0].trim(), 16);
      if (!Number.isSafeInteger(size) || size < 0) throw new ConnectionError("bad chunk size");
      if (size === 0) {
        // Trailers (if any) up to the empty line.
        while ((await this.until([13, 10], "the trailers")).length > 0) { /* skip */ }
        return concat(parts);
      }
      parts.push(await this.take(size));
      if ((await this.until([13, 10], "a chunk")).length !== 0) {
        throw new ConnectionError("chunk longer than its size");
      }
    }
  }
}

function indexOf(hay: Uint8Array, needle: readonly number[], from: number, end: number): number {
  const first = needle[0];
  for (let i = hay.indexOf(first, from); i >= 0 && i + needle.length <= end;) {
    let j = 1;
    while (j < needle.length && hay[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
    i = hay.indexOf(first, i + 1);
  }
  return -1;
}

function concat(parts: Uint8Array<ArrayBuffer>[]): Uint8Array<ArrayBuffer> {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A keep-alive `fetch` for `baseUrl` (`http://127.0.0.1:PORT`) only. */
export function createLoopbackFetch(baseUrl: string): LoopbackFetch {
  const m = /^http:\/\/127\.0\.0\.1:(\d+)$/.exec(baseUrl);
  if (!m) throw new Error(`loopback fetch only talks to http://127.0.0.1:PORT; found ${baseUrl}`);
  const port = Number(m[1]);
  const hostHeader = `127.0.0.1:${port}`;
  const idle: Conn[] = [];
  let opened = 0;
  let closed = false;

  async function send(req: Outgoing, payload: string | null): Promise<Answer> {
    if (!req.url.startsWith(baseUrl + "/") && req.url !== baseUrl) {
      throw new TypeError(`loopback fetch: ${req.url} is not under ${baseUrl}`);
    }
    const target = req.url.length === baseUrl.length ? "/" : req.url.slice(baseUrl.length);
    let head = `${req.method} ${target} HTTP/1.1\r\nhost: ${hostHeader}\r\n`;
    for (const [k, v] of req.headers) {
      if (k === "host" || k === "content-length" || k === "connection") continue;
      head += `${k}: ${v}\r\n`;
    }
    if (payload !== null) head += `content-length: ${encoder.encode(payload).length}\r\n`;
    head += "\r\n";
    const bytes = encoder.encode(payload === null ? head : head + payload);

    const signal = req.signal;
    signal.throwIfAborted();
    // A pooled connection the server closed while it sat idle fails before any byte of the
    // answer: the request never reached the server, so it goes once more on a new connection.
    let pooled = idle.pop();
    for (;;) {
      const conn = pooled ?? await connect();
      try {
        return await exchange(conn, bytes, req.method, signal);
      } catch (err) {
        if (!(pooled && err instanceof StaleConnection) || signal.aborted) throw err;
        pooled = undefined;
      }
    }
  }

  async function connect(): Promise<Conn> {
    try {
      const conn = new Conn(await Deno.connect({ hostname: "127.0.0.1", port }));
      opened++;
      return conn;
    } catch (err) {
      throw new ConnectionError(`connect failed: ${(err as Error).message}`);
    }
  }

  /** Writes one request on `conn` and reads its answer; pools `conn` again if it stays open. */
  async function exchange(
    conn: Conn,
    bytes: Uint8Array,
    method: string,
    signal: AbortSignal,
  ): Promise<Answer> {
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => {
        conn.close();
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
    });
    const readBefore = conn.bytesRead;
    try {
      const io = (async () => {
        try {
          let sent = 0;
          while (sent < bytes.length) sent += await conn.conn.write(bytes.subarray(sent));
          return await conn.readResponse(method);
        } catch (err) {
          const message = err instanceof ConnectionError ? err.message : (err as Error).message;
          throw conn.bytesRead === readBefore
            ? new StaleConnection(message)
            : new ConnectionError(message);
        }
      })();
      io.catch(() => {});
      const answer = await Promise.race([io, aborted]);
      if (answer.keep && !closed) idle.push(conn);
      else conn.close();
      return answer;
    } catch (err) {
      conn.close();
      throw err;
    } finally {
      signal.removeEventListener("abort", onAbort!);
      aborted.catch(() => {});
    }
  }

  return {
    async fetch(input: Request | LoopbackRequest): Promise<Response> {
      if (input instanceof LoopbackRequest) {
        const a = await send(input, input.payload);
        return new LoopbackResponse(a.status, a.headers, a.body) as unknown as Response;
      }
      const a = await send(input, input.body === null ? null : await input.text());
      return new Response(a.body, { status: a.status, headers: [...a.headers] });
    },
    get opened() {
      return opened;
    },
    close() {
      closed = true;
      for (const c of idle.splice(0)) c.close();
    },
  };
}
