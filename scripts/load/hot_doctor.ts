/**
 * `deno task bench:hot-doctor`: one doctor's calendar written from several instances at once.
 * Starts the cluster harness (denokv and N app instances, no nginx), has W patients each hold a
 * slot of the same doctor and release it, round after round, through instance `worker % N`
 * (tests/_harness/hot_doctor.ts), and reports per instance the answers, the rounds finished and
 * how long its holds and releases took (p50, p99, max), with the run's wall time and writes per
 * second. Run it in two trees beside each other (ABBA) to compare calendar-commit strategies.
 */
import { parseArgs } from "node:util";
import { startCluster } from "../../tests/_harness/cluster.ts";
import { runHotDoctor } from "../../tests/_harness/hot_doctor.ts";
import { loopbackQuickAck } from "./quickack.ts";
import { percentile } from "./recorder.ts";

export const USAGE = `Usage: deno task bench:hot-doctor [flags]

  --help          show this text
  --instances N   app instances over one denokv (default 3)
  --workers N     patients, each with a slot of its own on the one doctor (default 16)
  --rounds N      holds (each then released) per patient (default 50)
  --seconds N     wall-clock limit of the run (default 120)
`;

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      help: { type: "boolean" },
      instances: { type: "string", default: "3" },
      workers: { type: "string", default: "16" },
      rounds: { type: "string", default: "50" },
      seconds: { type: "string", default: "120" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  const whole = (name: string, text: string) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) {
      console.error(`--${name} takes a whole number >= 1\n\n${USAGE}`);
      Deno.exit(2);
    }
    return n;
  };
  const instances = whole("instances", values.instances);
  const workers = whole("workers", values.workers);
  const rounds = whole("rounds", values.rounds);
  const seconds = whole("seconds", values.seconds);

  await using cluster = await startCluster({
    instances,
    nginx: false,
    env: { RATE_LIMIT_DISABLED: "true", LOG_LEVEL: "warn" },
  });
  const run = await runHotDoctor(cluster, { workers, rounds, limitMs: seconds * 1000 });
  const fixed = (n: number) => n.toFixed(1);
  let writes = 0;
  for (const [i, share] of run.instances.entries()) {
    const spread = Object.entries(share.latenciesMs).map(([method, ms]) => {
      const sorted = [...ms].sort((a, b) => a - b);
      writes += sorted.length;
      return `${method} ms p50 ${fixed(percentile(sorted, 0.5))} p99 ` +
        `${fixed(percentile(sorted, 0.99))} max ${fixed(sorted.at(-1) ?? 0)}`;
    });
    console.log(
      `instance ${i + 1}: rounds ${share.rounds}, races lost ${share.racesLost}, ` +
        `answers ${JSON.stringify(share.answers)}, ` +
        spread.join(", "),
    );
  }
  console.log(
    `loopback quickack ${await loopbackQuickAck()}, wall ${
      fixed(run.wallMs / 1000)
    } s, ${writes} writes, ` +
      `${fixed(writes / (run.wallMs / 1000))} writes/s, 5xx or failed ${run.failures.length}`,
  );
  for (const f of run.failures.slice(0, 5)) console.log(`  ${f}`);
}
