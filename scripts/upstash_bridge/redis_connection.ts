/**
 * The bridge's one connection to Redis, through the npm client ioredis (the wire protocol, parsing,
 * pipelining and reconnection are its work, not ours).
 *
 * Owns: the ioredis options that make it behave like a proxy's upstream (connect lazily, never
 * resend or queue a command past one failed connection attempt, time out slow answers), turning
 * its failures into `RedisConnectionError`, and raw replies: bulk and simple strings stay bytes
 * (`Uint8Array`), so binary values pass untouched. Must never retry a command on its own: a command
 * whose reply was lost may or may not have run, and only the caller can decide what that means.
 *
 * Reply mapping: string → `Uint8Array`, integer → `number`, nil → `null`, array → array, error
 * → `RedisReplyError` value (inside pipelines and arrays; never thrown).
 */
import { Buffer } from "node:buffer";
import { Redis, ReplyError } from "ioredis";

/** A command argument: text is sent as UTF-8, bytes as they are. */
export type RedisArg = string | Uint8Array;
export type RedisReply = number | Uint8Array | null | RedisReplyError | RedisReply[];

/** An error reply sent by Redis (`ERR ...`); `message` is the full text, prefix included. */
export type RedisReplyError = Error;

/** True for an error Redis itself answered, as opposed to a connection failure. */
export function isReplyError(value: unknown): value is RedisReplyError {
  return value instanceof (ReplyError as typeof Error);
}

/** Redis could not be reached, closed the connection, or did not answer in time. */
export class RedisConnectionError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RedisConnectionError";
  }
}

export interface RedisConnectionOptions {
  hostname: string;
  port: number;
  /** Milliseconds to wait for the TCP connection. Default 2000. */
  connectTimeoutMs?: number;
  /** Milliseconds to wait for each reply. Default 10000. */
  commandTimeoutMs?: number;
}

export interface RedisConnection {
  /**
   * Sends the commands in order on the one connection and resolves with one reply per command,
   * error replies included as values. Rejects with `RedisConnectionError` when Redis cannot be
   * reached or does not answer in time.
   */
  pipeline(commands: readonly (readonly RedisArg[])[]): Promise<RedisReply[]>;
  /** Closes the connection; later commands reject. Safe to call twice. */
  close(): Promise<void>;
  readonly address: string;
}

/** Creates the connection; it connects on the first command and again after each loss. */
export function createRedisConnection(options: RedisConnectionOptions): RedisConnection {
  const address = `${options.hostname}:${options.port}`;
  const commandTimeoutMs = options.commandTimeoutMs ?? 10_000;
  const client = new Redis({
    host: options.hostname,
    port: options.port,
    // Upstash answers in RESP2 shapes (ZRANGE WITHSCORES flat, HGETALL a list); ioredis 6
    // defaults to RESP3.
    protocol: 2,
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 2000,
    commandTimeout: commandTimeoutMs,
    // A command waits for at most one connection attempt, then fails: the caller answers 503.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    enableReadyCheck: false,
    retryStrategy: (attempt: number) => Math.min(attempt * 50, 500),
  });
  let lastConnectionError = "";
  // Without a listener ioredis prints every failed connection attempt; the reply carries it.
  client.on("error", (error: Error) => lastConnectionError = error.message);
  client.on("ready", () => lastConnectionError = "");
  let closed = false;

  function connectionError(error: Error): RedisConnectionError {
    if (error.message === "Command timed out") {
      return new RedisConnectionError(
        `Redis at ${address} did not answer within ${commandTimeoutMs} ms`,
        { cause: error },
      );
    }
    if (closed) {
      return new RedisConnectionError(`Client for Redis at ${address} is closed`, { cause: error });
    }
    const why = lastConnectionError || error.message;
    const what = client.status === "ready" ? "Lost the connection to" : "Cannot connect to";
    return new RedisConnectionError(`${what} Redis at ${address}: ${why}`, { cause: error });
  }

  async function pipeline(commands: readonly (readonly RedisArg[])[]): Promise<RedisReply[]> {
    if (commands.length === 0) return [];
    if (closed) throw new RedisConnectionError(`Client for Redis at ${address} is closed`);
    const batch = client.pipeline();
    // ioredis reshapes some commands by their lower-case name (HGETALL's reply into an object,
    // HSET's object argument into pairs); a client of the bridge expects Redis's own answer, and
    // Redis reads command names in any case.
    for (const [name, ...args] of commands) {
      batch.callBuffer(text(name).toUpperCase(), ...args.map(toBuffer));
    }
    const results = await batch.exec();
    if (results === null) {
      throw new RedisConnectionError(`Client for Redis at ${address} is closed`);
    }
    return results.map(([error, reply]) => {
      if (error === null) return toReply(reply);
      if (isReplyError(error)) return error;
      throw connectionError(error);
    });
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    if (client.status === "wait" || client.status === "end") return;
    // Between attempts there is no socket: disconnect() only cancels the next attempt.
    const socketOpen = client.status !== "reconnecting";
    const ended = new Promise<void>((resolve) => client.once("end", () => resolve()));
    client.disconnect(false);
    if (socketOpen && (client.status as string) !== "end") await ended;
  }

  return { pipeline, close, address };
}

const decoder = new TextDecoder();

function text(arg: RedisArg): string {
  return typeof arg === "string" ? arg : decoder.decode(arg);
}

function toBuffer(arg: RedisArg): string | Buffer {
  return typeof arg === "string" ? arg : Buffer.from(arg.buffer, arg.byteOffset, arg.length);
}

function toReply(value: unknown): RedisReply {
  if (value === null || typeof value === "number" || isReplyError(value)) return value;
  if (value instanceof Uint8Array) {
    return new Uint8Array(value.buffer, value.byteOffset, value.length);
  }
  if (Array.isArray(value)) return value.map(toReply);
  throw new TypeError(`Cannot read a Redis reply: unexpected ${typeof value} from ioredis`);
}
