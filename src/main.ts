/**
 * The entry point: reads the configuration, starts every service, serves HTTP (and `/metrics` on
 * its own internal listener when METRICS_PORT is set), and on SIGTERM or SIGINT drains: /readyz
 * answers 503 at once, requests keep being served for DRAIN_DELAY_MS (with `Connection: close`)
 * so a load balancer can take the instance out, then it stops taking requests, lets those in
 * flight finish, and closes the stores, all within SHUTDOWN_TIMEOUT_MS.
 */
import { API_GROUP_MODULES, createApp, createMetricsApp, ON_DEMAND_MODULES } from "./app.ts";
import { bootstrap, CONFIGURED_ADAPTER_MODULES } from "./bootstrap.ts";
import { ConfigError, loadConfig } from "./config/config.ts";
import { loadJose } from "./crypto/jose.ts";
import { loadNodeCrypto } from "./crypto/node_crypto.ts";
import { DeferredRouter } from "./http/deferred_router.ts";
import { createLogger, errorFields } from "./observability/logger.ts";
import { logUncaughtErrors, routeConsoleToLog } from "./observability/console_json.ts";

/** Logs what happens before the configuration names a level (errors only reach it). */
const startLog = createLogger({ level: "info" });

async function main() {
  logUncaughtErrors(startLog);
  let config;
  try {
    config = loadConfig(Deno.env.toObject());
  } catch (err) {
    if (err instanceof ConfigError) {
      startLog.error("invalid configuration", { problems: err.problems, exitCode: 78 });
      Deno.exit(78);
    }
    throw err;
  }
  const log = createLogger({ level: config.LOG_LEVEL });
  // From here on every line is JSON, Deno's own runtime warnings included.
  routeConsoleToLog(log);
  // The outbox relay's first pass (~6 ms of CPU) waits for the deferred work below.
  const runtime = await bootstrap(config, log, {}, { firstPassOnWake: true });
  let stopping = false;
  runtime.deps.readiness.draining = () =>
    stopping ? Promise.reject(new Error("shutting down")) : Promise.resolve();
  // The peer comes in with each request as `env` (see fetch below), not through a WeakMap keyed
  // by the Request: its entries kept every request alive into the next young GC (issue 15).
  const app = createApp(runtime.deps, {
    clientIp: (_req, env) => (env as Deno.ServeHandlerInfo<Deno.NetAddr>).remoteAddr.hostname,
  });

  // The API groups load on their first request, node:crypto (keyed hashes, sealing:
  // src/crypto/node_crypto.ts) and jose (token checks, room tokens: src/crypto/jose.ts) on first
  // use, the router compiles on the second match and the outbox relay makes its first pass on the
  // first change to deliver, or all of them once the server has answered its first request (a
  // health check, usually) or been up a second, whichever comes first: the first answer does not
  // wait for them, and the API's first requests rarely find them undone. A failed import is logged
  // and retried on the group's first request; a route table the router cannot compile fails the
  // requests, as without this.
  let apiGroupsLoading = false;
  const loadApiGroups = () => {
    if (apiGroupsLoading) return;
    apiGroupsLoading = true;
    clearTimeout(fallback);
    runtime.deps.events?.relay.wake();
    try {
      if (app.router instanceof DeferredRouter) app.router.build();
    } catch (err) {
      log.error("compiling the router failed", errorFields(err));
    }
    const groups = Object.values(API_GROUP_MODULES).map((load) => load());
    Promise.all([loadNodeCrypto(), loadJose(), ...groups])
      .catch((err) => log.error("loading the API's route modules failed", errorFields(err)));
  };
  const fallback = setTimeout(loadApiGroups, 1_000);

  const abort = new AbortController();
  const server = Deno.serve({
    hostname: config.HOST,
    port: config.PORT,
    signal: abort.signal,
    onListen: ({ hostname, port }) => {
      log.info("listening", {
        hostname,
        port,
        env: config.APP_ENV,
        kv: config.KV_PATH ?? "deno-deploy",
      });
    },
  }, (req, info) => {
    const answer = app.fetch(req, info);
    // After this request's own work: a timer runs once its answer is handed to the server.
    if (!apiGroupsLoading) setTimeout(loadApiGroups, 0);
    return stopping ? closingConnection(answer) : answer;
  });

  const metricsServer = config.METRICS_PORT === undefined ? null : Deno.serve({
    hostname: config.METRICS_HOST ?? config.HOST,
    port: config.METRICS_PORT,
    onListen: ({ hostname, port }) => log.info("metrics listening", { hostname, port }),
  }, createMetricsApp(runtime.deps).fetch);

  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("shutting down", { signal, drainMs: config.DRAIN_DELAY_MS });
    const deadline = setTimeout(() => {
      log.error("shutdown took too long; exiting", { timeoutMs: config.SHUTDOWN_TIMEOUT_MS });
      Deno.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    if (config.DRAIN_DELAY_MS > 0) await new Promise((r) => setTimeout(r, config.DRAIN_DELAY_MS));
    // shutdown() stops accepting and lets requests in flight finish; aborting `signal` would
    // drop them (tests/http/shutdown_test.ts).
    await server.shutdown();
    await server.finished;
    await metricsServer?.shutdown();
    await runtime.close();
    clearTimeout(deadline);
    log.info("stopped");
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGTERM", () => void stop("SIGTERM"));
  Deno.addSignalListener("SIGINT", () => void stop("SIGINT"));
}

/**
 * A draining instance's answer with `Connection: close`, so that a proxy (nginx) stops reusing
 * that keepalive connection during DRAIN_DELAY_MS instead of writing a request on it just as the
 * listener closes it: a POST without an Idempotency-Key is never resent, and got a 502. A
 * WebSocket upgrade is left as it is.
 */
async function closingConnection(answer: Response | Promise<Response>): Promise<Response> {
  const res = await answer;
  if (res.status === 101) return res;
  try {
    res.headers.set("Connection", "close");
    return res;
  } catch {
    // Immutable headers (Response.redirect(), a fetched answer): a copy takes the header.
    const copy = new Response(res.body, res);
    copy.headers.set("Connection", "close");
    return copy;
  }
}

if (import.meta.main) {
  // `--warm-up` (run once when the image is built): every module has loaded, the pages and the
  // OpenAPI document's parts imported on first request, jose (src/crypto/jose.ts) and the
  // adapters imported only when configured included, so Deno has written its V8 code cache, and a
  // container's first start compiles nothing (docs/BENCHMARKS.md, issue 15). It exits before
  // reading the configuration or opening anything.
  if (Deno.args.includes("--warm-up")) {
    const modules = { ...ON_DEMAND_MODULES, ...CONFIGURED_ADAPTER_MODULES };
    await Promise.all([loadJose(), ...Object.values(modules).map((load) => load())]);
    Deno.exit(0);
  }
  main().catch((err) => {
    startLog.error("start-up failed", errorFields(err));
    Deno.exit(1);
  });
}
