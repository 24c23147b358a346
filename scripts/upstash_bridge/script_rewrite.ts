/**
 * Lua script compatibility between Upstash clients and open-source Redis 7.0.
 *
 * Owns: rewriting a script's `#!lua flags=...` shebang so Redis accepts it (Upstash-only flags
 * such as `allow-key-locking` are dropped), and the map from the SHA1 of the ORIGINAL script text
 * (what clients compute and send to EVALSHA / SCRIPT EXISTS) to the SHA1 of the rewritten text
 * (what Redis knows). Must never invent a script: an unknown SHA is passed through, so Redis
 * answers NOSCRIPT and the client falls back to EVAL with the full text.
 */
import type { RedisArg, RedisReply } from "./redis_connection.ts";

/** Shebang flags Redis 7.0 understands; anything else makes EVAL fail. */
const REDIS_SCRIPT_FLAGS = new Set([
  "no-writes",
  "allow-oom",
  "allow-stale",
  "no-cluster",
  "allow-cross-slot-keys",
]);

/** Returns the script with unsupported shebang flags removed (unchanged if none). */
export function rewriteScriptShebang(script: string): string {
  if (!script.startsWith("#!")) return script;
  const lineEnd = script.indexOf("\n");
  const shebang = lineEnd < 0 ? script : script.slice(0, lineEnd);
  const rest = lineEnd < 0 ? "" : script.slice(lineEnd);
  const [engine, ...options] = shebang.trim().split(/\s+/);
  const kept = options.map((option) => {
    if (!option.startsWith("flags=")) return option;
    const flags = option.slice("flags=".length).split(",").filter((f) => REDIS_SCRIPT_FLAGS.has(f));
    return flags.length > 0 ? `flags=${flags.join(",")}` : "";
  }).filter((option) => option !== "");
  const rewritten = [engine, ...kept].join(" ");
  return rewritten === shebang ? script : rewritten + rest;
}

export async function sha1Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A command ready for Redis plus a function turning Redis's reply into the client's view. */
export interface PreparedCommand {
  args: RedisArg[];
  adaptReply(reply: RedisReply): RedisReply;
}

const keepReply = (reply: RedisReply) => reply;

/** Creates the script registry; one per bridge, shared by all requests. */
export function createScriptRegistry() {
  const redisShaByClientSha = new Map<string, string>();

  async function rewrite(script: string): Promise<{ script: string; clientSha: string }> {
    const rewritten = rewriteScriptShebang(script);
    const clientSha = await sha1Hex(script);
    if (rewritten !== script) redisShaByClientSha.set(clientSha, await sha1Hex(rewritten));
    return { script: rewritten, clientSha };
  }

  function redisSha(clientSha: RedisArg): RedisArg {
    if (typeof clientSha !== "string") return clientSha;
    return redisShaByClientSha.get(clientSha.toLowerCase()) ?? clientSha;
  }

  /** Rewrites EVAL, EVALSHA, their _RO forms, SCRIPT LOAD and SCRIPT EXISTS; others pass. */
  async function prepare(args: RedisArg[]): Promise<PreparedCommand> {
    const name = typeof args[0] === "string" ? args[0].toLowerCase() : "";
    const sub = typeof args[1] === "string" ? args[1].toLowerCase() : "";
    if ((name === "eval" || name === "eval_ro") && typeof args[1] === "string") {
      const { script } = await rewrite(args[1]);
      return { args: [args[0], script, ...args.slice(2)], adaptReply: keepReply };
    }
    if (name === "evalsha" || name === "evalsha_ro") {
      return { args: [args[0], redisSha(args[1]), ...args.slice(2)], adaptReply: keepReply };
    }
    if (name === "script" && sub === "load" && typeof args[2] === "string") {
      const { script, clientSha } = await rewrite(args[2]);
      // Redis answers with the rewritten script's SHA; the client expects the one it computed.
      const clientShaBytes = new TextEncoder().encode(clientSha);
      const adaptReply = (reply: RedisReply) =>
        reply instanceof Uint8Array ? clientShaBytes : reply;
      return { args: [args[0], args[1], script, ...args.slice(3)], adaptReply };
    }
    if (name === "script" && sub === "exists") {
      return { args: [args[0], args[1], ...args.slice(2).map(redisSha)], adaptReply: keepReply };
    }
    return { args, adaptReply: keepReply };
  }

  return { prepare, size: () => redisShaByClientSha.size };
}

export type ScriptRegistry = ReturnType<typeof createScriptRegistry>;
