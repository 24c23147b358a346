/**
 * Test harness for real Redis: spawns a throw-away `redis-server` (no persistence, temp dir,
 * 127.0.0.1 only) and runs the Upstash REST bridge in-process in front of it.
 *
 * Owns the lifetime of those processes and servers: every start has a stop that releases the
 * child process, listener, connections and temp dir, so Deno's test sanitizers stay quiet.
 * Must never touch a Redis it did not start. Binary: env REDIS_SERVER_BIN, else `redis-server`.
 */
import { createRedisConnection } from "../../scripts/upstash_bridge/redis_connection.ts";
import { createUpstashBridge } from "../../scripts/upstash_bridge/bridge.ts";
import { freePort } from "./ports.ts";

export interface RedisUnderTest {
  port: number;
  url: string;
  stop(): Promise<void>;
  /**
   * Stops the server and starts a fresh, empty one on the same port; `whileDown` runs in between,
   * so a test can observe what clients see while Redis is gone.
   */
  restart(whileDown?: () => Promise<void>): Promise<void>;
  /**
   * Kills the server with SIGKILL (a crash: no shutdown, no save) and starts a fresh one on the
   * same port after `whileDown`; returns how the killed process ended.
   */
  crashAndRestart(whileDown?: () => Promise<void>): Promise<Deno.CommandStatus | null>;
}

export interface BridgeUnderTest {
  url: string;
  token: string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;

function redisBinary(): string {
  return Deno.env.get("REDIS_SERVER_BIN") ?? "redis-server";
}

async function waitForPing(port: number, child: Deno.ChildProcess, logFile: string) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exited = false;
  const exit = child.status.then((status) => {
    exited = true;
    return status;
  });
  let lastError = "";
  while (Date.now() < deadline && !exited) {
    try {
      if (await pingRedis(port) === "PONG") return;
    } catch (error) {
      lastError = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const log = await Deno.readTextFile(logFile).catch(() => "(no log file)");
  const how = exited
    ? `exited with code ${(await exit).code}`
    : `no PONG in ${READY_TIMEOUT_MS} ms`;
  throw new Error(
    `Cannot start ${redisBinary()} on 127.0.0.1:${port}: ${how}; last error: ${lastError}\n${log}`,
  );
}

/** Sends PING to the Redis on 127.0.0.1:`port` over a fresh connection; the reply as text. */
export async function pingRedis(port: number): Promise<string> {
  const client = createRedisConnection({ hostname: "127.0.0.1", port, connectTimeoutMs: 500 });
  try {
    const [reply] = await client.pipeline([["PING"]]);
    if (reply instanceof Uint8Array) return new TextDecoder().decode(reply);
    throw new Error(`PING to Redis on port ${port} answered ${String(reply)}`);
  } finally {
    await client.close();
  }
}

async function spawnRedis(port: number, dir: string): Promise<Deno.ChildProcess> {
  const logFile = `${dir}/redis.log`;
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(redisBinary(), {
      args: [
        ...["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        ...["--dir", dir, "--logfile", logFile, "--daemonize", "no"],
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
  } catch (error) {
    throw new Error(
      `Cannot spawn ${redisBinary()} (set REDIS_SERVER_BIN to override): ${
        (error as Error).message
      }`,
    );
  }
  try {
    await waitForPing(port, child, logFile);
  } catch (error) {
    await killAndWait(child);
    throw error;
  }
  return child;
}

async function killAndWait(
  child: Deno.ChildProcess,
  signal: Deno.Signal = "SIGTERM",
): Promise<Deno.CommandStatus> {
  try {
    child.kill(signal);
  } catch { /* already exited */ }
  return await child.status;
}

/** Starts a fresh redis-server on a free 127.0.0.1 port and waits until it answers PING. */
export async function startRedis(): Promise<RedisUnderTest> {
  const dir = await Deno.makeTempDir({ prefix: "vaidya-redis-" });
  const port = freePort();
  let child: Deno.ChildProcess | null;
  try {
    child = await spawnRedis(port, dir);
  } catch (error) {
    await Deno.remove(dir, { recursive: true });
    throw error;
  }

  async function stopServer(signal: Deno.Signal = "SIGTERM"): Promise<Deno.CommandStatus | null> {
    if (!child) return null;
    const running = child;
    child = null;
    return await killAndWait(running, signal);
  }

  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      await stopServer();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
    async restart(whileDown?: () => Promise<void>) {
      await stopServer();
      await whileDown?.();
      child = await spawnRedis(port, dir);
    },
    async crashAndRestart(whileDown?: () => Promise<void>) {
      const ended = await stopServer("SIGKILL");
      await whileDown?.();
      child = await spawnRedis(port, dir);
      return ended;
    },
  };
}

/** Serves the Upstash bridge on a free 127.0.0.1 port in this process. */
export function startUpstashBridge(
  redisPort: number,
  token = `test-token-${crypto.randomUUID()}`,
  /** Told of every REST request (`commands`: the Redis commands it carried; a pipeline, several). */
  log?: (entry: Record<string, unknown>) => void,
): Promise<BridgeUnderTest> {
  const bridge = createUpstashBridge({ redisHostname: "127.0.0.1", redisPort, token, log });
  const { promise, resolve } = Promise.withResolvers<BridgeUnderTest>();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: ({ port }) =>
      resolve({
        url: `http://127.0.0.1:${port}`,
        token,
        async stop() {
          await server.shutdown();
          await bridge.close();
        },
      }),
  }, bridge.fetch);
  return promise;
}
