/**
 * Several KV Connect handles to one `denokv` server used as one `Deno.Kv`, one request in flight
 * per handle: a request goes to an idle handle, or waits for the first one freed (at most
 * MAX_WAIT_MS, then it shares the least busy).
 *
 * Why: Deno's KV Connect client sends all of a handle's requests over one HTTP/2 connection with
 * Nagle's algorithm on, and denokv 0.14.0 leaves it on too. A request sent while another one of
 * the same handle is in flight waits for a delayed ACK: two requests sent together answered the
 * second after ~44-48 ms where one alone took ~1 ms, while two to four over as many handles took
 * 1-2 ms, and eight over four handles ~2.6 ms (docs/BENCHMARKS.md, issue 15, helpers "cluster6" and
 * "cluster7"). Waiting ~1 ms for a free handle beats sharing a busy one.
 *
 * Every handle must reach the same server: a read sent after a write answered sees it on any
 * connection (denokv is one SQLite database), exactly as between instances.
 *
 * What is counted: get, getMany, set, delete, an atomic operation's commit and each page of a
 * list. An atomic operation is built on the handle idle when `atomic()` is called (operations
 * are built and committed in one go) and commits on it; a list's pages all go to the handle idle
 * when `list()` was called. `watch`, queues and anything else use the first handle uncounted;
 * `close` closes them all. It owns no key and writes nothing of its own.
 */
import { callKv, KV_REQUESTS, replacingMethods } from "./kv_proxy.ts";

/**
 * Longest a request waits for an idle handle before it shares the least busy one. A request
 * takes ~0.3-2 ms, so a free handle normally comes well within this; longer means the server is
 * down or the instance overloaded, where waiting helps nothing (and continuous traffic on a
 * connection does not stall: the ACKs ride on the answers).
 */
export const MAX_WAIT_MS = 5;

export interface KvPoolOptions {
  /** Longest wait for an idle handle (default MAX_WAIT_MS). */
  maxWaitMs?: number;
}

interface Waiter {
  /** Only this handle will do (an atomic operation's or a list's). */
  handle?: number;
  take(i: number): void;
}

export function poolKv(handles: Deno.Kv[], options: KvPoolOptions = {}): Deno.Kv {
  if (handles.length === 0) throw new RangeError("poolKv: at least one handle is needed");
  if (handles.length === 1) return handles[0];
  const maxWaitMs = options.maxWaitMs ?? MAX_WAIT_MS;
  const inFlight = handles.map(() => 0);
  /** Requests waiting for an idle handle, oldest first. */
  const waiting: Waiter[] = [];

  function leastBusy(): number {
    return inFlight.indexOf(Math.min(...inFlight));
  }

  /** An idle handle (`wanted`, if given) now, or when one is freed, or the least busy after the wait. */
  function acquire(wanted?: number): number | Promise<number> {
    const idle = wanted ?? inFlight.indexOf(0);
    if (idle >= 0 && inFlight[idle] === 0) {
      inFlight[idle]++;
      return idle;
    }
    const { promise, resolve } = Promise.withResolvers<number>();
    const timer = setTimeout(() => {
      waiting.splice(waiting.indexOf(waiter), 1);
      waiter.take(wanted ?? leastBusy());
    }, maxWaitMs);
    const waiter: Waiter = {
      handle: wanted,
      take(i) {
        clearTimeout(timer);
        inFlight[i]++;
        resolve(i);
      },
    };
    waiting.push(waiter);
    return promise;
  }

  /** Hands a handle left idle to the oldest request that may use it. */
  function release(i: number) {
    if (--inFlight[i] > 0) return;
    const next = waiting.findIndex((w) => w.handle === undefined || w.handle === i);
    if (next >= 0) waiting.splice(next, 1)[0].take(i);
  }

  /** `send` on an acquired handle, released when it settles. */
  async function counted<T>(wanted: number | undefined, send: (i: number) => Promise<T>) {
    const got = acquire(wanted);
    const i = typeof got === "number" ? got : await got;
    try {
      return await send(i);
    } finally {
      release(i);
    }
  }

  function closeAll() {
    for (const handle of handles) handle.close();
  }

  /** The handle an atomic operation or a list is made on: an idle one, else the least busy. */
  function pick(): number {
    const idle = inFlight.indexOf(0);
    return idle >= 0 ? idle : leastBusy();
  }

  return replacingMethods(handles[0], {
    ...Object.fromEntries(
      KV_REQUESTS.map((name) => [
        name,
        (...args: unknown[]) => counted(undefined, (i) => callKv(handles[i], name, args)),
      ]),
    ),
    atomic: () => {
      const i = pick();
      const op = handles[i].atomic();
      return replacingMethods(op, { commit: () => counted(i, () => op.commit()) });
    },
    list: (...args: Parameters<Deno.Kv["list"]>) => {
      const i = pick();
      const iter = handles[i].list(...args);
      return replacingMethods(iter, { next: () => counted(i, () => iter.next()) });
    },
    close: closeAll,
    [Symbol.dispose]: closeAll,
  });
}
