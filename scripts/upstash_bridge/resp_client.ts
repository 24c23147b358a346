/**
 * A minimal RESP2 Redis client over one `Deno.connect` TCP connection.
 *
 * Owns: encoding commands, parsing replies (bulk strings stay binary as `Uint8Array`), pipelining
 * (replies are matched to commands first-in first-out), connect and command timeouts, and lazy
 * reconnection after the server went away. Must never retry a command on its own: a command whose
 * reply was lost may or may not have run, and only the caller can decide what that means.
 *
 * Reply mapping: simple string → `string`, bulk string → `Uint8Array`, integer → `number`,
 * nil → `null`, array → array, error → `RedisReplyError` value (not thrown inside pipelines).
 */
import { parseReply, RedisReplyError, type RespArg, type RespReply } from "./resp_parse.ts";

export { RedisReplyError, type RespArg, type RespReply };

/** Redis could not be reached, closed the connection, or did not answer in time. */
export class RedisConnectionError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RedisConnectionError";
  }
}

export interface RespClientOptions {
  hostname: string;
  port: number;
  /** Milliseconds to wait for the TCP connection. Default 2000. */
  connectTimeoutMs?: number;
  /** Milliseconds to wait for all replies of one batch. Default 10000. */
  commandTimeoutMs?: number;
}

interface PendingReply {
  resolve(reply: RespReply): void;
  reject(error: Error): void;
}

interface Connection {
  conn: Deno.TcpConn;
  pending: PendingReply[];
  writes: Promise<void>;
  reader: Promise<void>;
  dead: boolean;
}

const encoder = new TextEncoder();

