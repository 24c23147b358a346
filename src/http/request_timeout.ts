/**
 * The API's time limit per request: a request still running after `ms` fails with the error
 * `onTimeout` makes (503 `timeout` in api_budget.ts), through the one error handler. Hono's
 * `timeout` arms a timer per request; Deno's timers are Node-compatible `Timeout` objects, and
 * arming and clearing one was a visible share of each slot listing's CPU. Here the running
 * requests share one timer that sweeps every `ms / 20` (at most 250 ms), armed while any request
 * runs: a request times out between `ms` and `ms` plus that tick, and one that finishes in time
 * under load costs a slot taken and given back. When the last running request leaves, the timer
 * is unref'd rather than cleared (a few µs less each time: under wrk that is once per event-loop
 * turn), and the next sweep clears it if still nothing runs; unref'd, it keeps no process or test
 * alive, and a request arriving meanwhile refs it again.
 *
 * The running requests sit in arrays of reusable slots, not a `Set`: a `Set` whose members
 * hold each request's pending promise doubled the GC time of a slot listing (~20 µs of CPU per
 * request in-process, docs/BENCHMARKS.md, issue 15). Each request makes one promise of its own
 * (no `Promise.race`, no second promise for expiry, no `async` frame).
 */
import type { Env, MiddlewareHandler } from "hono";
import type { AppEnv } from "./app_env.ts";

type Expire = (err: Error) => void;

export function requestTimeout<E extends Env = AppEnv>(
  ms: number,
  onTimeout: () => Error,
): MiddlewareHandler<E> {
  if (!Number.isInteger(ms) || ms <= 0) {
    throw new RangeError(`requestTimeout: ms must be a positive integer, found ${ms}`);
  }
  const tickMs = Math.max(1, Math.min(250, Math.floor(ms / 20)));
  // Slot i is running while expires[i] is set: its deadline, and how to fail it.
  const deadlines: number[] = [];
  const expires: (Expire | undefined)[] = [];
  const freeSlots: number[] = [];
  let runningCount = 0;
  let sweeper: ReturnType<typeof setInterval> | undefined;

  function enter(deadline: number, expire: Expire): number {
    const slot = freeSlots.pop() ?? expires.length;
    deadlines[slot] = deadline;
    expires[slot] = expire;
    if (runningCount++ === 0) {
      if (sweeper === undefined) sweeper = setInterval(sweep, tickMs);
      else Deno.refTimer(sweeper);
    }
    return slot;
  }

  /** Frees the slot if `expire` still holds it (an expired request has left already). */
  function leave(slot: number, expire: Expire) {
    if (expires[slot] !== expire) return;
    expires[slot] = undefined;
    freeSlots.push(slot);
    // Nothing left to watch: the timer keeps no idle process or test alive from here on.
    if (--runningCount === 0) Deno.unrefTimer(sweeper!);
  }

  function sweep() {
    if (runningCount === 0) {
      clearInterval(sweeper);
      sweeper = undefined;
      return;
    }
    const now = performance.now();
    for (let slot = 0; slot < expires.length; slot++) {
      const expire = expires[slot];
      if (expire === undefined || deadlines[slot] > now) continue;
      leave(slot, expire);
      expire(onTimeout());
    }
  }

  // One promise per request, settled by whichever comes first: the rest of the chain or expiry.
  return function requestTimeoutMiddleware(_c, next) {
    const deadline = performance.now() + ms;
    return new Promise<void>((resolve, reject) => {
      const slot = enter(deadline, reject);
      next().then(
        () => {
          leave(slot, reject);
          resolve();
        },
        (err) => {
          leave(slot, reject);
          reject(err);
        },
      );
    });
  };
}
