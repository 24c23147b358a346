/**
 * A local Upstash-compatible REST bridge in front of a real Redis server, so `@upstash/redis` and
 * `@upstash/ratelimit` run unmodified in tests and local development.
 *
 * Owns the HTTP side of the protocol: routes (`POST /` JSON command, `/cmd/arg/...` path form,
 * `POST /pipeline`, `POST /multi-exec`), the bearer-token check, answer shapes and status codes.
 * Status codes: 200 result; 400 Redis error or malformed command; 401 bad token; 405 method;
 * 503 Redis unreachable or too slow (nothing is retried: the command may or may not have run).
 * Must never listen by itself or open Redis at import time: the caller passes options and serves
 * `fetch`, so tests and the CLI decide ports, lifetimes and logging.
 */
import {
  createRedisConnection,
  isReplyError,
  type RedisArg,
  RedisConnectionError,
  type RedisReply,
} from "./redis_connection.ts";
import { type JsonReply, replyToJson } from "./reply_json.ts";
import {
  BadCommandError,
  hasValidToken,
  parseCommandListBody,
  parsePathCommand,
  parseSingleCommandBody,
} from "./request_parse.ts";
import { createScriptRegistry, type PreparedCommand } from "./script_rewrite.ts";

export interface UpstashBridgeOptions {
  redisHostname: string;
  redisPort: number;
  /** The token clients must send as `Authorization: Bearer <token>`. */
  token: string;
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
  /** Called once per request with a structured summary; default: no logging. */
  log?: (entry: Record<string, unknown>) => void;
}

export interface UpstashBridge {
  fetch(req: Request): Promise<Response>;
  close(): Promise<void>;
}

type Entry = { result: JsonReply } | { error: string };

/** Commands that would block or change the state of the one connection all requests share. */
// deno-fmt-ignore
const REFUSED_COMMANDS = new Set([
  "auth", "blmove", "blmpop", "blpop", "brpop", "brpoplpush", "bzmpop", "bzpopmax", "bzpopmin",
  "client", "discard", "exec", "hello", "monitor", "multi", "psubscribe", "psync", "punsubscribe",
  "quit", "replconf", "reset", "select", "ssubscribe", "subscribe", "sunsubscribe", "sync",
  "unsubscribe", "unwatch", "wait", "waitaof", "watch",
]); // deno-fmt-ignore

/** Creates the bridge; Redis is connected lazily on the first command. */
export function createUpstashBridge(options: UpstashBridgeOptions): UpstashBridge {
  if (!options.token) throw new TypeError("createUpstashBridge: token must be a non-empty string");
  if (!Number.isInteger(options.redisPort) || options.redisPort <= 0) {
    throw new TypeError(`createUpstashBridge: redisPort must be a port, got ${options.redisPort}`);
  }
  const redis = createRedisConnection({
    hostname: options.redisHostname,
    port: options.redisPort,
    connectTimeoutMs: options.connectTimeoutMs,
    commandTimeoutMs: options.commandTimeoutMs,
  });
  const scripts = createScriptRegistry();
  const log = options.log ?? (() => {});

  async function prepareAll(commands: RedisArg[][]): Promise<PreparedCommand[]> {
    return await Promise.all(commands.map((args) => {
      const name = typeof args[0] === "string" ? args[0].toLowerCase() : "";
      if (REFUSED_COMMANDS.has(name)) {
        throw new BadCommandError(
          `ERR '${name}' is not supported by the local Upstash bridge: it would block or change ` +
            "the state of the Redis connection shared by all requests",
        );
      }
      return scripts.prepare(args);
    }));
  }

  async function runSingle(args: RedisArg[], base64: boolean): Promise<Response> {
    const [prepared] = await prepareAll([args]);
    const [reply] = await redis.pipeline([prepared.args]);
    if (isReplyError(reply)) return json({ error: reply.message }, 400);
    return json({ result: replyToJson(prepared.adaptReply(reply), base64) }, 200);
  }

  async function runPipeline(commands: RedisArg[][], base64: boolean): Promise<Response> {
    const prepared = await prepareAll(commands);
    const replies = await redis.pipeline(prepared.map((p) => p.args));
    return json(replies.map((reply, i) => toEntry(prepared[i].adaptReply(reply), base64)), 200);
  }

  async function runMultiExec(commands: RedisArg[][], base64: boolean): Promise<Response> {
    const prepared = await prepareAll(commands);
    // One write keeps the transaction contiguous on the shared connection.
    const replies = await redis.pipeline([["MULTI"], ...prepared.map((p) => p.args), ["EXEC"]]);
    const execReply = replies[replies.length - 1];
    const queueErrors = replies.slice(0, -1).filter(isReplyError);
    if (isReplyError(execReply) || !Array.isArray(execReply)) {
      const first = queueErrors[0]?.message;
      const why = isReplyError(execReply) ? execReply.message : "EXEC returned nil";
      return json({ error: first ? `${why} First error: ${first}` : why }, 400);
    }
    return json(execReply.map((reply, i) => toEntry(prepared[i].adaptReply(reply), base64)), 200);
  }

  /** Answers one request; `counted.commands` becomes the number of Redis commands it carried. */
  async function route(req: Request, url: URL, counted: { commands: number }): Promise<Response> {
    const base64 = req.headers.get("upstash-encoding")?.toLowerCase() === "base64";
    const path = url.pathname.replace(/\/+$/, "");
    if (req.method === "GET" && (path === "/pipeline" || path === "/multi-exec")) {
      return json({ error: `ERR ${path} needs POST with a JSON array of commands` }, 405);
    }
    if (path === "/pipeline" || path === "/multi-exec") {
      const commands = parseCommandListBody(await req.text());
      counted.commands = commands.length;
      return path === "/pipeline" ? runPipeline(commands, base64) : runMultiExec(commands, base64);
    }
    if (path === "" && req.method !== "GET") {
      return runSingle(parseSingleCommandBody(await req.text()), base64);
    }
    const body = req.method === "GET" ? null : new Uint8Array(await req.arrayBuffer());
    return runSingle(parsePathCommand(url, body), base64);
  }

  return {
    fetch: async function upstashBridge(req: Request): Promise<Response> {
      const started = performance.now();
      const url = new URL(req.url);
      let response: Response;
      let failure: string | undefined;
      const counted = { commands: 1 };
      try {
        if (!["GET", "POST", "PUT"].includes(req.method)) {
          response = json({ error: `ERR method ${req.method} not allowed: use GET or POST` }, 405);
        } else if (!hasValidToken(req, url, options.token)) {
          response = json({ error: "Unauthorized: missing or invalid bearer token" }, 401);
        } else {
          response = await route(req, url, counted);
        }
      } catch (error) {
        failure = (error as Error).message;
        response = errorResponse(error);
      }
      log({
        msg: "request",
        method: req.method,
        path: url.pathname,
        status: response.status,
        commands: counted.commands,
        ms: Math.round(performance.now() - started),
        ...(failure ? { error: failure } : {}),
      });
      return response;
    },
    close: () => redis.close(),
  };
}

function toEntry(reply: RedisReply, base64: boolean): Entry {
  if (isReplyError(reply)) return { error: reply.message };
  return { result: replyToJson(reply, base64) };
}

function errorResponse(error: unknown): Response {
  if (error instanceof BadCommandError) return json({ error: error.message }, 400);
  if (error instanceof RedisConnectionError) {
    return json({ error: `ERR upstash bridge: ${error.message}` }, 503);
  }
  return json({ error: `ERR upstash bridge internal error: ${(error as Error).message}` }, 500);
}

function json(body: Entry | Entry[], status: number): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}
