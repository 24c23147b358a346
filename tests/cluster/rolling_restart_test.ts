/**
 * A rolling restart behind nginx (the production example config): each instance in turn is
 * stopped (SIGTERM), started again and ready before the next goes. Requests keep flowing during
 * the roll, and once it is over every instance is up again, so nginx must send requests to them
 * at once: a passive health mark that outlives an instance's restart would leave nginx with no
 * instance it may use ("no live upstreams", 502 for every request) right after a deploy.
 */
import assert from "node:assert/strict";
import { startCluster } from "../_harness/cluster.ts";

async function status(url: string): Promise<number> {
  const res = await fetch(url);
  await res.body?.cancel();
  return res.status;
}

Deno.test({
  name: "cluster: after a rolling restart behind nginx every request is served at once",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using cluster = await startCluster({
      instances: 3,
      env: { RATE_LIMIT_DISABLED: "true", LOG_LEVEL: "warn" },
    });
    let rolling = true;
    const traffic = (async () => {
      while (rolling) {
        await status(`${cluster.url}/v1/doctors`);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    for (const instance of cluster.instances) {
      await instance.stop();
      await instance.restart();
      for (let i = 0; i < 50 && (await status(`${instance.url}/readyz`)) !== 200; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    rolling = false;
    await traffic;
    const after: Record<number, number> = {};
    for (let i = 0; i < 30; i++) {
      const s = await status(`${cluster.url}/v1/doctors`);
      after[s] = (after[s] ?? 0) + 1;
    }
    assert.deepEqual(after, { 200: 30 }, "every instance is ready, so nginx serves every request");
  },
});
