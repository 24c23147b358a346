/**
 * A stopped outbox relay makes no more passes: not on its interval, and not on the `Deno.cron`
 * tick it registered, which outlives `stop()` (a pass begun there during shutdown would run on
 * stores being closed). Deno.cron is replaced by a stub that hands the test its callback.
 */
import assert from "node:assert/strict";
import { createOutboxRelay } from "../../../src/events/outbox_relay.ts";
import { createLogger } from "../../../src/observability/logger.ts";

Deno.test("createOutboxRelay() stop() also stops the passes of its Deno.cron tick", async () => {
  using kv = await Deno.openKv(":memory:");
  let passes = 0;
  let tick: (() => unknown) | undefined;
  const deno = Deno as unknown as { cron?: unknown };
  const original = deno.cron;
  deno.cron = (_name: string, _schedule: string, fn: () => unknown) => {
    tick = fn;
    return Promise.resolve();
  };
  try {
    const relay = createOutboxRelay({
      kv,
      dispatcher: { deliverAll: () => Promise.resolve([]) },
      appointments: {
        pendingEvents: () => {
          passes++;
          return Promise.resolve([]);
        },
        clearPendingEvents: () => Promise.resolve(),
      },
      now: () => Date.now(),
      log: createLogger({ level: "error", write: () => {} }),
    });
    relay.start({ intervalMs: 60_000, cron: true, firstPassOnWake: true });
    assert.ok(tick, "the relay registered a cron tick");
    await tick();
    assert.equal(passes, 1, "a running relay passes on its tick");
    await relay.stop();
    await tick();
    assert.equal(passes, 1, "a stopped relay made a pass on its cron tick");
  } finally {
    deno.cron = original;
  }
});
