/**
 * The services under test for one load run: in kv mode the app on a KV file; in mongo mode also
 * FerretDB (records) and redis-server behind the in-process Upstash bridge. Starts them in order
 * and closes them in reverse; `close()` is safe to call twice.
 */
import { appEnv, startFerretDb, type TestMongo } from "../../tests/_harness/ferretdb.ts";
import {
  type BridgeUnderTest,
  type RedisUnderTest,
  startRedis,
  startUpstashBridge,
} from "../../tests/_harness/redis.ts";
import { type ChildServer, startAppServer } from "./server_process.ts";
import type { StoreTarget } from "./verify.ts";

export interface Stack {
  app: ChildServer;
  kvPath: string;
  mongo?: TestMongo;
  redis?: RedisUnderTest;
  /** The Upstash bridge's REST requests and the Redis commands they carried, so far (mongo). */
  upstash?: () => UpstashCount;
  target: StoreTarget;
  close(): Promise<void>;
}

export interface UpstashCount {
  requests: number;
  commands: number;
}

export async function startStack(
  store: "kv" | "mongo",
  options: {
    kvPath?: string;
    cpuProfDir?: string;
    v8Flags?: string[];
    onOutput?: (text: string) => void;
  },
): Promise<Stack> {
  const closers: (() => Promise<void>)[] = [];
  const tempDir = await Deno.makeTempDir({ prefix: "vaidya-load-" });
  closers.push(() => Deno.remove(tempDir, { recursive: true }).catch(() => {}));
  const kvPath = options.kvPath ?? `${tempDir}/load.kv`;
  const close = async () => {
    while (closers.length > 0) await closers.pop()!().catch(() => {});
  };
  try {
    const env: Record<string, string> = {};
    let mongo: TestMongo | undefined;
    let redis: RedisUnderTest | undefined;
    const upstashCount: UpstashCount = { requests: 0, commands: 0 };
    let target: StoreTarget = { kind: "kv", kvPath };
    if (store === "mongo") {
      mongo = await startFerretDb({ countCommands: true });
      const m = mongo;
      closers.push(() => m.stop());
      const dbName = mongo.database();
      redis = await startRedis();
      const r = redis;
      closers.push(() => r.stop());
      const bridge: BridgeUnderTest = await startUpstashBridge(redis.port, undefined, (entry) => {
        upstashCount.requests++;
        upstashCount.commands += Number(entry.commands ?? 1);
      });
      closers.push(() => bridge.stop());
      Object.assign(env, {
        ...appEnv(mongo, dbName),
        UPSTASH_REDIS_REST_URL: bridge.url,
        UPSTASH_REDIS_REST_TOKEN: bridge.token,
      });
      target = { kind: "mongo", uri: mongo.uri, dbName };
    }
    const app = await startAppServer({
      kvPath,
      env,
      cpuProfDir: options.cpuProfDir,
      v8Flags: options.v8Flags,
      onOutput: options.onOutput,
    });
    closers.push(() => app.stop());
    const upstash = redis ? () => ({ ...upstashCount }) : undefined;
    return { app, kvPath, mongo, redis, upstash, target, close };
  } catch (err) {
    await close();
    throw err;
  }
}
