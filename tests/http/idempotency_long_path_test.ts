/**
 * The idempotency middleware runs before a route checks its path id, and keys the stored answer by
 * the path: a path too long for a KV key (2 KiB) with an `Idempotency-Key` must be the same 400
 * the request gets without one, not a 500 from the store.
 */
import assert from "node:assert/strict";
import { startApp } from "../_harness/app.ts";
import { randomPhone } from "../_harness/api.ts";

Deno.test("a POST with an Idempotency-Key on a path id too long for a KV key is a 400, not a 500", async () => {
  await using app = await startApp();
  const { api } = app;
  const patient = await api.login(randomPhone());
  const long = "a".repeat(1900);
  for (
    const [path, body] of [
      [`/v1/holds/${long}/confirm`, { code: "123456" }],
      [`/v1/appointments/${long}/cancel`, {}],
      [`/v1/courses/${long}/confirm`, { code: "123456" }],
    ] as const
  ) {
    for (
      const headers of [{}, { "idempotency-key": "k".repeat(255) }] as Record<string, string>[]
    ) {
      const res = await api.request<{ code: string }>("POST", path, {
        token: patient.accessToken,
        body,
        headers,
      });
      assert.equal(
        res.status,
        400,
        `${path.slice(0, 20)}… ${JSON.stringify(headers).slice(0, 20)}`,
      );
      assert.equal(res.body.code, "validation_failed");
    }
  }
});
