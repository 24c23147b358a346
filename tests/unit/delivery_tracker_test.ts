import assert from "node:assert/strict";
import { createDataCipher, generateDataKeyBase64 } from "../../src/crypto/data_cipher.ts";
import { createDeliveryTracker } from "../../src/notify/delivery_tracker.ts";
import type { OutgoingMessage } from "../../src/notify/message_sender.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { createAppMetrics } from "../../src/observability/metrics.ts";

Deno.test("createDeliveryTracker() answers a message the provider accepted even when its record cannot be stored", async () => {
  const kv = await Deno.openKv(":memory:");
  let failCommits = 1;
  // A KV that refuses the next commit (a denokv blip): the message has already gone out.
  const flaky = new Proxy(kv, {
    get(target, prop) {
      if (prop === "atomic") {
        return () => {
          const op = target.atomic();
          const commit = op.commit.bind(op);
          op.commit = () =>
            failCommits-- > 0 ? Promise.reject(new Error("KV timed out")) : commit();
          return op;
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const sent: OutgoingMessage[] = [];
  const tracker = createDeliveryTracker(
    {
      name: "fake",
      send: (m) => {
        sent.push(m);
        return Promise.resolve({ providerId: `SM${sent.length}` });
      },
    },
    {
      kv: flaky,
      cipher: await createDataCipher([{ id: "k1", keyBase64: generateDataKeyBase64() }]),
      metrics: createAppMetrics(),
      log: createLogger({ level: "error", write: () => {} }),
      now: () => Date.now(),
    },
  );
  try {
    const result = await tracker.sender.send({ to: "+919812345678", body: "hi", channel: "sms" });
    assert.equal(
      result.providerId,
      "SM1",
      "the caller learns it was sent, so it does not send again",
    );
    assert.equal(sent.length, 1);
  } finally {
    kv.close();
  }
});
