/**
 * The API's time limit per request: a request still running after `ms` fails with the error
 * `onTimeout` makes (503 `timeout` in api_budget.ts), through the one error handler. Hono's
 * `timeout` arms a timer per request; Deno's timers are Node-compatible `Timeout` objects, and
 * arming and clearing one was a visible share of each slot listing's CPU. Here the running
 * requests share one timer that sweeps every `ms / 20` (at most 250 ms), armed while any request
 * runs: a request times out between `ms` and `ms` plus that tick, and one that finishes in time
 * under load costs a set insert and delete.
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
  const running = new Set<Running>();
  let sweeper: ReturnType<typeof setInterval> | undefined;

  function leave(entry: Running) {
    running.delete(entry);
    // No timer outlives the requests it watches (nor keeps an idle process or a test alive).
    if (running.size === 0) {
      clearInterval(sweeper);
      sweeper = undefined;
    }
  }

  function sweep() {
    const now = performance.now();
    for (const r of running) {
      if (r.deadline > now) continue;
      leave(r);
      r.expire(onTimeout());
    }
  }

  return async function requestTimeoutMiddleware(_c, next) {
    let expire!: (err: Error) => void;
    const expired = new Promise<never>((_, reject) => expire = reject);
    const entry: Running = { deadline: performance.now() + ms, expire };
    running.add(entry);
    sweeper ??= setInterval(sweep, tickMs);
    try {
      await Promise.race([next(), expired]);
    } finally {
      leave(entry);
    }
  };
}
