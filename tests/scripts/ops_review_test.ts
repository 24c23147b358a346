/**
 * Operator tasks against what they must refuse or reach: reconcile's grace below the servers'
 * claim grace (it would delete an in-flight booking's claims and take the servers' locks while
 * held), and the tasks that read the event and audit state on a shared KV server (denokv).
 */
import assert from "node:assert/strict";
import { startDenoKv } from "../_harness/denokv.ts";
import { runTask } from "./_run_task.ts";

Deno.test("reconcile refuses --grace-seconds below the servers' claim grace", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vaidya-ops-" });
  for (const grace of ["0", "10", "29"]) {
    const res = await runTask("reconcile", ["--grace-seconds", grace], dir);
    assert.equal(res.code, 2, `--grace-seconds ${grace} was accepted: ${res.stdout}`);
    assert.match(res.stderr, /--grace-seconds/);
  }
  const ok = await runTask("reconcile", ["--grace-seconds", "30"], dir);
  assert.equal(ok.code, 0, ok.stderr);
});

Deno.test({
  name: "dlq and audit:verify run against a shared KV server (KV_PATH=denokv URL)",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const denokv = await startDenoKv();
    try {
      const dir = await Deno.makeTempDir({ prefix: "vaidya-ops-" });
      const dlq = await runTask("dlq", ["list"], dir, denokv.env);
      assert.equal(dlq.code, 0, dlq.stderr);
      assert.match(dlq.stdout, /dead-letter list is empty/);
      const audit = await runTask("audit:verify", [], dir, denokv.env);
      assert.equal(audit.code, 0, audit.stderr);
      assert.match(audit.stdout, /Audit chain intact/);
    } finally {
      await denokv.stop();
    }
  },
});
