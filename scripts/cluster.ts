/**
 * `deno task cluster`: Vaidya as several instances on one shared KV, on this machine — a `denokv`
 * server, N app processes on free loopback ports (each with `KV_PATH=http://…` to it), and nginx
 * in front from the production example deploy/nginx/vaidya.conf. Optionally FerretDB for the
 * records and redis-server behind the Upstash REST bridge for limits, OTP state and caches.
 * Runs until Ctrl-C or SIGTERM, then stops everything it started (and only that).
 *
 * Usage: deno task cluster [--instances N] [--mongo] [--upstash]
 */
import { parseArgs } from "node:util";
import { startCluster } from "../tests/_harness/cluster.ts";
import { loopbackQuickAck } from "./load/quickack.ts";

export const USAGE = `Usage: deno task cluster [flags]

Starts denokv, N Vaidya instances on it and nginx in front (all on 127.0.0.1), prints where
they are, and runs until Ctrl-C or SIGTERM; then it stops everything it started. Data lives in
temp dirs and goes with them. The instances run with APP_ENV=test (dev outbox on, so login
codes can be read at /v1/dev/outbox).

  --help          show this text
  --instances N   app instances behind nginx (default 3, at most 16)
  --mongo         records in FerretDB (a MongoDB-compatible server) instead of the KV
  --upstash       limits, OTP state and caches in redis-server behind the Upstash REST bridge
  --env K=V       extra environment for every instance (repeatable), e.g. --env LOG_LEVEL=warn
`;

export interface ClusterCliOptions {
  instances: number;
  mongo: boolean;
  upstash: boolean;
  env: Record<string, string>;
}

/** Parses argv; null for --help; throws RangeError with a plain message on a bad flag. */
export function parseClusterArgs(argv: string[]): ClusterCliOptions | null {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      help: { type: "boolean" },
      instances: { type: "string" },
      mongo: { type: "boolean" },
      upstash: { type: "boolean" },
      env: { type: "string", multiple: true },
    },
  });
  if (values.help) return null;
  const instances = Number(values.instances ?? "3");
  if (!Number.isInteger(instances) || instances < 1 || instances > 16) {
    throw new RangeError(
      `--instances must be a whole number from 1 to 16, found "${values.instances}"`,
    );
  }
  const env: Record<string, string> = {};
  for (const pair of values.env ?? []) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(pair);
    if (!m) throw new RangeError(`--env needs NAME=value, found "${pair}"`);
    env[m[1]] = m[2];
  }
  return { instances, mongo: values.mongo ?? false, upstash: values.upstash ?? false, env };
}

async function main() {
  let options: ClusterCliOptions | null;
  try {
    options = parseClusterArgs(Deno.args);
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    Deno.exit(2);
  }
  if (!options) {
    console.log(USAGE.trim());
    return;
  }
  const cluster = await startCluster({
    instances: options.instances,
    mongo: options.mongo,
    upstash: options.upstash,
    env: options.env,
    progress: (step) => console.error(`starting ${step}…`),
  });
  const { promise: stopped, resolve } = Promise.withResolvers<string>();
  const onSignal = (signal: Deno.Signal) => () => resolve(signal);
  Deno.addSignalListener("SIGINT", onSignal("SIGINT"));
  Deno.addSignalListener("SIGTERM", onSignal("SIGTERM"));

  console.log(`Vaidya cluster: ${cluster.url}  (nginx)`);
  cluster.instances.forEach((i, n) => console.log(`  instance ${n + 1}: ${i.url}`));
  console.log(`  denokv:     ${cluster.denokv.url}`);
  if (cluster.mongo) console.log(`  FerretDB:   ${cluster.mongo.uri}`);
  if (cluster.env.UPSTASH_REDIS_REST_URL) {
    console.log(`  Upstash:    ${cluster.env.UPSTASH_REDIS_REST_URL}`);
  }
  if (await loopbackQuickAck() === "off") {
    console.log(
      "  note: delayed ACKs are on for loopback, so every KV request over ~1 KiB to denokv " +
        'waits ~40 ms (README, "KV Connect and delayed ACKs"); `sudo bash scripts/quickack.sh` ' +
        "turns them off",
    );
  }
  console.log("Ctrl-C stops everything.");
  const signal = await stopped;
  console.error(`${signal}: stopping the instances (drain), nginx and the stores…`);
  await cluster.stop();
  console.error("stopped");
  Deno.exit(0);
}

if (import.meta.main) {
  main().catch((err) => {
    console.error(`cluster: ${err instanceof Error ? err.message : err}`);
    Deno.exit(1);
  });
}
