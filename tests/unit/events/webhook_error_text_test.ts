import assert from "node:assert/strict";
import { webhookDeliveryHandler } from "../../../src/events/handlers/webhook_handlers.ts";
import { createLogger, errorFields } from "../../../src/observability/logger.ts";
import type { WebhookService } from "../../../src/webhooks/webhook_service.ts";
import { freePort } from "../../_harness/ports.ts";

Deno.test("webhooks.deliver fails without the endpoint's URL: a token in its path or query stays out of the log", async () => {
  // Nothing listens on the port: the fetch fails with its URL in the error's cause.
  const url = `http://127.0.0.1:${await freePort()}/hooks/T0KENPATH?key=T0KENQUERY`;
  const attempts: { error: string | null }[] = [];
  const webhooks = {
    get: () =>
      Promise.resolve({ id: "whk_1", url, events: ["appointment.confirmed"], secrets: [] }),
    signingSecrets: () => Promise.resolve(["whsec_test"]),
    recordAttempt: (a: { error: string | null }) => Promise.resolve(void attempts.push(a)),
  } as unknown as WebhookService;
  const handler = webhookDeliveryHandler(webhooks, { timeoutMs: 2000, checkDns: false });
  const payload = {
    id: "evt_1",
    type: "appointment.confirmed" as const,
    occurredAtMs: 0,
    data: { appointmentId: "apt_1" },
  };
  const err = await handler.handle(
    { id: "d1", type: "webhook.delivery", occurredAtMs: 0, data: { endpointId: "whk_1", payload } },
    { now: Date.now(), attempt: 0, maxAttempts: 5, markDone: (op) => op },
  ).then(() => null, (e) => e);
  assert.ok(err, "the delivery fails");
  assert.equal(attempts.length, 1);
  const lines: string[] = [];
  createLogger({ level: "warn", write: (l) => lines.push(l) })
    .warn("event handler failed; will retry", errorFields(err));
  assert.equal(/T0KEN/.test(lines[0]), false, lines[0]);
});
