/**
 * The real app (bootstrap + createApp) on an in-memory KV, served in this process on a free
 * loopback port, so the shared `Api` client (login through the dev outbox, fixtures) works without
 * a child process and the test can read the raw store (`runtime.kv`) directly.
 */
import { createApp } from "../../src/app.ts";
import { bootstrap, type Runtime } from "../../src/bootstrap.ts";
import { loadConfig } from "../../src/config/config.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { Api } from "./api.ts";
import { ADMIN_PHONE } from "./server.ts";

export interface InProcessApp extends AsyncDisposable {
  api: Api;
  runtime: Runtime;
}

export async function startInProcess(env: Record<string, string> = {}): Promise<InProcessApp> {
  const config = loadConfig({
    APP_ENV: "test",
    KV_PATH: ":memory:",
    LOG_LEVEL: "error",
    ADMIN_PHONES: ADMIN_PHONE,
    ...env,
  });
  const runtime = await bootstrap(config, createLogger({ level: "error", write: () => {} }));
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    createApp(runtime.deps).fetch,
  );
  return {
    api: new Api(`http://127.0.0.1:${server.addr.port}`),
    runtime,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
      await runtime.close();
    },
  };
}
