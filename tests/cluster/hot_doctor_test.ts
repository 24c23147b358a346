/**
 * One doctor's calendar written from three instances at once (sixteen patients holding and
 * releasing slots of that doctor over a shared denokv): every write must be answered, none with a
 * 5xx, and each instance's patients must get through their rounds. Each calendar commit checks the
 * doctor's one version key, so the writes of all instances race for it; a process that raced its
 * own requests against each other as well could lose every round to the others for seconds and
 * answer 503 (docs/BENCHMARKS.md, issue 15, the hot doctor).
 */
import assert from "node:assert/strict";
import { startCluster } from "../_harness/cluster.ts";
import { runHotDoctor } from "../_harness/hot_doctor.ts";

Deno.test({
  name:
    "cluster: sixteen patients on one doctor from three instances: every write answered, no 5xx",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using cluster = await startCluster({
      instances: 3,
      nginx: false,
      env: { RATE_LIMIT_DISABLED: "true", LOG_LEVEL: "warn" },
    });
    const run = await runHotDoctor(cluster, { workers: 16, rounds: 20, limitMs: 90_000 });
    const summary = JSON.stringify(run.instances.map(({ url, answers, rounds, racesLost }) => ({
      url,
      answers,
      rounds,
      racesLost,
    })));
    assert.deepEqual(run.failures.slice(0, 5), [], summary);
    // Each instance serves five or six workers of twenty rounds each: all of them finished.
    for (const share of run.instances) {
      const workers = Math.ceil((16 - run.instances.indexOf(share)) / run.instances.length);
      assert.equal(share.rounds, workers * 20, summary);
    }
    // The instances did contend for the one calendar, and each says so on /metrics.
    assert.ok(run.instances.some((share) => share.racesLost > 0), summary);
  },
});
