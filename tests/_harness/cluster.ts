/**
 * Several Vaidya instances as one service: a `denokv` server every instance shares
 * (`KV_PATH=http://…`), N app processes on free loopback ports, and nginx in front from the repo's
 * production example. Optionally FerretDB for the records (`mongo`) and redis-server behind the
 * Upstash REST bridge for limits, OTP state and caches (`upstash`). Used by tests/cluster/ and by
 * `deno task cluster` and `deno task load --instances N`.
 *
 * `stop()` ends everything it started, in reverse order, and is safe to call twice.
 */
import { startDenoKv, type TestDenoKv } from "./denokv.ts";
import { appEnv, startFerretDb, type TestMongo } from "./ferretdb.ts";
import { startNginx, type TestNginx } from "./nginx.ts";
import {
  type BridgeUnderTest,
  type RedisUnderTest,
  startRedis,
  startUpstashBridge,
} from "./redis.ts";
import { startServer, type TestServer } from "./server.ts";

export interface ClusterOptions {
  /** App instances (default 3). */
  instances?: number;
  /** Extra environment for every instance (e.g. RATE_LIMIT_DISABLED, test offsets). */
  env?: Record<string, string>;
  /** Records in FerretDB instead of the shared KV. */
  mongo?: boolean;
  /** Limits, OTP state and caches in Redis through the Upstash REST bridge. */
  upstash?: boolean;
  /** Put nginx in front (default true); without it `url` is the first instance. */
  nginx?: boolean;
  /** Told of every Upstash REST request the instances make (with `upstash`). */
  onUpstashRequest?: (entry: Record<string, unknown>) => void;
  /** Something the instances reach denokv through (the load task's wire meter). */
  kvRelay?: (denokvPort: number) => { url: string; close(): Promise<void> };
  /** Extra `deno run` flags for every instance (e.g. V8 flags, `--cpu-prof`). */
  denoArgs?: string[];
  /** Told each step as it starts (the CLI prints them). */
  progress?: (step: string) => void;
}

export interface ClusterInstance {
  url: string;
  port: number;
  server: TestServer;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** SIGTERM: drain and exit. */
  stop(): Promise<void>;
  /** Start again on the same port (after kill or stop). */
  restart(): Promise<void>;
  logs(): string;
}

export interface Cluster {
  /** Where clients go: nginx, or the first instance without it. */
  url: string;
  instances: ClusterInstance[];
  denokv: TestDenoKv;
  nginx: TestNginx | null;
  mongo: TestMongo | null;
  /** The redis-server behind the Upstash bridge (with `upstash`), so a test can stop it. */
  redis: RedisUnderTest | null;
  /** The environment every instance runs with (KV_PATH, token, stores, options.env). */
  env: Record<string, string>;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const count = options.instances ?? 3;
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`startCluster: instances must be a whole number >= 1, got ${count}`);
  }
  const say = options.progress ?? (() => {});
  const closers: (() => Promise<void>)[] = [];
  const stop = async () => {
    while (closers.length > 0) await closers.pop()!().catch(() => {});
  };
  try {
    say("denokv");
    const denokv = await startDenoKv();
    closers.push(() => denokv.stop());
    const env: Record<string, string> = { ...denokv.env };
    if (options.kvRelay) {
      const relay = options.kvRelay(denokv.port);
      closers.push(() => relay.close());
      env.KV_PATH = relay.url;
    }

    let mongo: TestMongo | null = null;
    if (options.mongo) {
      say("FerretDB");
      const m = mongo = await startFerretDb();
      closers.push(() => m.stop());
      Object.assign(env, appEnv(mongo));
    }
    let redis: RedisUnderTest | null = null;
    if (options.upstash) {
      say("redis-server + Upstash bridge");
      const r = redis = await startRedis();
      closers.push(() => r.stop());
      const bridge: BridgeUnderTest = await startUpstashBridge(
        r.port,
        undefined,
        options.onUpstashRequest,
      );
      closers.push(() => bridge.stop());
      Object.assign(env, {
        UPSTASH_REDIS_REST_URL: bridge.url,
        UPSTASH_REDIS_REST_TOKEN: bridge.token,
      });
    }
    // Behind nginx the socket peer is nginx; the client address is the X-Real-IP it sets, believed
    // only from nginx's own address (it connects to the instances from 127.0.0.1).
    if (options.nginx ?? true) {
      env.TRUSTED_PROXY_HEADER = "X-Real-IP";
      env.TRUSTED_PROXY_ADDRESSES = "127.0.0.1";
    }
    Object.assign(env, options.env ?? {});

    // The first instance alone creates the generated dev secrets and (with mongo) the indexes;
    // the others then find them, rather than racing for them at start-up.
    say(`${count} app instance${count === 1 ? "" : "s"}`);
    const servers: TestServer[] = [];
    const launch = async () => {
      const server = await startServer({ kvPath: env.KV_PATH, env, denoArgs: options.denoArgs });
      servers.push(server);
      closers.push(() => server.stop());
      return server;
    };
    await launch();
    await Promise.all(Array.from({ length: count - 1 }, launch));

    let nginx: TestNginx | null = null;
    if (options.nginx ?? true) {
      say("nginx");
      const n = nginx = await startNginx(servers.map((s) => `127.0.0.1:${s.port}`));
      closers.push(() => n.stop());
    }
    const instances: ClusterInstance[] = servers.map((server) => ({
      url: server.url,
      port: server.port,
      server,
      kill: () => server.kill(),
      stop: () => server.stop(),
      restart: () => server.restart(),
      logs: () => server.logs(),
    }));
    return {
      url: nginx?.url ?? servers[0].url,
      instances,
      denokv,
      nginx,
      mongo,
      redis,
      env,
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
