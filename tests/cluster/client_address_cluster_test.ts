/**
 * Behind nginx (the production example config, as `deno task cluster` runs it) per-client limits
 * key on the real client: nginx writes X-Real-IP from its own peer, and the instances believe it
 * only from nginx's address (TRUSTED_PROXY_ADDRESSES=127.0.0.1). A client that goes around nginx
 * to an instance's port, from another address, is keyed on itself whatever X-Real-IP it sends.
 */
import assert from "node:assert/strict";
import { startCluster } from "../_harness/cluster.ts";
import { codeRequestFrom } from "../_harness/code_request_from.ts";

Deno.test({
  name: "cluster: limits key on the real client through nginx, and on the peer around it",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using cluster = await startCluster({
      instances: 2,
      env: { OTP_SENDS_PER_IP_PER_HOUR: "2", OTP_RESEND_COOLDOWN_SECONDS: "0" },
    });
    const [one, two] = cluster.instances;

    // Through nginx: a forged X-Real-IP is overwritten, so 127.0.0.2 has one budget of 2...
    const viaNginx = [];
    for (const forged of ["203.0.113.1", "203.0.113.2", "203.0.113.3"]) {
      viaNginx.push(await codeRequestFrom(cluster.url, "127.0.0.2", { "x-real-ip": forged }));
    }
    // ...and another client (127.0.0.3) its own, not nginx's shared one.
    viaNginx.push(await codeRequestFrom(cluster.url, "127.0.0.3"));
    assert.deepEqual(viaNginx, ["202", "202", "429", "202"]);

    // Around nginx, straight to the instances: a fresh X-Real-IP per request is no fresh budget.
    const around = [];
    for (const [i, forged] of ["198.51.100.1", "198.51.100.2", "198.51.100.3"].entries()) {
      const instance = i % 2 === 0 ? one : two;
      around.push(await codeRequestFrom(instance.url, "127.0.0.4", { "x-real-ip": forged }));
    }
    assert.deepEqual(around, ["202", "202", "429"]);
    // Nor can it spend 127.0.0.3's remaining budget by naming it.
    around.push(await codeRequestFrom(two.url, "127.0.0.4", { "x-real-ip": "127.0.0.3" }));
    assert.equal(around[3], "429");
    assert.equal(await codeRequestFrom(cluster.url, "127.0.0.3"), "202");
    assert.ok(
      cluster.instances.some((i) => i.logs().includes("TRUSTED_PROXY_HEADER ignored")),
      "the ignored header is logged",
    );
  },
});