/** Encodes one command as a RESP array of bulk strings. */
export function encodeCommand(args: readonly RespArg[]): Uint8Array {
  const parts: Uint8Array[] = [encoder.encode(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = typeof arg === "string" ? encoder.encode(arg) : arg;
    parts.push(encoder.encode(`$${bytes.length}\r\n`), bytes, encoder.encode("\r\n"));
  }
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Creates a client; it connects on the first command and again after each connection loss. */
export function createRespClient(options: RespClientOptions) {
  const { hostname, port } = options;
  const connectTimeoutMs = options.connectTimeoutMs ?? 2000;
  const commandTimeoutMs = options.commandTimeoutMs ?? 10_000;
  const address = `${hostname}:${port}`;
  let current: Connection | null = null;
  let connecting: Promise<Connection> | null = null;
  let closed = false;

  function fail(connection: Connection, error: Error): void {
    if (connection.dead) return;
    connection.dead = true;
    if (current === connection) current = null;
    try {
      connection.conn.close();
    } catch { /* already closed */ }
    for (const waiter of connection.pending.splice(0)) waiter.reject(error);
  }

  async function readReplies(connection: Connection): Promise<void> {
    let buffer = new Uint8Array(64 * 1024);
    let start = 0; // first byte not yet parsed
    let end = 0; // first free byte
    try {
      while (true) {
        if (buffer.length - end < 16 * 1024) {
          // Compact, and grow when a large reply is still arriving; replies are copied out, so
          // moving bytes never changes a value already handed to a caller.
          const used = end - start;
          const next = used * 2 > buffer.length ? new Uint8Array(used * 2 + 64 * 1024) : buffer;
          next.set(buffer.subarray(start, end));
          buffer = next;
          start = 0;
          end = used;
        }
        const n = await connection.conn.read(buffer.subarray(end));
        if (n === null) throw new RedisConnectionError(`Redis at ${address} closed the connection`);
        end += n;
        while (true) {
          const parsed = parseReply(buffer.subarray(0, end), start);
          if (parsed === undefined) break;
          start = parsed.next;
          const waiter = connection.pending.shift();
          if (!waiter) throw new RedisConnectionError(`Redis at ${address} sent an unasked reply`);
          waiter.resolve(parsed.value);
        }
      }
    } catch (error) {
      const reason = error instanceof RedisConnectionError ? error : new RedisConnectionError(
        `Lost the connection to Redis at ${address}: ${(error as Error).message}`,
        { cause: error },
      );
      fail(connection, reason);
    }
  }

  async function openConnection(): Promise<Connection> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new RedisConnectionError(`Connecting to Redis at ${address} timed out`)),
        connectTimeoutMs,
      );
    });
    const attempt = Deno.connect({ hostname, port });
    let conn: Deno.TcpConn;
    try {
      conn = await Promise.race([attempt, timeout]);
    } catch (error) {
      attempt.then((late) => late.close(), () => {});
      if (error instanceof RedisConnectionError) throw error;
      throw new RedisConnectionError(
        `Cannot connect to Redis at ${address}: ${(error as Error).message}`,
        { cause: error },
      );
    } finally {
      clearTimeout(timer);
    }
    conn.setNoDelay(true);
    const connection: Connection = {
      conn,
      pending: [],
      writes: Promise.resolve(),
      reader: Promise.resolve(),
      dead: false,
    };
    connection.reader = readReplies(connection);
    return connection;
  }

  async function connection(): Promise<Connection> {
    if (closed) throw new RedisConnectionError(`Client for Redis at ${address} is closed`);
    if (current && !current.dead) return current;
    connecting ??= openConnection().finally(() => connecting = null);
    const opened = await connecting;
    if (closed) {
      fail(opened, new RedisConnectionError(`Client for Redis at ${address} is closed`));
      await opened.reader;
      throw new RedisConnectionError(`Client for Redis at ${address} is closed`);
    }
    current = opened;
    return opened;
  }

  /**
   * Sends commands in one write and resolves with one reply per command, error replies included as
   * `RedisReplyError` values. Rejects with `RedisConnectionError` if the connection fails or the
   * replies do not all arrive within the command timeout (the connection is then dropped, because
   * late replies would be matched to the wrong commands).
   */
  async function pipeline(commands: readonly (readonly RespArg[])[]): Promise<RespReply[]> {
    if (commands.length === 0) return [];
    const connection_ = await connection();
    if (connection_.dead) {
      throw new RedisConnectionError(`Lost the connection to Redis at ${address} before sending`);
    }
    const replies = commands.map(() =>
      new Promise<RespReply>((resolve, reject) => connection_.pending.push({ resolve, reject }))
    );
    const bytes = concat(commands.map(encodeCommand));
    connection_.writes = connection_.writes.then(() => writeAll(connection_.conn, bytes)).catch(
      (error) =>
        fail(
          connection_,
          new RedisConnectionError(`Writing to Redis at ${address} failed: ${error.message}`),
        ),
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new RedisConnectionError(
          `Redis at ${address} did not answer ${commands.length} command(s) within ` +
            `${commandTimeoutMs} ms`,
        );
        fail(connection_, error);
        reject(error);
      }, commandTimeoutMs);
    });
    try {
      return await Promise.race([Promise.all(replies), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends one command; an error reply is thrown as `RedisReplyError`. */
  async function command(...args: RespArg[]): Promise<RespReply> {
    const [reply] = await pipeline([args]);
    if (reply instanceof RedisReplyError) throw reply;
    return reply;
  }

  /** Closes the connection; pending commands reject. Safe to call twice. */
  async function close(): Promise<void> {
    closed = true;
    const opening = connecting;
    if (opening) await opening.catch(() => {});
    const last = current;
    current = null;
    if (last) {
      fail(last, new RedisConnectionError(`Client for Redis at ${address} was closed`));
      await last.reader;
    }
  }

  return { pipeline, command, close, address };
}

export type RespClient = ReturnType<typeof createRespClient>;

async function writeAll(conn: Deno.TcpConn, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await conn.write(bytes.subarray(written));
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(chunks.reduce((sum, c) => sum + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
