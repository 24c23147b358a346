/**
 * The API's time limit per request: a request still running after `ms` fails with the error
 * `onTimeout` makes (503 `timeout` in api_budget.ts), through the one error handler. Hono's
 * `timeout` arms a timer per request; Deno's timers are Node-compatible `Timeout` objects, and
 * arming and clearing one was a visible share of each slot listing's CPU. Here the running
 * requests share one timer that sweeps every `ms / 20` (at most 250 ms), armed while any request
 * runs: a request times out between `ms` and `ms` plus that tick, and one that finishes in time
 * under load costs a slot taken and given back.
 *
 * The running requests sit in an array of reusable slots, not a `Set`: a `Set` whose members
 * hold each request's pending promise doubled the GC time of a slot listing (~20 µs of CPU per
 * request in-process, docs/BENCHMARKS.md, issue 15).
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./app_env.ts";

interface Running {
  deadline: number;
  expire(err: Error): void;
}

export function requestTimeout(ms: number, onTimeout: () => Error): MiddlewareHandler<AppEnv> {
  if (!Number.isInteger(ms) || ms <= 0) {
    throw new RangeError(`requestTimeout: ms must be a positive integer, found ${ms}`);
  }
  const tickMs = Math.max(1, Math.min(250, Math.floor(ms / 20)));
  const slots: (Running | undefined)[] = [];
  const freeSlots: number[] = [];
  let runningCount = 0;
  let sweeper: ReturnType<typeof setInterval> | undefined;

  function sweep() {
    const now = performance.now();
    // An expired request leaves its slot itself (the middleware's `finally`, right after).
    for (const r of slots) if (r !== undefined && r.deadline <= now) r.expire(onTimeout());
  }

  return async function requestTimeoutMiddleware(_c, next) {
    let expire!: (err: Error) => void;
    const expired = new Promise<never>((_, reject) => expire = reject);
    const slot = freeSlots.pop() ?? slots.length;
    slots[slot] = { deadline: performance.now() + ms, expire };
    runningCount++;
    sweeper ??= setInterval(sweep, tickMs);
    try {
      await Promise.race([next(), expired]);
    } finally {
      slots[slot] = undefined;
      freeSlots.push(slot);
      // No timer outlives the requests it watches (nor keeps an idle process or a test alive).
      if (--runningCount === 0) {
        clearInterval(sweeper);
        sweeper = undefined;
      }
    }
  };
}
