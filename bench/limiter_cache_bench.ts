/**
 * What a request pays for the Upstash rate limiter and for the slot-list cache (hit and miss),
 * as ratios to the same request without them, all measured in one run: `deno task bench`.
 * The apps run in-process (`app.request`) on Deno KV `:memory:` records; Redis is a real
 * redis-server behind the local REST bridge on loopback, so a Redis call here costs a local
 * HTTP round trip, less than a real Upstash region hop. Not a test: nothing here asserts speed.
 */
import { createApp } from "../src/app.ts";
import { bootstrap, type Runtime } from "../src/bootstrap.ts";
import { createMemoryCache } from "../src/cache/cache.ts";
import { createUpstashCache } from "../src/cache/upstash_cache.ts";
import { loadConfig } from "../src/config/config.ts";
import { createLogger } from "../src/observability/logger.ts";
import { createUpstashConnection } from "../src/stores/upstash/client.ts";
import { startRedis, startUpstashBridge } from "../tests/_harness/redis.ts";

const redis = await startRedis();
const bridge = await startUpstashBridge(redis.port);
const runtimes: Runtime[] = [];
globalThis.addEventListener("unload", () => {
  void redis.stop(); // sends SIGTERM synchronously; the process is exiting anyway
});

const log = createLogger({ level: "error", write: () => {} });
const upstashEnv = { UPSTASH_REDIS_REST_URL: bridge.url, UPSTASH_REDIS_REST_TOKEN: bridge.token };
const day = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Kolkata" })
  .format(Date.now() + 3 * 86_400_000);

async function appWith(env: Record<string, string>) {
  const config = loadConfig({
    APP_ENV: "test",
    KV_PATH: ":memory:",
    LOG_LEVEL: "error",
    API_REQUESTS_PER_MINUTE_PER_IP: "1000000",
    ...env,
  });
  const runtime = await bootstrap(config, log);
  runtimes.push(runtime);
  const { deps } = runtime;
  const doctor = await deps.doctors.create({
    name: "Dr. Bench",
    phone: `+9180${String(runtimes.length).padStart(8, "0")}`,
    specializations: ["Kayachikitsa"],
    languages: ["en"],
    city: "Pune",
    timezone: "Asia/Kolkata",
    slotMinutes: 30,
  });
  await deps.doctors.setAvailability(doctor.id, {
    weekly: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => ({
      day: d as "mon",
      start: "09:00",
      end: "17:00",
    })),
    overrides: [],
    minNoticeMinutes: 0,
    horizonDays: 60,
  });
  const app = createApp(deps);
  const path = `/v1/doctors/${doctor.id}/slots?from=${day}&to=${day}`;
  return async () => {
    const res = await app.request(path);
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
    await res.arrayBuffer();
  };
}

const plain = await appWith({ RATE_LIMIT_DISABLED: "true" });
const memoryLimited = await appWith({});
const cached = await appWith({ ...upstashEnv, RATE_LIMIT_DISABLED: "true" });
const cachedLimited = await appWith({ ...upstashEnv });
const conn = createUpstashConnection({ url: bridge.url, token: bridge.token, timeoutMs: 1500 });

Deno.bench("no limiter, no cache (embedded)", { group: "request", baseline: true }, plain);
Deno.bench("in-memory per-IP limiter (embedded)", { group: "request" }, memoryLimited);
Deno.bench("Upstash cache hit", { group: "request" }, cached);
Deno.bench("Upstash cache miss", { group: "request" }, async (b) => {
  await conn.redis.flushdb(); // outside the timing: forces a miss (and a new version seed)
  b.start();
  await cached();
  b.end();
});
Deno.bench("Upstash limiter + cache hit", { group: "request" }, cachedLimited);

const memory = createMemoryCache();
const upstash = createUpstashCache(conn);
const value = { slots: Array.from({ length: 16 }, (_, i) => ({ start: `s${i}`, end: `e${i}` })) };
await memory.set("k", value, 600_000);
await upstash.set("bench:k", value, 600_000);

Deno.bench(
  "in-process cache: version + get",
  { group: "cache layer", baseline: true },
  async () => {
    await memory.get(`ns:${await memory.version("ns")}:k`);
  },
);
Deno.bench("Upstash cache: version + get", { group: "cache layer" }, async () => {
  await upstash.version("ns");
  await upstash.get("bench:k");
});
Deno.bench("Upstash version + in-process get", { group: "cache layer" }, async () => {
  await upstash.version("ns");
  await memory.get("k");
});
