import assert from "node:assert/strict";
import { withDeadline } from "../../src/http/outbound_deadline.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("withDeadline() aborts a call that has not settled by its deadline with a TimeoutError", async () => {
  let seen: AbortSignal | undefined;
  // The deadline's timer is unref'd, as a real call's socket would keep the process alive.
  const alive = setTimeout(() => {}, 1_000);
  await assert.rejects(
    withDeadline(50, (signal) => {
      seen = signal;
      return new Promise((_, reject) =>
        signal.addEventListener("abort", () => reject(signal.reason))
      );
    }),
    (err: DOMException) => err.name === "TimeoutError" && /within 50 ms/.test(err.message),
  );
  assert.equal(seen?.aborted, true);
  clearTimeout(alive);
});

Deno.test("withDeadline() leaves nothing to fire once the call has settled", async () => {
  const signals: AbortSignal[] = [];
  assert.equal(
    await withDeadline(50, (s) => (signals.push(s), Promise.resolve("answered"))),
    "answered",
  );
  await assert.rejects(
    withDeadline(50, (s) => (signals.push(s), Promise.reject(new Error("refused")))),
    /refused/,
  );
  await sleep(120);
  assert.deepEqual(signals.map((s) => s.aborted), [false, false]);
});
