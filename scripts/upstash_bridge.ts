/**
 * upstash_bridge: serve an Upstash-compatible REST API on 127.0.0.1 in front of a local Redis, so
 * `@upstash/redis` and `@upstash/ratelimit` work unmodified in local development.
 *
 * Usage:
 *   deno task upstash-bridge [--port 8079] [--redis redis://127.0.0.1:6379] [--token TOKEN]
 *
 * Options:
 *   --port   Port to listen on (127.0.0.1 only). Default 8079.
 *   --redis  Redis URL (redis://host:port; no password or TLS). Default redis://127.0.0.1:6379.
 *   --token  Bearer token clients must send. Default: env UPSTASH_BRIDGE_TOKEN, else a dev token
 *            printed at start.
 *   --help   Show this help.
 *
 * Then point the app at it:
 *   UPSTASH_REDIS_REST_URL=http://127.0.0.1:8079 UPSTASH_REDIS_REST_TOKEN=<token>
 *
 * Logs are JSON lines on stdout. SIGINT / SIGTERM stop accepting requests, let in-flight ones
 * finish, close the Redis connection and exit.
 */
import { parseArgs } from "node:util";
import { createUpstashBridge } from "./upstash_bridge/bridge.ts";

const DEV_TOKEN = "vaidya-local-upstash-bridge-dev-token";

const USAGE = `Usage: deno task upstash-bridge [--port 8079] [--redis redis://127.0.0.1:6379]
                                [--token TOKEN]
Serves an Upstash-compatible REST API on 127.0.0.1 in front of a Redis server.
Token: --token, else env UPSTASH_BRIDGE_TOKEN, else a fixed dev token (printed at start).`;

interface BridgeConfig {
  port: number;
  redisHostname: string;
  redisPort: number;
  token: string;
  tokenSource: "flag" | "env" | "dev-default";
}

function readConfig(argv: string[]): BridgeConfig | "help" {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: "string", default: "8079" },
      redis: { type: "string", default: "redis://127.0.0.1:6379" },
      token: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) return "help";
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError(`--port must be an integer 0-65535, got ${JSON.stringify(values.port)}`);
  }
  let redisUrl: URL;
  try {
    redisUrl = new URL(values.redis);
  } catch {
    throw new TypeError(`--redis must be a URL like redis://127.0.0.1:6379, got ${values.redis}`);
  }
  if (redisUrl.protocol !== "redis:" || redisUrl.username || redisUrl.password) {
    throw new TypeError(
      `--redis must be a plain redis://host:port URL (no TLS, no password), got ${values.redis}`,
    );
  }
  const envToken = Deno.env.get("UPSTASH_BRIDGE_TOKEN");
  const token = values.token ?? envToken ?? DEV_TOKEN;
  return {
    port,
    redisHostname: redisUrl.hostname.replace(/^\[|\]$/g, ""),
    redisPort: redisUrl.port ? Number(redisUrl.port) : 6379,
    token,
    tokenSource: values.token ? "flag" : envToken ? "env" : "dev-default",
  };
}

function logLine(entry: Record<string, unknown>): void {
  console.log(JSON.stringify({ time: new Date().toISOString(), ...entry }));
}

async function main(): Promise<void> {
  let config: BridgeConfig | "help";
  try {
    config = readConfig(Deno.args);
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    Deno.exit(2);
  }
  if (config === "help") {
    console.log(USAGE);
    return;
  }
  const bridge = createUpstashBridge({
    redisHostname: config.redisHostname,
    redisPort: config.redisPort,
    token: config.token,
    log: logLine,
  });
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: config.port,
    onListen: ({ port }) =>
      logLine({
        msg: "listening",
        url: `http://127.0.0.1:${port}`,
        redis: `${config.redisHostname}:${config.redisPort}`,
        tokenSource: config.tokenSource,
        // Only the well-known dev token is printed; a real one stays out of the logs.
        ...(config.tokenSource === "dev-default" ? { token: config.token } : {}),
      }),
  }, bridge.fetch);

  let stopping: Promise<void> | undefined;
  async function stop(signal: Deno.Signal): Promise<void> {
    logLine({ msg: "stopping", signal });
    await server.shutdown();
    await bridge.close();
    logLine({ msg: "stopped" });
  }
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => stopping ??= stop(signal));
  }
  await server.finished;
  // The server finishes as soon as shutdown begins; the exit waits for stop() to log "stopped".
  await (stopping ?? bridge.close());
  Deno.exit(0);
}

if (import.meta.main) await main();
